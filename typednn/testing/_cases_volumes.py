"""Cases of the layers on NDHWC volumes (Conv3D, the 3-D pools) and of TimeDistributed.

Volumes are mostly (depth, height, width, channels), sometimes of another rank, so both
sides of each rule are reached. TimeDistributed wraps a case of another kind: the
wrapped layer's own strategy gives the layer and one step's shape, and a steps axis is
put in front of it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .. import nn
from ._case import Case
from ._cases_basic import activation_cases, dense_cases, dropout_cases, flatten_cases, layer_norm_cases
from ._cases_sequences import recurrent_cases
from ._cases_windows import conv1d_cases, conv2d_cases, declared_channels, pool1d_cases, pool2d_cases
from ._sizes import Dims, shapes, size, small

_SIDE = st.integers(1, 6)
"""One spatial axis of a volume: small, as a volume has three of them."""


def triple(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | tuple[int, int, int]]:
    """A hyperparameter written as one int or as a (depth, height, width) triple of them."""
    return st.one_of(values, st.tuples(values, values, values))


@st.composite
def volumes(draw: st.DrawFn, channels: st.SearchStrategy[int] = size) -> Dims:
    """Mostly (depth, height, width, channels) volumes; sometimes a shape of another rank."""
    if draw(st.integers(0, 5)):
        return (draw(_SIDE), draw(_SIDE), draw(_SIDE), draw(channels))
    return draw(shapes(0, 5))


@st.composite
def conv3d_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    divisible = st.integers(1, 3).map(lambda k: k * groups)
    x = draw(volumes(st.one_of(divisible, divisible, divisible, size)), label="x")
    in_channels = draw(declared_channels(x, groups, most=3))
    layer = nn.Conv3D(
        groups * draw(st.integers(1, 3), label="filters/groups"),
        kernel=draw(triple(st.integers(1, 3)), label="kernel"),
        stride=draw(triple(st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), triple(st.integers(1, 2))), label="dilation"),
        groups=groups,
        in_channels=in_channels,
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,), param_inputs=None if in_channels is None else ((in_channels,),))


@st.composite
def pool3d_cases(draw: st.DrawFn, pool: Any) -> Case:
    """`pool` is `nn.MaxPool3D` or `nn.AvgPool3D`."""
    layer = pool(
        draw(triple(small), label="window"),
        stride=draw(st.one_of(st.none(), triple(st.integers(1, 3))), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
    )
    return Case(layer, (draw(volumes(), label="x"),))


# The kinds wrapped in TimeDistributed's cases: single-input layers of each family that
# keep no state (BatchNorm is refused) and take float features (Embedding is refused).
_WRAPPED: tuple[st.SearchStrategy[Case], ...] = (
    dense_cases(),
    conv1d_cases(),
    conv2d_cases(),
    pool1d_cases(nn.MaxPool1D),
    pool2d_cases(nn.AvgPool2D),
    pool3d_cases(nn.MaxPool3D),
    flatten_cases(),
    dropout_cases(),
    activation_cases(),
    layer_norm_cases(),
    recurrent_cases(nn.GRU),
)


@st.composite
def time_distributed_cases(draw: st.DrawFn) -> Case:
    """A wrapped layer's case, with a steps axis in front of its input (and of its declared one)."""
    inner = draw(st.one_of(_WRAPPED), label="wrapped")
    steps = draw(size, label="steps")
    (x,) = inner.inputs
    declared = None if inner.param_inputs is None else tuple((steps, *dims) for dims in inner.param_inputs)
    # Sometimes no steps axis beyond the wrapped layer's input: a rank the rule may reject.
    dims = x if draw(st.integers(0, 7)) == 0 else (steps, *x)
    return Case(nn.TimeDistributed(inner.layer), (dims,), param_inputs=declared, training=inner.training)
