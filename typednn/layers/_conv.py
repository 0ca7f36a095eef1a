"""Conv1D, Conv2D, Conv3D and DepthwiseConv2D: convolutions on NLC sequences, NHWC images and NDHWC volumes."""

from __future__ import annotations

from typing import ClassVar

import jax
from jax import lax

from .._shapes import (
    Conv1DHyper,
    Conv2DHyper,
    Conv3DHyper,
    ConvHyper,
    DepthwiseConv2DHyper,
    Dim,
    SeparableConv2DHyper,
    Shape,
)
from ._base import Layer, P, Padding, ParamTree
from ._elementwise import activate
from ._lowering import add_bias, concrete, ints, kernel_and_bias


class _Conv(Layer[*P]):
    """Parameters and lowering of a convolution over any number of spatial axes."""

    hyper_type: ClassVar[type[ConvHyper]]
    slow_in_cpu_loops = True
    hyper: ConvHyper

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        p = self.hyper
        channels = concrete(x.last, f"{self!r}: the input channels")
        filters = concrete(p.filters, f"{self!r}: filters")
        shape = (*ints(p.per_axis("kernel"), f"{self!r}: kernel"), channels // concrete(p.groups, "groups"), filters)
        return kernel_and_bias(key, shape, use_bias=p.use_bias)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        y = convolve(self.hyper, params, x, groups=concrete(self.hyper.groups, "groups"))
        return activate(self.hyper.activation, y)


def convolve(
    p: ConvHyper | DepthwiseConv2DHyper | SeparableConv2DHyper, params: ParamTree, x: jax.Array, *, groups: int
) -> jax.Array:
    """The same operations as flax.nnx.Conv, for any number of spatial axes and groups."""
    spatial = "DHW"[-len(p.axes) :]  # NWC/WIO for one axis, NHWC/HWIO for two, NDHWC/DHWIO for three
    y = lax.conv_general_dilated(
        x,
        params["kernel"],
        ints(p.per_axis("stride"), "stride"),
        p.padding.upper(),
        lhs_dilation=(1,) * len(p.axes),
        rhs_dilation=ints(p.per_axis("dilation"), "dilation"),
        dimension_numbers=(f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"),
        feature_group_count=groups,
    )
    return add_bias(y, params)


class Conv1D(_Conv[*P]):
    """A 1-D convolution over (length, channels) inputs.

    Args:
        filters: The number of output channels.
        kernel: The window size.
        stride: The step between windows.
        padding: ``"valid"`` (no padding) or ``"same"`` (output length = ceil(input / stride)).
        in_channels: The number of input channels, when you want mypy to check it.
        dilation: The spacing between kernel taps.
        groups: Split the channels into this many independent groups.
        use_bias: Whether to add a learned bias.
        activation: An activation applied after the convolution, by name (`"relu"`...:
            those of `nn.Activation`): Keras's argument, the same graph as following
            the layer with `nn.Activation`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Conv1D(16, kernel=5, stride=2)(tn.Input(100, 8)).shape
        (48, 16)
    """

    hyper_type = Conv1DHyper
    kind = "conv1d"
    hyper: Conv1DHyper

    def __init__(
        self,
        filters: int,
        *,
        kernel: int,
        stride: int = Conv1DHyper.default("stride"),
        padding: Padding = Conv1DHyper.default("padding"),
        in_channels: int | type[Dim] | None = Conv1DHyper.default("in_channels"),
        dilation: int = Conv1DHyper.default("dilation"),
        groups: int = Conv1DHyper.default("groups"),
        use_bias: bool = Conv1DHyper.default("use_bias"),
        activation: str | None = Conv1DHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class Conv2D(_Conv[*P]):
    """A 2-D convolution over (height, width, channels) inputs.

    Args:
        filters: The number of output channels.
        kernel: The window size, an int or a (height, width) pair.
        stride: The step between windows.
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        in_channels: The number of input channels, when you want mypy to check it.
        dilation: The spacing between kernel taps.
        groups: Split the channels into this many independent groups.
        use_bias: Whether to add a learned bias.
        activation: An activation applied after the convolution, by name (`"relu"`...:
            those of `nn.Activation`): Keras's argument, the same graph as following
            the layer with `nn.Activation`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Conv2D(16, kernel=5, stride=2)(tn.Input(32, 32, 3)).shape
        (14, 14, 16)
    """

    hyper_type = Conv2DHyper
    kind = "conv2d"
    hyper: Conv2DHyper

    def __init__(
        self,
        filters: int,
        *,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = Conv2DHyper.default("stride"),
        padding: Padding = Conv2DHyper.default("padding"),
        in_channels: int | type[Dim] | None = Conv2DHyper.default("in_channels"),
        dilation: int | tuple[int, int] = Conv2DHyper.default("dilation"),
        groups: int = Conv2DHyper.default("groups"),
        use_bias: bool = Conv2DHyper.default("use_bias"),
        activation: str | None = Conv2DHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class Conv3D(_Conv[*P]):
    """A 3-D convolution over (depth, height, width, channels) inputs: volumes, or video clips.

    Keras's `Conv3D` (channels last), computed as `flax.nnx.Conv` with three kernel axes.

    Args:
        filters: The number of output channels.
        kernel: The window size, an int or a (depth, height, width) triple.
        stride: The step between windows, an int or a triple.
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        in_channels: The number of input channels, when you want mypy to check it.
        dilation: The spacing between kernel taps, an int or a triple.
        groups: Split the channels into this many independent groups.
        use_bias: Whether to add a learned bias.
        activation: An activation applied after the convolution, by name (`"relu"`...:
            those of `nn.Activation`): Keras's argument, the same graph as following
            the layer with `nn.Activation`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Conv3D(8, kernel=3, stride=(1, 2, 2))(tn.Input(16, 32, 32, 3)).shape
        (14, 15, 15, 8)
    """

    hyper_type = Conv3DHyper
    kind = "conv3d"
    hyper: Conv3DHyper

    def __init__(
        self,
        filters: int,
        *,
        kernel: int | tuple[int, int, int],
        stride: int | tuple[int, int, int] = Conv3DHyper.default("stride"),
        padding: Padding = Conv3DHyper.default("padding"),
        in_channels: int | type[Dim] | None = Conv3DHyper.default("in_channels"),
        dilation: int | tuple[int, int, int] = Conv3DHyper.default("dilation"),
        groups: int = Conv3DHyper.default("groups"),
        use_bias: bool = Conv3DHyper.default("use_bias"),
        activation: str | None = Conv3DHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())


class DepthwiseConv2D(Layer[*P]):
    """A depthwise 2-D convolution over (height, width, channels) inputs.

    Each input channel is convolved on its own with `depth_multiplier` kernels, so the
    output has ``channels * depth_multiplier`` channels: `flax.nnx.Conv(c, c * m,
    feature_group_count=c)`, output channel ``i * m + j`` coming from input channel ``i``.

    Args:
        kernel: The window size, an int or a (height, width) pair.
        depth_multiplier: How many output channels each input channel gives.
        stride: The step between windows.
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        in_channels: The number of input channels, when you want mypy to check it.
        dilation: The spacing between kernel taps.
        use_bias: Whether to add a learned bias.
        activation: An activation applied after the convolution, by name (`"relu"`...:
            those of `nn.Activation`): Keras's argument, the same graph as following
            the layer with `nn.Activation`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.DepthwiseConv2D(3, depth_multiplier=2, stride=2)(tn.Input(32, 32, 8)).shape
        (15, 15, 16)
    """

    hyper_type = DepthwiseConv2DHyper
    kind = "depthwise_conv2d"
    slow_in_cpu_loops = True
    hyper: DepthwiseConv2DHyper

    def __init__(
        self,
        kernel: int | tuple[int, int],
        *,
        depth_multiplier: int = DepthwiseConv2DHyper.default("depth_multiplier"),
        stride: int | tuple[int, int] = DepthwiseConv2DHyper.default("stride"),
        padding: Padding = DepthwiseConv2DHyper.default("padding"),
        in_channels: int | type[Dim] | None = DepthwiseConv2DHyper.default("in_channels"),
        dilation: int | tuple[int, int] = DepthwiseConv2DHyper.default("dilation"),
        use_bias: bool = DepthwiseConv2DHyper.default("use_bias"),
        activation: str | None = DepthwiseConv2DHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        p = self.hyper
        channels = concrete(x.last, f"{self!r}: the input channels")
        filters = channels * concrete(p.depth_multiplier, f"{self!r}: depth_multiplier")
        # One input channel per group: the kernel's input axis is 1, as in flax.nnx.Conv.
        shape = (*ints(p.per_axis("kernel"), f"{self!r}: kernel"), 1, filters)
        return kernel_and_bias(key, shape, use_bias=p.use_bias)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return activate(self.hyper.activation, convolve(self.hyper, params, x, groups=x.shape[-1]))
