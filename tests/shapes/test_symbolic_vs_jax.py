"""Sizes computed from a named dim (`Seq - 4`, `Seq * 2`) against `jax.eval_shape`.

A rule given symbolic inputs makes a claim for every size of the symbol: once the symbol
is bound to a size, each computed output size must be what the lowering gives. The
cases are `typednn.testing`'s strategies for the layers whose arithmetic moves a size
(windows, padding, resizing, reshapes, joins); axes of one drawn size are relabelled
with an expression of the symbol that has that size for a drawn binding, so the rules
see computed inputs too (`Seq * 2 + 1` bound to 3 is 7), as they do after other layers.
"""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import event, given
from hypothesis import strategies as st

from typednn import nn
from typednn._shapes import Shape, ShapeError, Symbol, Unknown
from typednn._shapes._dims import Affine, Size, affine, linear
from typednn.testing import Dims, lowered_shape
from typednn.testing import layers as cases_of

SEQ = Symbol("tests.Seq")
PADDINGS: tuple[Literal["valid", "same"], ...] = ("valid", "same")
AnyLayer = nn.Layer[*tuple[Any, ...]]

KINDS = (
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "depthwise_conv2d",
    "max_pool1d",
    "avg_pool1d",
    "max_pool2d",
    "avg_pool2d",
    "up_sampling2d",
    "zero_padding2d",
    "flatten",
    "reshape",
    "concat",
    "add",
)


def at(size: Size, bound: int) -> int | None:
    """`size` with SEQ standing for `bound`; None for an unknown size (no claim)."""
    if isinstance(size, int):
        return size
    if size == SEQ:
        return bound
    if isinstance(size, Affine):
        value = size.at(bound)
        assert isinstance(value, int) and value >= 1, f"{size!r} is no size when {SEQ!r} is {bound}"
        return value
    assert isinstance(size, Unknown), size
    return None


@st.composite
def expressions(draw: st.DrawFn, target: int) -> tuple[Size, int]:
    """A size over SEQ and the binding of SEQ that gives `target`: `Seq * 2 + 1` and 3 for 7."""
    scale = draw(st.sampled_from([1, 1, 1, 2, 3]), label="scale")
    bound = draw(st.integers(1, max(1, target // scale)), label="bound")
    size = affine(SEQ, scale, target - scale * bound)
    return size, bound


@given(data=st.data())
def test_computed_sizes_are_what_the_lowering_gives(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    case = data.draw(cases_of(kind), label="case")
    sizes = sorted({d for dims in case.inputs for d in dims})
    if not sizes:
        return
    target = data.draw(st.sampled_from(sizes), label="size given to the symbol")
    expression, bound = data.draw(expressions(target), label="expression")
    axes = data.draw(st.sets(st.integers(0, 3), min_size=1), label="axes")
    symbolic = tuple(
        Shape(tuple(expression if axis in axes and d == target else d for axis, d in enumerate(dims)))
        for dims in case.inputs
    )
    try:
        case.layer.output_shape(*(Shape.of(*dims) for dims in case.inputs))
        answer = case.layer.output_shape(*symbolic)
    except ShapeError:
        return  # no claim: a named size never provably equals a literal one
    claims = [d for d in answer.dims if linear(d) is not None]
    event("computed size" if any(isinstance(d, Affine) for d in claims) else "symbol" if claims else "no symbol")
    out = lowered_shape(case.layer, case.inputs, case.param_inputs, case.training)
    assert not answer.open and len(out) == len(answer.dims) + 1, (case, symbolic, answer, out)
    for got, want in zip(out[1:], answer.dims):
        value = at(want, bound)
        assert value is None or got == value, (case, symbolic, answer, out, bound)


@st.composite
def windows(draw: st.DrawFn, channels: int) -> AnyLayer:
    """A layer sliding a window along a sequence of `channels` channels: a convolution or a pool."""
    stride = draw(st.sampled_from([1, 1, 1, 2, 3]), label="stride")
    padding = draw(st.sampled_from(PADDINGS), label="padding")
    if draw(st.booleans(), label="convolution"):
        kernel, dilation = draw(st.integers(1, 4), label="kernel"), draw(st.integers(1, 2), label="dilation")
        return nn.Conv1D(channels, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return nn.MaxPool1D(draw(st.integers(1, 3), label="window"), stride=stride, padding=padding)


@given(data=st.data())
def test_chained_windows_keep_their_claims(data: st.DataObject) -> None:
    """Layers in a row: each reads the previous computed size, and the claims stay exact."""
    chain = data.draw(st.lists(windows(2), min_size=1, max_size=4), label="chain")
    length = data.draw(st.integers(1, 40), label="length")
    expression, bound = data.draw(expressions(length), label="expression")
    symbolic, concrete = Shape.of(expression, 2), Shape.of(length, 2)
    try:
        for layer in chain:
            concrete = layer.output_shape(concrete)
            symbolic = layer.output_shape(symbolic)
    except ShapeError:
        return
    event("computed size" if isinstance(symbolic.dims[0], Affine) else repr(type(symbolic.dims[0]).__name__))
    dims: Dims = (length, 2)
    for layer in chain:
        dims = lowered_shape(layer, (dims,))[1:]
    value = at(symbolic.dims[0], bound)
    assert value is None or dims[0] == value, (chain, expression, bound, symbolic, dims)
