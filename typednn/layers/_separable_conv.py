"""SeparableConv2D: a depthwise convolution then a pointwise (1x1) one, on NHWC images."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import Dim, SeparableConv2DHyper, Shape
from ._base import Layer, P, Padding, ParamTree
from ._conv import convolve
from ._elementwise import activate
from ._lowering import add_bias, concrete, ints, kernel_init


class SeparableConv2D(Layer[*P]):
    """A depthwise-separable 2-D convolution over (height, width, channels) inputs: Keras's `SeparableConv2D`.

    Each input channel is convolved on its own into `depth_multiplier` channels (as
    `DepthwiseConv2D`, which takes the stride and dilation), then a 1x1 convolution
    mixes those ``channels * depth_multiplier`` channels into `filters`, and the bias is
    added. Its parameters are ``depthwise_kernel`` of shape ``(kh, kw, 1, channels *
    depth_multiplier)`` (DepthwiseConv2D's layout: output channel ``i * m + j`` comes from
    input channel ``i``, so Keras's ``(kh, kw, channels, m)`` kernel reshapes into it),
    ``pointwise_kernel`` of shape ``(1, 1, channels * depth_multiplier, filters)`` (Keras's)
    and ``bias`` of shape ``(filters,)``.

    Args:
        filters: The number of output channels.
        kernel: The depthwise window size, an int or a (height, width) pair.
        stride: The step between windows.
        padding: ``"valid"`` (no padding) or ``"same"`` (output size = ceil(input / stride)).
        in_channels: The number of input channels, when you want mypy to check it.
        dilation: The spacing between kernel taps.
        depth_multiplier: How many channels the depthwise step makes of each input channel.
        use_bias: Whether to add a learned bias after the pointwise convolution.
        activation: An activation applied after the convolution, by name (`"relu"`...:
            those of `nn.Activation`): Keras's argument, the same graph as following
            the layer with `nn.Activation`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.SeparableConv2D(16, kernel=3, stride=2, depth_multiplier=2)(tn.Input(32, 32, 8)).shape
        (15, 15, 16)
    """

    hyper_type = SeparableConv2DHyper
    kind = "separable_conv2d"
    slow_in_cpu_loops = True
    hyper: SeparableConv2DHyper

    def __init__(
        self,
        filters: int,
        *,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = SeparableConv2DHyper.default("stride"),
        padding: Padding = SeparableConv2DHyper.default("padding"),
        in_channels: int | type[Dim] | None = SeparableConv2DHyper.default("in_channels"),
        dilation: int | tuple[int, int] = SeparableConv2DHyper.default("dilation"),
        depth_multiplier: int = SeparableConv2DHyper.default("depth_multiplier"),
        use_bias: bool = SeparableConv2DHyper.default("use_bias"),
        activation: str | None = SeparableConv2DHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        p = self.hyper
        channels = concrete(x.last, f"{self!r}: the input channels")
        middle = channels * concrete(p.depth_multiplier, f"{self!r}: depth_multiplier")
        filters = concrete(p.filters, f"{self!r}: filters")
        depthwise_key, pointwise_key = jax.random.split(key)
        # Flax's default initialisers, each kernel on its own fan-in, as two nnx.Conv layers start.
        params = {
            "depthwise_kernel": kernel_init(
                depthwise_key, (*ints(p.per_axis("kernel"), f"{self!r}: kernel"), 1, middle), jnp.float32
            ),
            "pointwise_kernel": kernel_init(pointwise_key, (1, 1, middle, filters), jnp.float32),
        }
        if p.use_bias:
            params["bias"] = jnp.zeros((filters,), jnp.float32)
        return params

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        # The depthwise step is DepthwiseConv2D's lowering without its bias (Keras has none there).
        middle = convolve(self.hyper, {"kernel": params["depthwise_kernel"]}, x, groups=x.shape[-1])
        # A 1x1 convolution with stride 1 is a matrix product over the channels.
        y = jnp.einsum("...c,cf->...f", middle, params["pointwise_kernel"][0, 0])
        return activate(self.hyper.activation, add_bias(y, params))
