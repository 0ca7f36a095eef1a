"""Cases of the layers that crop, resize, reorder or repeat an example's axes.

The sizes drawn let a cropping reach past its axis and a permutation or a vector meet an
input of another rank, so each rule's rejections are held to the lowering too.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import nn
from .._shapes import INTERPOLATIONS
from ._case import Case
from ._sizes import images, int_or_pair, sequences, shapes, size

_interpolations = st.sampled_from(INTERPOLATIONS)


@st.composite
def global_max_pool1d_cases(draw: st.DrawFn) -> Case:
    return Case(nn.GlobalMaxPool1D(), (draw(sequences(), label="x"),))


def _left(cut: int) -> st.SearchStrategy[int]:
    """An axis `cut` would be cropped by: 0 to 5 longer, where 0 leaves nothing (the rule must refuse it)."""
    return st.integers(0, 5).map(lambda extra: cut + extra)


@st.composite
def cropping1d_cases(draw: st.DrawFn) -> Case:
    cropping = draw(int_or_pair(st.integers(0, 3)), label="cropping")
    layer = nn.Cropping1D(cropping)
    start, end = layer.hyper.ends()
    assert isinstance(start, int) and isinstance(end, int)
    # Mostly a sequence sized around the cropping, so both sides of the rule are reached.
    fitted = st.tuples(_left(start + end), size)
    return Case(layer, (draw(st.one_of(fitted, fitted, sequences()), label="x"),))


@st.composite
def cropping2d_cases(draw: st.DrawFn) -> Case:
    amount = st.integers(0, 3)
    pairs = st.tuples(amount, amount)
    layer = nn.Cropping2D(draw(st.one_of(amount, pairs, st.tuples(pairs, pairs)), label="cropping"))
    (top, bottom), (left, right) = layer.hyper.crops()
    assert isinstance(top, int) and isinstance(bottom, int) and isinstance(left, int) and isinstance(right, int)
    fitted = st.tuples(_left(top + bottom), _left(left + right), size)
    return Case(layer, (draw(st.one_of(fitted, fitted, images()), label="x"),))


@st.composite
def resizing_cases(draw: st.DrawFn) -> Case:
    height, width = draw(size, label="height"), draw(size, label="width")
    layer = nn.Resizing(height, width, interpolation=draw(_interpolations, label="interpolation"))
    return Case(layer, (draw(images(), label="x"),))


@st.composite
def permute_cases(draw: st.DrawFn) -> Case:
    rank = draw(st.integers(1, 4), label="rank")
    dims = tuple(draw(st.permutations(range(1, rank + 1)), label="dims"))
    # Mostly an input of the permutation's rank; sometimes another, which the rule must refuse.
    x = draw(st.one_of(shapes(rank, rank), shapes(rank, rank), shapes(0, 4)), label="x")
    return Case(nn.Permute(dims), (x,))


@st.composite
def repeat_vector_cases(draw: st.DrawFn) -> Case:
    x = draw(st.one_of(shapes(1, 1), shapes(1, 1), shapes(0, 3)), label="x")
    return Case(nn.RepeatVector(draw(st.integers(1, 5), label="n")), (x,))
