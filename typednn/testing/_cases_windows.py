"""Cases of the layers that slide or resize a window: convolutions, pooling, padding.

Inputs are mostly NHWC images or NLC sequences, sometimes of another rank; channels are
mostly ones the groups divide, so both sides of each rule are reached.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .. import nn
from .._shapes import INTERPOLATIONS
from ._case import Case
from ._sizes import images, int_or_pair, sequences, size, small


@st.composite
def declared_channels(draw: st.DrawFn, x: tuple[int, ...], groups: int, most: int = 4) -> int | None:
    """No `in_channels`, the input's (when the groups divide it), or any multiple of the groups.

    A declared in_channels that the groups do not divide is a hyperparameter error,
    checked at construction, so it is not drawn.
    """
    declare = draw(st.sampled_from(["none", "matching", "any"]), label="in_channels")
    if declare == "none":
        return None
    if declare == "matching" and x and x[-1] % groups == 0:
        return x[-1]
    return groups * draw(st.integers(1, most), label="in_channels/groups")


@st.composite
def conv2d_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    divisible = st.integers(1, 4).map(lambda k: k * groups)
    x = draw(images(st.one_of(divisible, divisible, divisible, size)), label="x")
    in_channels = draw(declared_channels(x, groups))
    layer = nn.Conv2D(
        groups * draw(st.integers(1, 4), label="filters/groups"),
        kernel=draw(int_or_pair(st.integers(1, 4)), label="kernel"),
        stride=draw(int_or_pair(st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), int_or_pair(st.integers(1, 3))), label="dilation"),
        groups=groups,
        in_channels=in_channels,
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,), param_inputs=None if in_channels is None else ((in_channels,),))


@st.composite
def conv1d_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    divisible = st.integers(1, 4).map(lambda k: k * groups)
    x = draw(sequences(st.one_of(divisible, divisible, divisible, size)), label="x")
    in_channels = draw(declared_channels(x, groups))
    layer = nn.Conv1D(
        groups * draw(st.integers(1, 4), label="filters/groups"),
        kernel=draw(st.integers(1, 6), label="kernel"),
        stride=draw(st.integers(1, 3), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), st.integers(1, 3)), label="dilation"),
        groups=groups,
        in_channels=in_channels,
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,), param_inputs=None if in_channels is None else ((in_channels,),))


@st.composite
def conv2d_transpose_cases(draw: st.DrawFn) -> Case:
    x = draw(images(), label="x")
    in_channels = draw(declared_channels(x, 1))
    layer = nn.Conv2DTranspose(
        draw(st.integers(1, 4), label="filters"),
        kernel=draw(int_or_pair(st.integers(1, 4)), label="kernel"),
        stride=draw(int_or_pair(st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), int_or_pair(st.integers(1, 3))), label="dilation"),
        in_channels=in_channels,
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,), param_inputs=None if in_channels is None else ((in_channels,),))


@st.composite
def depthwise_conv2d_cases(draw: st.DrawFn) -> Case:
    layer = nn.DepthwiseConv2D(
        draw(int_or_pair(st.integers(1, 4)), label="kernel"),
        depth_multiplier=draw(st.integers(1, 3), label="depth_multiplier"),
        stride=draw(int_or_pair(st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), int_or_pair(st.integers(1, 3))), label="dilation"),
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (draw(images(), label="x"),))


@st.composite
def pool2d_cases(draw: st.DrawFn, pool: Any) -> Case:
    """`pool` is `nn.MaxPool2D` or `nn.AvgPool2D`."""
    layer = pool(
        draw(int_or_pair(small), label="window"),
        stride=draw(st.one_of(st.none(), int_or_pair(st.integers(1, 3))), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
    )
    return Case(layer, (draw(images(), label="x"),))


@st.composite
def pool1d_cases(draw: st.DrawFn, pool: Any) -> Case:
    """`pool` is `nn.MaxPool1D` or `nn.AvgPool1D`."""
    layer = pool(
        draw(st.integers(1, 6), label="window"),
        stride=draw(st.one_of(st.none(), st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
    )
    return Case(layer, (draw(sequences(), label="x"),))


@st.composite
def global_pool2d_cases(draw: st.DrawFn, pool: Any) -> Case:
    """`pool` is `nn.GlobalAvgPool2D` or `nn.GlobalMaxPool2D`."""
    return Case(pool(), (draw(images(), label="x"),))


@st.composite
def global_avg_pool1d_cases(draw: st.DrawFn) -> Case:
    return Case(nn.GlobalAvgPool1D(), (draw(sequences(), label="x"),))


@st.composite
def up_sampling2d_cases(draw: st.DrawFn) -> Case:
    factor = draw(int_or_pair(st.integers(1, 4)), label="size")
    interpolation = draw(st.sampled_from(INTERPOLATIONS), label="interpolation")
    return Case(nn.UpSampling2D(factor, interpolation=interpolation), (draw(images(), label="x"),))


@st.composite
def zero_padding2d_cases(draw: st.DrawFn) -> Case:
    amount = st.integers(0, 3)
    pairs = st.tuples(amount, amount)
    padding = draw(st.one_of(amount, pairs, st.tuples(pairs, pairs)), label="padding")
    return Case(nn.ZeroPadding2D(padding), (draw(images(), label="x"),))
