"""Shape rules of the `jax.numpy` functions that select elements with an array of indices.

`jnp.take` and `take_along_axis`; the conventions (named and unknown sizes, literal
hyperparameters) are those of `_jnp`.
"""

from __future__ import annotations

from typing import Any

from ._dims import Shape, Size, listed
from ._errors import ShapeError
from ._jnp import broadcast_size, is_int


def take(a: Shape, indices: Shape, axis: Any = None, *, name: str = "jnp.take") -> Shape:
    """`jnp.take(a, indices, axis)`: the axis replaced by the indices' axes (`a` flattened when None).

    Example:
        >>> take(Shape.of(100, 16), Shape.of(4, 7), axis=0)
        (4, 7, 16)
    """
    if axis is None:
        return indices
    if not is_int(axis):
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
    if not is_int(axis):
        return Shape.anything()
    closed = [x for x in (arr, indices) if not x.open]
    if not closed:
        return Shape.anything()
    rank = len(closed[0].dims)
    a, i = arr.ranked(rank), indices.ranked(rank)
    if a is None or i is None:
        raise ShapeError(
            described, "indices of the array's rank", listed((arr, indices)), hint="expand_dims the indices first"
        )
    if not -rank <= axis < rank:
        raise ShapeError(
            described, f"arrays with an axis {axis}", listed((arr, indices)), hint=f"they have rank {rank}"
        )
    out: list[Size] = []
    for other, (x, y) in enumerate(zip(a, i)):
        merged = y if other == axis % rank else broadcast_size(x, y)
        if merged is None:
            raise ShapeError(
                described,
                f"indices that broadcast with the array on every axis but {axis % rank - rank}",
                listed((arr, indices)),
                hint=f"axis {other - rank} has {x!r} and {y!r}",
            )
        out.append(merged)
    return Shape(tuple(out))
