"""Shape rules of the `jax.numpy` functions a custom layer's body uses most.

The mypy plugin applies them to calls on `tn.Tensor` arguments, so a custom layer's
body is checked like a model's wiring. Unlike the layer rules, these see the *whole*
array shape, as `jax.numpy` does: inside a body there is no implicit batch axis.

Sizes follow design.md section 2: a named `Dim` equals only itself (never a fixed size,
so broadcasting it against 5 is an error, against 1 keeps it), and an unknown size
never causes an error. Hyperparameters that are not literals (`axis=n` with `n: int`)
are `UNKNOWN`, and then the result is a shape of unknown rank rather than a guess.

This module holds the names of the function families, broadcasting, matmul, the
reductions and the functions that keep a shape; `_jnp_layout` rearranges axes,
`_jnp_join` joins and splits arrays, `_jnp_index` selects with index arrays, and
`_einsum` reads `jnp.einsum`'s subscripts.
"""

from __future__ import annotations

from typing import Any

from ._dims import UNKNOWN, Shape, Size, Unknown, either, listed, same_size
from ._errors import ShapeError

UNARY = frozenset(
    {
        "abs",
        "absolute",
        "arccos",
        "arcsin",
        "arctan",
        "ceil",
        "cos",
        "cosh",
        "exp",
        "exp2",
        "expm1",
        "floor",
        "log",
        "log1p",
        "log2",
        "log10",
        "negative",
        "reciprocal",
        "sign",
        "sin",
        "sinh",
        "sqrt",
        "square",
        "tan",
        "tanh",
        "trunc",
    }
)
"""`jnp` functions of one array, applied to each element."""

BINARY = frozenset(
    {
        "add",
        "subtract",
        "multiply",
        "divide",
        "true_divide",
        "power",
        "maximum",
        "minimum",
        "mod",
        "logaddexp",
        "arctan2",
    }
)
"""`jnp` functions of two arrays that broadcast them against each other."""

REDUCTIONS = frozenset({"sum", "mean", "max", "min", "prod", "var", "std", "amax", "amin"})
"""`jnp` functions that reduce over `axis` (None, an int or a tuple), keeping it with `keepdims`."""

NN_ELEMENTWISE = frozenset(
    {
        "relu",
        "relu6",
        "gelu",
        "sigmoid",
        "silu",
        "swish",
        "softplus",
        "elu",
        "leaky_relu",
        "celu",
        "selu",
        "mish",
        "hard_tanh",
    }
)
"""`jax.nn` activations of one array (their other arguments are scalars)."""

NN_ALONG_AXIS = frozenset(("softmax", "log_softmax"))
"""`jax.nn` functions that keep the shape but normalize along `axis`."""

ARG_REDUCTIONS = frozenset(("argmax", "argmin"))
"""`jnp` functions that reduce over one `axis` (or all) to an index, keeping it with `keepdims`."""

TRIANGLES = frozenset(("tril", "triu"))
"""`jnp` functions that zero a triangle of the last two axes."""

LIKES = frozenset(("zeros_like", "ones_like", "full_like"))
"""`jnp` functions that make a new array of another's shape (or of `shape=`)."""

Axis = int | tuple[int, ...] | None | Unknown
"""An `axis` argument as the plugin reads it: UNKNOWN when not a literal."""


def is_int(value: object) -> bool:
    """Whether a hyperparameter is a literal int (not a bool, not unknown)."""
    return isinstance(value, int) and not isinstance(value, bool)


def broadcast_size(a: Size, b: Size) -> Size | None:
    """Two sizes broadcast together, or None when they cannot be."""
    if a == 1:
        return b
    if b == 1:
        return a
    return None if same_size(a, b) is False else either(a, b)


def broadcast(name: str, *inputs: Shape) -> Shape:
    """The shape of an elementwise function of `inputs`, by numpy's broadcasting rules.

    Trailing axes are aligned; on each, sizes must be equal or 1.

    Example:
        >>> broadcast("jnp.add", Shape.of(4, 1, 8), Shape.of(3, 1))
        (4, 3, 8)
    """
    rank = max((len(x.dims) for x in inputs), default=0)
    out: list[Size] = [1] * rank
    for x in inputs:
        for axis, size in zip(range(rank - len(x.dims), rank), x.dims):
            merged = broadcast_size(out[axis], size)
            if merged is None:
                raise ShapeError(
                    name,
                    "shapes that broadcast together",
                    listed(inputs),
                    hint=f"on each trailing axis the sizes must be equal or 1; axis {axis - rank} has "
                    f"{out[axis]!r} and {size!r}",
                )
            out[axis] = merged
    opened = any(x.open for x in inputs)
    if opened:
        # An axis that only a closed input of size 1 gives may be widened by the open one.
        out = [UNKNOWN if size == 1 else size for size in out]
    return Shape(tuple(out), open=opened)


def broadcasts_to(a: Shape, target: Shape, described: str) -> Shape:
    """`target`, once `a` is known to broadcast to it (each trailing size 1 or the target's)."""
    dims = target.dims
    too_long = not target.open and len(a.dims) > len(dims)
    if too_long or any(same_size(x, 1) is False and same_size(x, y) is False for x, y in zip(a.dims[::-1], dims[::-1])):
        raise ShapeError(
            described,
            f"an array that broadcasts to {target!r}",
            repr(a),
            hint="on each trailing axis the array's size must be 1 or the target's",
        )
    return target


def matmul(a: Shape, b: Shape, *, name: str = "jnp.matmul") -> Shape:
    """`jnp.matmul(a, b)`: a's last axis against b's second to last, leading axes broadcast.

    A 1-d operand is a vector (its axis is contracted and does not appear in the result).

    Example:
        >>> matmul(Shape.of(4, 8), Shape.of(8, 16))
        (4, 16)
    """
    for x in (a, b):
        if not x.open and not x.dims:
            raise ShapeError(name, "operands with at least one axis", listed((a, b)), hint="use * for scalars")
    if a.open or b.open:
        inner_a = a.dims[-1] if a.dims else UNKNOWN
        inner_b = b.dims[-2] if len(b.dims) >= 2 else UNKNOWN
        if same_size(inner_a, inner_b) is False:
            raise _contraction(name, a, b, inner_a, inner_b)
        return Shape.anything()
    rows = a.dims if len(a.dims) >= 2 else (1, *a.dims)
    cols = b.dims if len(b.dims) >= 2 else (*b.dims, 1)
    if same_size(rows[-1], cols[-2]) is False:
        raise _contraction(name, a, b, rows[-1], cols[-2])
    try:
        batch = broadcast(name, Shape(rows[:-2]), Shape(cols[:-2])).dims
    except ShapeError as error:
        raise ShapeError(
            name, "leading (batch) axes that broadcast together", listed((a, b)), hint=error.hint
        ) from error
    out = (*batch, *rows[-2:-1][: len(a.dims) - 1], *cols[-1:][: len(b.dims) - 1])
    return Shape(out)


def _contraction(name: str, a: Shape, b: Shape, inner_a: Size, inner_b: Size) -> ShapeError:
    return ShapeError(
        name,
        f"the first operand's last axis ({inner_a!r}) to equal the second's contracted axis ({inner_b!r})",
        listed((a, b)),
        hint="matmul contracts a's last axis with b's second to last (b's only axis for a vector); "
        "transpose one operand or swap them",
    )


def reduce(a: Shape, axis: Axis = None, *, keepdims: Any = False, name: str = "jnp.sum") -> Shape:
    """`jnp.sum(a, axis, keepdims=)` and the other reductions: the axes summed away (or kept as 1).

    Example:
        >>> reduce(Shape.of(4, 8, 16), axis=(0, -1))
        (8,)
        >>> reduce(Shape.of(4, 8), axis=1, keepdims=True)
        (4, 1)
    """
    if isinstance(axis, Unknown) or not isinstance(keepdims, bool):
        return Shape.anything()
    if axis is None:
        return Shape.anything() if a.open else Shape((1,) * len(a.dims) if keepdims else ())
    axes = axis if isinstance(axis, tuple) else (axis,)
    if any(isinstance(i, Unknown) for i in axes):
        return Shape.anything()
    if a.open:
        if not all(isinstance(i, int) and -len(a.dims) <= i < 0 for i in axes) or len(set(axes)) != len(axes):
            return Shape.anything()
        rank = len(a.dims)
        return Shape(_reduced(a.dims, {i % rank for i in axes}, keepdims=keepdims), open=True)
    rank = len(a.dims)
    valid = all(isinstance(i, int) and not isinstance(i, bool) and -rank <= i < rank for i in axes)
    if not valid or len({i % rank for i in axes}) != len(axes):
        raise ShapeError(
            f"{name}(..., axis={axis!r})",
            f"distinct axes between {-rank} and {rank - 1}",
            repr(a),
            hint=f"the array has rank {rank}",
        )
    return Shape(_reduced(a.dims, {i % rank for i in axes}, keepdims=keepdims))


def _reduced(dims: tuple[Size, ...], axes: set[int], *, keepdims: bool) -> tuple[Size, ...]:
    return tuple(1 if i in axes else d for i, d in enumerate(dims) if keepdims or i not in axes)


def along_axis(a: Shape, axis: Axis = -1, *, name: str = "jax.nn.softmax") -> Shape:
    """`jax.nn.softmax(x, axis)`: the shape is kept; the axes must exist.

    Example:
        >>> along_axis(Shape.of(4, 10), axis=-1)
        (4, 10)
    """
    reduce(a, axis, keepdims=True, name=name)
    return a


def triangle(a: Shape, *, name: str = "jnp.tril") -> Shape:
    """`jnp.tril(m, k)` and `jnp.triu`: the shape is kept; the last two axes are the matrix.

    Example:
        >>> triangle(Shape.of(8, 8))
        (8, 8)
    """
    if not a.open and len(a.dims) < 2:
        raise ShapeError(name, "an array of rank 2 or more", repr(a), hint="the last two axes are the matrix")
    return a


def like(a: Shape, shape: Any = None, fill: Shape | None = None, *, name: str = "jnp.full_like") -> Shape:
    """`jnp.zeros_like(a, shape=)`, `ones_like`, `full_like(a, fill_value, shape=)`: a's shape, or `shape`.

    `full_like`'s fill value must broadcast to the result.

    Example:
        >>> like(Shape.of(4, 8), fill=Shape.of(8))
        (4, 8)
    """
    out = a
    if shape is not None:
        target: tuple[Any, ...] = shape if isinstance(shape, tuple) else (shape,)
        known = not isinstance(shape, Unknown) and all(is_int(d) and d >= 0 for d in target)
        out = Shape(target) if known else Shape.anything()
    if fill is not None:
        broadcasts_to(fill, out, f"{name}(..., fill_value)")
    return out
