"""Shape rules of the `jax.numpy` functions that join arrays or split one.

`jnp.concatenate`, `stack` and `split`; the conventions (named and unknown sizes,
literal hyperparameters) are those of `_jnp`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from ._dims import UNKNOWN, Shape, Size, Unknown, either, listed, product, same_size
from ._errors import ShapeError
from ._jnp import is_int


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
            described, "arrays of equal rank, at least 1", listed(inputs), hint="reshape or expand_dims them first"
        )
    if not -rank <= axis < rank:
        raise ShapeError(described, f"arrays with an axis {axis}", listed(inputs), hint=f"the arrays have rank {rank}")
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
                    listed(inputs),
                    hint=f"axis {other - rank} differs",
                )
            else:
                out[other] = either(out[other], size)
    return Shape(tuple(out))


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
    if not is_int(axis) or not closed:
        return Shape.anything()
    rank = len(closed[0].dims)
    lined = [x.ranked(rank) for x in inputs]
    out: list[Size] = list(closed[0].dims)
    for dims in lined:
        if dims is None or any(same_size(x, y) is False for x, y in zip(out, dims)):
            raise ShapeError(
                described, "arrays of one shape", listed(inputs), hint="stack does not broadcast; reshape them first"
            )
        out = [either(x, y) for x, y in zip(out, dims)]
    if not -rank - 1 <= axis <= rank:
        raise ShapeError(
            described,
            f"an axis between {-rank - 1} and {rank}",
            listed(inputs),
            hint=f"the result has rank {rank + 1}",
        )
    at = axis % (rank + 1)
    return Shape((*out[:at], len(inputs), *out[at:]))


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
    if not is_int(axis) or not (is_int(sections) or (cuts is not None and all(is_int(c) for c in cuts))):
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
