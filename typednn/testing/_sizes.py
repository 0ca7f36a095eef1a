"""Strategies for input shapes, and the comparison of a less known shape with a known one.

A shape here is one example's dims as a tuple of ints; the batch axis is implicit, as
everywhere in typednn. Sizes stay small (at most 12) so abstract evaluation stays cheap
and the batch axis (13 or more) can never pass for an example axis.
"""

from __future__ import annotations

import dataclasses

from hypothesis import strategies as st

from .._shapes import UNKNOWN, Shape, Unknown

Dims = tuple[int, ...]
"""One example's sizes, axis by axis (no batch axis)."""

size = st.integers(1, 12)
"""One axis: 1 to 12."""

small = st.integers(1, 5)
"""A small window, kernel or factor: 1 to 5."""


def shapes(min_rank: int = 0, max_rank: int = 4) -> st.SearchStrategy[Dims]:
    """Shapes of any sizes (from `size`) whose rank lies in `[min_rank, max_rank]`.

    Example:
        >>> from hypothesis import find
        >>> find(shapes(2, 2), lambda dims: dims[0] > 3)
        (4, 1)
    """
    return st.lists(size, min_size=min_rank, max_size=max_rank).map(tuple)


def int_or_pair(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | tuple[int, int]]:
    """A hyperparameter written as one int or as a (height, width) pair of them."""
    return st.one_of(values, st.tuples(values, values))


@st.composite
def images(draw: st.DrawFn, channels: st.SearchStrategy[int] = size) -> Dims:
    """Mostly (height, width, channels) images; sometimes a shape of another rank.

    The odd ones are there on purpose: a layer's rule must reject what its lowering
    cannot run, so the inputs it cannot take are drawn too.
    """
    if draw(st.integers(0, 5)):
        return (draw(size), draw(size), draw(channels))
    return draw(shapes(0, 4))


@st.composite
def sequences(draw: st.DrawFn, features: st.SearchStrategy[int] = size) -> Dims:
    """Mostly (sequence, features) inputs; sometimes a shape of another rank."""
    if draw(st.integers(0, 5)):
        return (draw(size), draw(features))
    return draw(shapes(0, 3))


@st.composite
def mutated(draw: st.DrawFn, dims: Dims) -> Dims:
    """`dims` with one size changed, one axis dropped, or one axis added."""
    items = list(dims)
    how = draw(st.sampled_from(["resize", "drop", "add"] if items else ["add"]))
    if how == "add":
        items.insert(draw(st.integers(0, len(items))), draw(size))
    else:
        axis = draw(st.integers(0, len(items) - 1))
        if how == "drop":
            del items[axis]
        else:
            items[axis] = draw(size)
    return tuple(items)


@st.composite
def factorization(draw: st.DrawFn, total: int) -> Dims:
    """Axes whose sizes multiply to `total`, in a random order."""
    axes = []
    rest = total
    for _ in range(draw(st.integers(0, 2))):
        factor = draw(st.sampled_from([d for d in range(1, min(rest, 12) + 1) if rest % d == 0]))
        axes.append(factor)
        rest //= factor
    axes.append(rest)
    return tuple(draw(st.permutations(axes)))


@st.composite
def weakened(draw: st.DrawFn, shape: Shape) -> Shape:
    """`shape` with some sizes unknown and, maybe, its leading axes replaced by `...`.

    What a rule sees at check time for sizes from runtime ints, or for a block
    composed before it is applied. Whether it holds token ids stays as it was.
    """
    dims = tuple(UNKNOWN if draw(st.booleans()) else d for d in shape.dims)
    if draw(st.booleans()):
        return dataclasses.replace(shape, dims=dims[draw(st.integers(0, len(dims))) :], open=True)
    return dataclasses.replace(shape, dims=dims)


def compatible(weak: Shape, strong: Shape) -> bool:
    """Whether `weak` says nothing that contradicts the closed shape `strong`.

    Example:
        >>> compatible(Shape((UNKNOWN, 3), open=True), Shape.of(2, 5, 3))
        True
        >>> compatible(Shape.of(4, 3), Shape.of(5, 3))
        False
    """
    if weak.open:
        if len(weak.dims) > len(strong.dims):
            return False
        pairs = zip(reversed(weak.dims), reversed(strong.dims))
    else:
        if len(weak.dims) != len(strong.dims):
            return False
        pairs = zip(weak.dims, strong.dims)
    return all(isinstance(w, Unknown) or w == s for w, s in pairs)
