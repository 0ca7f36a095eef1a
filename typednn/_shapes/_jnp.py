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
from itertools import pairwise
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

ARG_REDUCTIONS = frozenset(("argmax", "argmin"))
"""`jnp` functions that reduce over one `axis` (or all) to an index, keeping it with `keepdims`."""

TRIANGLES = frozenset(("tril", "triu"))
"""`jnp` functions that zero a triangle of the last two axes."""

LIKES = frozenset(("zeros_like", "ones_like", "full_like"))
"""`jnp` functions that make a new array of another's shape (or of `shape=`)."""

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


# --- adding, removing and selecting axes ------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _axes(axis: Any) -> tuple[Any, ...]:
    return axis if isinstance(axis, tuple) else (axis,)


def expand_dims(a: Shape, axis: Any, *, name: str = "jnp.expand_dims") -> Shape:
    """`jnp.expand_dims(a, axis)`: axes of size 1 inserted where `axis` says, counted in the result.

    Example:
        >>> expand_dims(Shape.of(4, 8), (0, -1))
        (1, 4, 8, 1)
    """
    axes = _axes(axis)
    if not all(_is_int(i) for i in axes):
        return Shape.anything()
    rank = len(a.dims) + len(axes)
    if a.open:
        # Only axes counted from the end land among the known trailing ones.
        if not all(-rank <= i < 0 for i in axes) or len(set(axes)) != len(axes):
            return Shape.anything()
        return Shape(_inserted(a.dims, {i % rank for i in axes}), open=True)
    if not all(-rank <= i < rank for i in axes) or len({i % rank for i in axes}) != len(axes):
        raise ShapeError(
            f"{name}(..., {axis!r})",
            f"distinct axes between {-rank} and {rank - 1}",
            repr(a),
            hint=f"`axis` counts the axes of the result, which has rank {rank}",
        )
    return Shape(_inserted(a.dims, {i % rank for i in axes}))


def _inserted(dims: tuple[Size, ...], ones: set[int]) -> tuple[Size, ...]:
    rest = iter(dims)
    return tuple(1 if i in ones else next(rest) for i in range(len(dims) + len(ones)))


def squeeze(a: Shape, axis: Any = None, *, name: str = "jnp.squeeze") -> Shape:
    """`jnp.squeeze(a, axis)`: axes of size 1 removed (all of them when `axis` is None).

    A named size is never provably 1 (design.md section 2), so squeezing it is an error.

    Example:
        >>> squeeze(Shape.of(1, 4, 1), -1)
        (1, 4)
    """
    if axis is None:
        if any(isinstance(d, Unknown) for d in a.dims):
            return Shape.anything()  # an unknown size may be 1: the rank is unknown
        return Shape(tuple(d for d in a.dims if d != 1), open=a.open)
    axes = _axes(axis)
    if not all(_is_int(i) for i in axes):
        return Shape.anything()
    rank = len(a.dims)
    if a.open and not (all(-rank <= i < 0 for i in axes) and len(set(axes)) == len(axes)):
        return Shape.anything()
    described = f"{name}(..., axis={axis!r})"
    if not all(-rank <= i < rank for i in axes) or len({i % rank for i in axes}) != len(axes):
        raise ShapeError(
            described, f"distinct axes between {-rank} and {rank - 1}", repr(a), hint=f"the array has rank {rank}"
        )
    gone = {i % rank for i in axes}
    wide = [i - rank for i in sorted(gone) if same_size(a.dims[i], 1) is False]
    if wide:
        raise ShapeError(
            described,
            "axes of size 1",
            f"{a!r}, where axis {wide[0]} has size {a.dims[wide[0]]!r}",
            hint="squeeze removes axes of size 1 only; use a reduction (jnp.sum, jnp.mean) or indexing for the others",
        )
    return Shape(tuple(d for i, d in enumerate(a.dims) if i not in gone), open=a.open)


def stack(inputs: Sequence[Shape], axis: Any = 0, *, name: str = "jnp.stack") -> Shape:
    """`jnp.stack(arrays, axis)`: arrays of one shape joined along a new axis of size len(arrays).

    Example:
        >>> stack([Shape.of(3, 4), Shape.of(3, 4)], axis=-1)
        (3, 4, 2)
    """
    described = f"{name}(axis={axis!r})"
    if not inputs:
        raise ShapeError(described, "at least one array", "none", hint="pass a non-empty list")
    closed = [x for x in inputs if not x.open]
    if not _is_int(axis) or not closed:
        return Shape.anything()
    rank = len(closed[0].dims)
    lined = [x.ranked(rank) for x in inputs]
    out: list[Size] = list(closed[0].dims)
    for dims in lined:
        if dims is None or any(same_size(x, y) is False for x, y in zip(out, dims)):
            raise ShapeError(
                described, "arrays of one shape", _listed(inputs), hint="stack does not broadcast; reshape them first"
            )
        out = [either(x, y) for x, y in zip(out, dims)]
    if not -rank - 1 <= axis <= rank:
        raise ShapeError(
            described,
            f"an axis between {-rank - 1} and {rank}",
            _listed(inputs),
            hint=f"the result has rank {rank + 1}",
        )
    at = axis % (rank + 1)
    return Shape((*out[:at], len(inputs), *out[at:]))


def take(a: Shape, indices: Shape, axis: Any = None, *, name: str = "jnp.take") -> Shape:
    """`jnp.take(a, indices, axis)`: the axis replaced by the indices' axes (`a` flattened when None).

    Example:
        >>> take(Shape.of(100, 16), Shape.of(4, 7), axis=0)
        (4, 7, 16)
    """
    if axis is None:
        return indices
    if not _is_int(axis):
        return Shape.anything()
    rank = len(a.dims)
    if a.open and not -rank <= axis < 0:
        return Shape.anything()
    if not -rank <= axis < rank:
        raise ShapeError(
            f"{name}(..., axis={axis})",
            f"an array with an axis {axis}",
            repr(a),
            hint=f"the array has rank {rank}; axis=None takes from the flattened array",
        )
    axis %= rank
    after = a.dims[axis + 1 :]
    if indices.open:
        return Shape(after, open=True)
    return Shape((*a.dims[:axis], *indices.dims, *after), open=a.open)


def take_along_axis(arr: Shape, indices: Shape, axis: Any, *, name: str = "jnp.take_along_axis") -> Shape:
    """`jnp.take_along_axis(arr, indices, axis)`: the indices' shape; other axes broadcast with arr's.

    Example:
        >>> take_along_axis(Shape.of(4, 10), Shape.of(4, 3), axis=-1)
        (4, 3)
    """
    described = f"{name}(..., axis={axis!r})"
    if axis is None:
        if indices.ranked(1) is None:
            raise ShapeError(described, "1-d indices", repr(indices), hint="axis=None takes from the flattened array")
        return indices
    if not _is_int(axis):
        return Shape.anything()
    closed = [x for x in (arr, indices) if not x.open]
    if not closed:
        return Shape.anything()
    rank = len(closed[0].dims)
    a, i = arr.ranked(rank), indices.ranked(rank)
    if a is None or i is None:
        raise ShapeError(
            described, "indices of the array's rank", _listed((arr, indices)), hint="expand_dims the indices first"
        )
    if not -rank <= axis < rank:
        raise ShapeError(
            described, f"arrays with an axis {axis}", _listed((arr, indices)), hint=f"they have rank {rank}"
        )
    out: list[Size] = []
    for other, (x, y) in enumerate(zip(a, i)):
        merged = y if other == axis % rank else _merge(x, y)
        if merged is None:
            raise ShapeError(
                described,
                f"indices that broadcast with the array on every axis but {axis % rank - rank}",
                _listed((arr, indices)),
                hint=f"axis {other - rank} has {x!r} and {y!r}",
            )
        out.append(merged)
    return Shape(tuple(out))


def triangle(a: Shape, *, name: str = "jnp.tril") -> Shape:
    """`jnp.tril(m, k)` and `jnp.triu`: the shape is kept; the last two axes are the matrix.

    Example:
        >>> triangle(Shape.of(8, 8))
        (8, 8)
    """
    if not a.open and len(a.dims) < 2:
        raise ShapeError(name, "an array of rank 2 or more", repr(a), hint="the last two axes are the matrix")
    return a


def pad(a: Shape, pad_width: Any, *, name: str = "jnp.pad") -> Shape:
    """`jnp.pad(array, pad_width)`: each axis grows by its `(before, after)` widths.

    `pad_width` is one int, `(n,)`, `(before, after)`, `((before, after),)` for every axis,
    or one `(before, after)` pair per axis.

    Example:
        >>> pad(Shape.of(4, 8), ((1, 1), (0, 2)))
        (6, 10)
    """
    described = f"{name}(..., {pad_width!r})"
    rows = _pad_rows(pad_width)
    if rows is None:
        return Shape.anything() if a.open else Shape((UNKNOWN,) * len(a.dims))
    rank = len(a.dims)
    count = len(rows)
    if not rows or not (count in (1, rank) or a.open) or not all(len(row) == 2 for row in rows):
        raise ShapeError(
            described,
            f"pad widths of shape ({rank}, 2), (1, 2), (2,), (1,) or ()",
            repr(a),
            hint="give one (before, after) pair per axis, or one for all of them",
        )
    if a.dims and any(width < 0 for row in rows for width in row):  # an array of rank 0 pads no axis
        raise ShapeError(described, "widths >= 0", repr(a), hint="pad adds; slice the array to remove")
    dims = a.ranked(count) if count > 1 else a.dims
    if dims is None:
        raise ShapeError(described, f"an array of rank {count}, one pair per axis", repr(a), hint="one pair per axis")
    grown = (rows * len(dims)) if count == 1 else rows
    return Shape(tuple(_grow(d, sum(row)) for d, row in zip(dims, grown)), open=a.open and count == 1)


def _pad_rows(pad_width: Any) -> list[tuple[int, ...]] | None:
    """`pad_width` as rows of ints (a 1-wide row is repeated), or None when a width is not a literal."""
    if _is_int(pad_width):
        return [(pad_width, pad_width)]
    if not isinstance(pad_width, tuple):
        return None
    if all(_is_int(w) for w in pad_width):
        # One row for every axis: `(n,)` is `(n, n)`; another length is a row jnp refuses.
        return [(pad_width[0], pad_width[0]) if len(pad_width) == 1 else pad_width]
    if not all(isinstance(row, tuple) and all(_is_int(w) for w in row) for row in pad_width):
        return None
    return list(pad_width)


def _grow(size: Size, by: int) -> Size:
    if by == 0:
        return size
    return size + by if isinstance(size, int) else UNKNOWN


def broadcast_to(a: Shape, shape: Any, *, name: str = "jnp.broadcast_to") -> Shape:
    """`jnp.broadcast_to(array, shape)`: the array's trailing axes must be 1 or equal to the target's.

    Example:
        >>> broadcast_to(Shape.of(1, 8), (4, 8))
        (4, 8)
    """
    target: tuple[Any, ...] = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(shape, Unknown) or not all(_is_int(d) or isinstance(d, Unknown) for d in target):
        return Shape.anything()
    described = f"{name}(..., {shape!r})"
    if any(_is_int(d) and d < 0 for d in target):
        raise ShapeError(described, "a shape of sizes >= 0", repr(target), hint="broadcast_to takes no -1")
    return _broadcasts_to(a, Shape(tuple(UNKNOWN if isinstance(d, Unknown) else d for d in target)), described)


def _broadcasts_to(a: Shape, target: Shape, described: str) -> Shape:
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
        known = not isinstance(shape, Unknown) and all(_is_int(d) and d >= 0 for d in target)
        out = Shape(target) if known else Shape.anything()
    if fill is not None:
        _broadcasts_to(fill, out, f"{name}(..., fill_value)")
    return out


def split(a: Shape, sections: Any, axis: Any = 0, *, name: str = "jnp.split") -> list[Shape]:
    """`jnp.split(ary, sections, axis)`: the pieces' shapes (`sections` equal ones, or cut at indices).

    Example:
        >>> split(Shape.of(4, 6), 3, axis=-1)
        [(4, 2), (4, 2), (4, 2)]
        >>> split(Shape.of(10,), (2, 5))
        [(2,), (3,), (5,)]
    """
    described = f"{name}(..., {sections!r}, axis={axis!r})"
    cuts = sections if isinstance(sections, tuple) else None
    if not _is_int(axis) or not (_is_int(sections) or (cuts is not None and all(_is_int(c) for c in cuts))):
        return [Shape.anything()]
    rank = len(a.dims)
    if a.open and not -rank <= axis < 0:
        return [Shape.anything()]
    if not -rank <= axis < rank:
        raise ShapeError(described, f"an array with an axis {axis}", repr(a), hint=f"the array has rank {rank}")
    axis %= rank
    size = a.dims[axis]
    if cuts is None:
        if sections <= 0 or (isinstance(size, int) and size % sections):
            raise ShapeError(
                described,
                f"an axis that {sections} divides",
                f"{a!r}, where axis {axis - rank} has size {size!r}",
                hint="split into a number of sections that divides the axis, or give the indices to cut at",
            )
        piece: Size = size // sections if isinstance(size, int) else UNKNOWN
        sizes: list[Size] = [piece] * sections
    else:
        bounds = [0, *cuts, size]
        ends = [b if isinstance(b, int) else None for b in bounds]
        known = [(x, y) for x, y in pairwise(ends) if x is not None and y is not None]
        if any(y < x for x, y in known):
            raise ShapeError(
                described,
                "indices that increase from 0 to the axis' size",
                f"{a!r}, where axis {axis - rank} has size {size!r}",
                hint="jnp.split does not count negative indices from the end",
            )
        sizes = [y - x if x is not None and y is not None else UNKNOWN for x, y in pairwise(ends)]
    return [Shape((*a.dims[:axis], s, *a.dims[axis + 1 :]), open=a.open) for s in sizes]
