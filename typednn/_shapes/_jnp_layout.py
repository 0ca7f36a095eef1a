"""Shape rules of the `jax.numpy` functions that rearrange an array's axes.

`jnp.reshape`, `transpose`, `swapaxes`, `expand_dims`, `squeeze`, `broadcast_to` and
`pad`; the conventions (named and unknown sizes, literal hyperparameters) are those
of `_jnp`.
"""

from __future__ import annotations

from typing import Any

from ._dims import UNKNOWN, Shape, Size, Symbol, Unknown, plus, same_size
from ._errors import ShapeError
from ._jnp import broadcasts_to, is_int
from ._reshape import Monomial, monomial, show_count


def _axes(axis: Any) -> tuple[Any, ...]:
    return axis if isinstance(axis, tuple) else (axis,)


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
    have = None if a.open else monomial(a.dims)
    want = monomial(tuple(d for d in target if d != -1))
    assert want is not None  # every size is an int here
    if have is None:
        return Shape(tuple(UNKNOWN if d == -1 else d for d in target))
    (have_n, have_names), (want_n, want_names) = have, want
    if -1 not in target:
        if have != want:
            raise ShapeError(
                described,
                f"{show_count(want)} elements",
                f"{a!r} with {show_count(have)} elements",
                hint="a reshape keeps the number of elements; use -1 for one axis to infer it",
            )
        return Shape(target)
    if want_n == 0 or have_n % want_n or want_names - have_names:
        raise ShapeError(
            described,
            f"a multiple of {show_count(want)} elements",
            f"{a!r} with {show_count(have)} elements",
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


def expand_dims(a: Shape, axis: Any, *, name: str = "jnp.expand_dims") -> Shape:
    """`jnp.expand_dims(a, axis)`: axes of size 1 inserted where `axis` says, counted in the result.

    Example:
        >>> expand_dims(Shape.of(4, 8), (0, -1))
        (1, 4, 8, 1)
    """
    axes = _axes(axis)
    if not all(is_int(i) for i in axes):
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
    if not all(is_int(i) for i in axes):
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


def broadcast_to(a: Shape, shape: Any, *, name: str = "jnp.broadcast_to") -> Shape:
    """`jnp.broadcast_to(array, shape)`: the array's trailing axes must be 1 or equal to the target's.

    Example:
        >>> broadcast_to(Shape.of(1, 8), (4, 8))
        (4, 8)
    """
    target: tuple[Any, ...] = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(shape, Unknown) or not all(is_int(d) or isinstance(d, Unknown) for d in target):
        return Shape.anything()
    described = f"{name}(..., {shape!r})"
    if any(is_int(d) and d < 0 for d in target):
        raise ShapeError(described, "a shape of sizes >= 0", repr(target), hint="broadcast_to takes no -1")
    return broadcasts_to(a, Shape(tuple(UNKNOWN if isinstance(d, Unknown) else d for d in target)), described)


def pad(a: Shape, pad_width: Any, *, name: str = "jnp.pad") -> Shape:
    """`jnp.pad(array, pad_width)`: each axis grows by its `(before, after)` widths.

    `pad_width` is one int, `(n,)`, `(before, after)`, `((before, after),)` for every axis,
    or one `(before, after)` pair per axis. A named size grows exactly: `Seq` padded by
    `(1, 1)` is `Seq + 2`.

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
    # `plus` is exact for a named size too (`Seq + 2`), as for ZeroPadding's rule.
    return Shape(tuple(plus(d, sum(row)) for d, row in zip(dims, grown)), open=a.open and count == 1)


def _pad_rows(pad_width: Any) -> list[tuple[int, ...]] | None:
    """`pad_width` as rows of ints (a 1-wide row is repeated), or None when a width is not a literal."""
    if is_int(pad_width):
        return [(pad_width, pad_width)]
    if not isinstance(pad_width, tuple):
        return None
    if all(is_int(w) for w in pad_width):
        # One row for every axis: `(n,)` is `(n, n)`; another length is a row jnp refuses.
        return [(pad_width[0], pad_width[0]) if len(pad_width) == 1 else pad_width]
    if not all(isinstance(row, tuple) and all(is_int(w) for w in row) for row in pad_width):
        return None
    return list(pad_width)
