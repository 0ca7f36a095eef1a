"""Conv2DTranspose: the transposed ("deconvolution") 2-D convolution on NHWC images."""

from __future__ import annotations

import jax
from jax import lax

from .._shapes import Conv2DTransposeHyper, Dim, Shape
from ._base import Layer, P, Padding, ParamTree
from ._elementwise import activate
from ._lowering import add_bias, concrete, ints, kernel_and_bias


class Conv2DTranspose(Layer[*P]):
    """A transposed 2-D convolution over (height, width, channels) inputs, upsampling by `stride`.

    It computes what `flax.nnx.ConvTranspose` computes (``lax.conv_transpose`` with the
    same padding string and an unflipped kernel of shape (height, width, in, out)).

    Args:
        filters: The number of output channels.
        kernel: The window size, an int or a (height, width) pair.
        stride: The upsampling factor.
        padding: ``"same"`` (output size = input * stride) or ``"valid"`` (output size =
            (input - 1) * stride + dilated kernel, and at least input * stride).
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
        >>> nn.Conv2DTranspose(16, kernel=3, stride=2)(tn.Input(7, 7, 32)).shape
        (15, 15, 16)
        >>> nn.Conv2DTranspose(16, kernel=3, stride=2, padding="same")(tn.Input(7, 7, 32)).shape
        (14, 14, 16)
    """

    hyper_type = Conv2DTransposeHyper
    kind = "conv2d_transpose"
    slow_in_cpu_loops = True
    hyper: Conv2DTransposeHyper

    def __init__(
        self,
        filters: int,
        *,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = Conv2DTransposeHyper.default("stride"),
        padding: Padding = Conv2DTransposeHyper.default("padding"),
        in_channels: int | type[Dim] | None = Conv2DTransposeHyper.default("in_channels"),
        dilation: int | tuple[int, int] = Conv2DTransposeHyper.default("dilation"),
        use_bias: bool = Conv2DTransposeHyper.default("use_bias"),
        activation: str | None = Conv2DTransposeHyper.default("activation"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        p = self.hyper
        channels = concrete(x.last, f"{self!r}: the input channels")
        filters = concrete(p.filters, f"{self!r}: filters")
        # (height, width, in, out), as flax.nnx.ConvTranspose with transpose_kernel=False.
        shape = (*ints(p.per_axis("kernel"), f"{self!r}: kernel"), channels, filters)
        return kernel_and_bias(key, shape, use_bias=p.use_bias)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # The same operations as flax.nnx.ConvTranspose.
        (x,) = xs
        p = self.hyper
        y = lax.conv_transpose(
            x,
            params["kernel"],
            ints(p.per_axis("stride"), "stride"),
            p.padding.upper(),
            rhs_dilation=ints(p.per_axis("dilation"), "dilation"),
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
            transpose_kernel=False,
        )
        return activate(p.activation, add_bias(y, params))
