"""Shape rules of the `jax.numpy` functions a custom layer's body uses most.

The mypy plugin applies them to calls on `tn.Tensor` arguments, so a custom layer's
body is checked like a model's wiring. Unlike the layer rules, these see the *whole*
array shape, as `jax.numpy` does: inside a body there is no implicit batch axis.

Sizes follow design.md section 2: a named `Dim` equals only itself (never a fixed size,
so broadcasting it against 5 is an error, against 1 keeps it), and an unknown size
never causes an error. Hyperparameters that are not literals (`axis=n` with `n: int`)
are `UNKNOWN`, and then the result is a shape of unknown rank rather than a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._dims import UNKNOWN, Shape, Size, Symbol, Unknown, either, product, same_size
from ._errors import ShapeError
from ._reshape import Monomial, _monomial, _show

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

Axis = int | tuple[int, ...] | None | Unknown
"""An `axis` argument as the plugin reads it: UNKNOWN when not a literal."""


def _listed(inputs: Sequence[Shape]) -> str:
    return " and ".join(repr(x) for x in inputs)


def _merge(a: Size, b: Size) -> Size | None:
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
            merged = _merge(out[axis], size)
            if merged is None:
                raise ShapeError(
                    name,
                    "shapes that broadcast together",
                    _listed(inputs),
                    hint=f"on each trailing axis the sizes must be equal or 1; axis {axis - rank} has "
                    f"{out[axis]!r} and {size!r}",
                )
            out[axis] = merged
    opened = any(x.open for x in inputs)
    if opened:
        # An axis that only a closed input of size 1 gives may be widened by the open one.
        out = [UNKNOWN if size == 1 else size for size in out]
    return Shape(tuple(out), open=opened)


def matmul(a: Shape, b: Shape, *, name: str = "jnp.matmul") -> Shape:
    """`jnp.matmul(a, b)`: a's last axis against b's second to last, leading axes broadcast.

    A 1-d operand is a vector (its axis is contracted and does not appear in the result).

    Example:
        >>> matmul(Shape.of(4, 8), Shape.of(8, 16))
        (4, 16)
    """
    for x in (a, b):
        if not x.open and not x.dims:
            raise ShapeError(name, "operands with at least one axis", _listed((a, b)), hint="use * for scalars")
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
            name, "leading (batch) axes that broadcast together", _listed((a, b)), hint=error.hint
        ) from error
    out = (*batch, *rows[-2:-1][: len(a.dims) - 1], *cols[-1:][: len(b.dims) - 1])
    return Shape(out)


def _contraction(name: str, a: Shape, b: Shape, inner_a: Size, inner_b: Size) -> ShapeError:
    return ShapeError(
        name,
        f"the first operand's last axis ({inner_a!r}) to equal the second's contracted axis ({inner_b!r})",
        _listed((a, b)),
        hint="matmul contracts a's last axis with b's second to last (b's only axis for a vector); "
        "transpose one operand or swap them",
    )


def reshape(a: Shape, shape: Any, *, name: str = "jnp.reshape") -> Shape:
    """`jnp.reshape(a, shape)`: the same number of elements on new axes; one may be -1.

    Example:
        >>> reshape(Shape.of(4, 6), (2, -1))
        (2, 12)
    """
    target: tuple[Any, ...] = shape if isinstance(shape, tuple) else (shape,)
    described = f"{name}(..., {target!r})" if len(target) != 1 else f"{name}(..., {target[0]!r})"
    if isinstance(shape, Unknown) or any(isinstance(d, Symbol) for d in target):
        return Shape.anything()
    sizes = [d for d in target if not isinstance(d, Unknown)]
    if any(not isinstance(d, int) or isinstance(d, bool) or d < -1 for d in sizes) or sizes.count(-1) > 1:
        raise ShapeError(
            described, "a new shape of sizes >= 0 with at most one -1", repr(target), hint="give one axis -1 at most"
        )
    if len(sizes) < len(target):  # some sizes are runtime ints: nothing to check
        return Shape(tuple(UNKNOWN if isinstance(d, Unknown) or d == -1 else d for d in target))
    have = None if a.open else _monomial(a.dims)
    want = _monomial(tuple(d for d in target if d != -1))
    assert want is not None  # every size is an int here
    if have is None:
        return Shape(tuple(UNKNOWN if d == -1 else d for d in target))
    (have_n, have_names), (want_n, want_names) = have, want
    if -1 not in target:
        if have != want:
            raise ShapeError(
                described,
                f"{_show(want)} elements",
                f"{a!r} with {_show(have)} elements",
                hint="a reshape keeps the number of elements; use -1 for one axis to infer it",
            )
        return Shape(target)
    if want_n == 0 or have_n % want_n or want_names - have_names:
        raise ShapeError(
            described,
            f"a multiple of {_show(want)} elements",
            f"{a!r} with {_show(have)} elements",
            hint="the -1 axis takes what the other sizes leave; they must divide the number of elements",
        )
    rest: Monomial = (have_n // want_n, have_names - want_names)
    free: Size = UNKNOWN
    if not rest[1]:
        free = rest[0]
    elif rest[0] == 1 and sum(rest[1].values()) == 1:
        free = next(iter(rest[1]))  # exactly one named axis is left: the -1 axis is that axis
    return Shape(tuple(free if d == -1 else d for d in target))


def transpose(a: Shape, axes: Any = None, *, name: str = "jnp.transpose") -> Shape:
    """`jnp.transpose(a, axes)`: the axes permuted (reversed when `axes` is None).

    Example:
        >>> transpose(Shape.of(2, 3, 4), (0, 2, 1))
        (2, 4, 3)
    """
    if axes is None:
        return Shape.anything() if a.open else Shape(a.dims[::-1])
    if isinstance(axes, Unknown) or not isinstance(axes, tuple):
        return Shape.anything()
    if any(isinstance(i, Unknown) for i in axes):
        return Shape((UNKNOWN,) * len(axes))
    dims = a.ranked(len(axes))
    rank = len(axes)
    valid = all(isinstance(i, int) and -rank <= i < rank for i in axes)
    if dims is None or not valid or len({i % rank for i in axes}) != rank:
        raise ShapeError(
            f"{name}(..., {axes!r})",
            f"a permutation of the {rank} axes of an array of rank {rank}",
            repr(a),
            hint="list each axis of the array exactly once",
        )
    return Shape(tuple(dims[i] for i in axes))


def swapaxes(a: Shape, axis1: Any, axis2: Any, *, name: str = "jnp.swapaxes") -> Shape:
    """`jnp.swapaxes(a, axis1, axis2)`: two axes exchanged.

    Example:
        >>> swapaxes(Shape.of(2, 3, 4), -1, -2)
        (2, 4, 3)
    """
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in (axis1, axis2)):
        return Shape.anything() if a.open else Shape((UNKNOWN,) * len(a.dims))
    if a.open:
        known = len(a.dims)
        if not (-known <= axis1 < 0 and -known <= axis2 < 0):
            return Shape.anything()
        dims = list(a.dims)
        dims[axis1], dims[axis2] = dims[axis2], dims[axis1]
        return Shape(tuple(dims), open=True)
    rank = len(a.dims)
    if not (-rank <= axis1 < rank and -rank <= axis2 < rank):
        raise ShapeError(
            f"{name}(..., {axis1!r}, {axis2!r})",
            f"axes between {-rank} and {rank - 1}",
            repr(a),
            hint=f"the array has rank {rank}",
        )
    dims = list(a.dims)
    dims[axis1], dims[axis2] = dims[axis2], dims[axis1]
    return Shape(tuple(dims))


def concatenate(inputs: Sequence[Shape], axis: Any = 0, *, name: str = "jnp.concatenate") -> Shape:
    """`jnp.concatenate(arrays, axis)`: joined along `axis`; the other axes must agree.

    With `axis=None` the arrays are flattened first.

    Example:
        >>> concatenate([Shape.of(3, 4), Shape.of(5, 4)], axis=0)
        (8, 4)
    """
    described = f"{name}(axis={axis!r})"
    if not inputs:
        raise ShapeError(described, "at least one array", "none", hint="pass a non-empty list")
    if axis is None:
        if any(x.open for x in inputs):
            return Shape.of(UNKNOWN)
        total: Size = 0
        for x in inputs:
            size = product(x.dims)
            total = total + size if isinstance(total, int) and isinstance(size, int) else UNKNOWN
        return Shape.of(total)
    closed = [x for x in inputs if not x.open]
    if isinstance(axis, Unknown) or not closed:
        return Shape.anything()
    rank = len(closed[0].dims)
    lined = [x.ranked(rank) for x in inputs]
    if any(dims is None for dims in lined) or rank == 0:
        raise ShapeError(
            described, "arrays of equal rank, at least 1", _listed(inputs), hint="reshape or expand_dims them first"
        )
    if not -rank <= axis < rank:
        raise ShapeError(described, f"arrays with an axis {axis}", _listed(inputs), hint=f"the arrays have rank {rank}")
    axis %= rank
    out: list[Size] = list(closed[0].dims)
    out[axis] = 0
    for dims in lined:
        assert dims is not None
        for other, size in enumerate(dims):
            if other == axis:
                joined = out[axis]
                out[axis] = joined + size if isinstance(joined, int) and isinstance(size, int) else UNKNOWN
            elif same_size(out[other], size) is False:
                raise ShapeError(
                    described,
                    f"equal sizes on every axis but {axis - rank}",
                    _listed(inputs),
                    hint=f"axis {other - rank} differs",
                )
            else:
                out[other] = either(out[other], size)
    return Shape(tuple(out))


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
