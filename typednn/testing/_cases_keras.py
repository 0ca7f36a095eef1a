"""Cases of the layers added for Keras models: SeparableConv2D, Multiply, Rescaling and Normalization."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .. import nn
from ._case import Case
from ._sizes import images, int_or_pair, mutated, shapes


@st.composite
def separable_conv2d_cases(draw: st.DrawFn) -> Case:
    """NHWC images mostly (other ranks and too-small images too).

    No `in_channels`, as for DepthwiseConv2D: the lowering groups by the input's channels,
    so a declared count that differs is a contract only the rule holds (a unit test's case).
    """
    x = draw(images(), label="x")
    layer = nn.SeparableConv2D(
        draw(st.integers(1, 5), label="filters"),
        kernel=draw(int_or_pair(st.integers(1, 4)), label="kernel"),
        stride=draw(int_or_pair(st.integers(1, 3)), label="stride"),
        padding=draw(st.sampled_from(["valid", "same"]), label="padding"),
        dilation=draw(st.one_of(st.just(1), int_or_pair(st.integers(1, 3))), label="dilation"),
        depth_multiplier=draw(st.integers(1, 3), label="depth_multiplier"),
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,))


@st.composite
def multiply_cases(draw: st.DrawFn) -> Case:
    """Two or three inputs, mostly of one shape (as Add's cases)."""
    base = draw(shapes(0, 3), label="base")
    inputs = tuple(
        draw(mutated(base), label="mutated") if draw(st.integers(0, 2)) == 0 else base
        for _ in range(draw(st.integers(2, 3), label="n"))
    )
    return Case(nn.Multiply(), inputs, refuses_broadcasting=True)


@st.composite
def per_channel_cases(draw: st.DrawFn, kind: str) -> Case:
    """`kind` is "rescaling" or "normalization": floats, or per-channel tuples mostly as long as the last axis.

    A tuple of another length is 2 to 4 long: JAX broadcasts it over a last axis of 1,
    which the rule rightly refuses (`refuses_broadcasting`), and fails on any other.
    """
    x = draw(shapes(0, 3), label="x")
    fits = bool(x) and draw(st.integers(0, 3), label="fits") > 0
    length = x[-1] if fits else draw(st.integers(2, 4), label="length")

    def values(label: str) -> Any:
        if draw(st.booleans(), label=f"{label} per channel"):
            return tuple(draw(st.floats(0.1, 2.0), label=label) for _ in range(length))
        return draw(st.floats(0.1, 2.0), label=label)

    if kind == "normalization":
        layer: Any = nn.Normalization(
            mean=values("mean"), variance=values("variance"), invert=draw(st.booleans(), label="invert")
        )
    else:
        layer = nn.Rescaling(values("scale"), offset=values("offset"))
    return Case(layer, (x,), refuses_broadcasting=True)
