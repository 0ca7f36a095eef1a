"""MobileNetV2 (Sandler et al., 2018) as `keras.applications.MobileNetV2` builds it."""

from __future__ import annotations

from typing import Any, Literal

from .._errors import TypednnError
from .._model import Model
from .._words import given
from ..graph import AnyTensor
from ..layers import Input
from ..nn import Activation, Add, BatchNorm, Conv2D, DepthwiseConv2D, ZeroPadding2D
from ._top import Pooling, Weights, check_classes, check_image, top
from ._weights import build

# (filters, stride, expansion) of each inverted residual block, Keras's `block_id` 0 to 16.
BLOCKS = (
    (16, 1, 1),
    *((24, s, 6) for s in (2, 1)),
    *((32, s, 6) for s in (2, 1, 1)),
    *((64, s, 6) for s in (2, 1, 1, 1)),
    *((96, 1, 6) for _ in range(3)),
    *((160, s, 6) for s in (2, 1, 1)),
    (320, 1, 6),
)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Keras's `_make_divisible`: the nearest multiple of `divisor`, never 10% below `value`."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def last_filters(alpha: float) -> int:
    """The channels of the last convolution: 1280, widened (never narrowed) by `alpha` above 1."""
    return make_divisible(1280 * alpha) if alpha > 1.0 else 1280


def _batch_norm(name: str) -> BatchNorm:
    return BatchNorm(epsilon=1e-3, momentum=0.999, name=name)


def _inverted_residual(x: AnyTensor, filters: int, stride: int, expansion: int, alpha: float, block: int) -> AnyTensor:
    """Keras's `_inverted_res_block`: expand (1x1), depthwise 3x3, project (1x1), add when shapes allow."""
    channels = x.shape.dims[-1]
    assert isinstance(channels, int)  # every dim of a zoo model is known
    out = make_divisible(int(filters * alpha))
    prefix = f"block_{block}_" if block else "expanded_conv_"
    h = x
    if block:
        h = h >> Conv2D(expansion * channels, kernel=1, padding="same", use_bias=False, name=f"{prefix}expand")
        h = h >> _batch_norm(f"{prefix}expand_BN") >> Activation("relu6", name=f"{prefix}expand_relu")
    if stride == 2:
        # Keras's `correct_pad`: no row (column) above (left) when the size is even.
        height, width = h.shape.dims[0], h.shape.dims[1]
        assert isinstance(height, int) and isinstance(width, int)
        h = h >> ZeroPadding2D(((height % 2, 1), (width % 2, 1)), name=f"{prefix}pad")
    padding: Literal["same", "valid"] = "same" if stride == 1 else "valid"
    h = h >> DepthwiseConv2D(3, stride=stride, padding=padding, use_bias=False, name=f"{prefix}depthwise")
    h = h >> _batch_norm(f"{prefix}depthwise_BN") >> Activation("relu6", name=f"{prefix}depthwise_relu")
    h = h >> Conv2D(out, kernel=1, padding="same", use_bias=False, name=f"{prefix}project")
    h = h >> _batch_norm(f"{prefix}project_BN")
    if channels == out and stride == 1:
        added: AnyTensor = Add(name=f"{prefix}add")(x, h)
        return added
    return h


def mobilenet_v2(
    *,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    alpha: float = 1.0,
    classes: int = 1000,
    include_top: bool = True,
    pooling: Pooling = None,
    weights: Weights = None,
) -> Model[Any, Any]:
    """MobileNetV2 as `keras.applications.MobileNetV2` builds it, layer for layer and name for name.

    3,538,984 parameters at `alpha=1.0` with the ImageNet top (Keras's `count_params()`,
    BatchNorm statistics included): a 3x3/2 stem of 32 x alpha filters, 17 inverted
    residual blocks (relu6), a 1x1 convolution to 1280 channels, global average pooling
    and the classifier (logits, where Keras's applies a softmax).

    Args:
        input_shape: `(height, width, channels)`, at least 32 x 32 (as Keras).
        alpha: The width multiplier: each layer's filters times alpha (rounded to 8s).
        classes: The classifier's classes.
        include_top: Whether to keep the pooling and the classifier; without, the
            feature map of 1280 channels (7 x 7 for 224 x 224 images).
        pooling: Without the top: "avg" or "max" for the features pooled, or None.
        weights: None, a typednn export folder, or a registry reference `"NAME:TAG"`.
    """
    arguments = dict(input_shape=input_shape, alpha=alpha, classes=classes, include_top=include_top, pooling=pooling)
    classes = check_classes("mobilenet_v2", classes)
    shape = check_image("mobilenet_v2", input_shape, include_top=include_top, pooling=pooling, smallest=32)
    if type(alpha) not in (int, float) or not alpha > 0:
        raise TypednnError(
            f"zoo.mobilenet_v2: alpha= must be a positive number, not {given(alpha)}",
            hint="e.g. 0.35, 0.5, 0.75, 1.0, 1.3 or 1.4",
        )
    x = Input(*shape)
    h: AnyTensor = x >> Conv2D(
        make_divisible(32 * alpha), kernel=3, stride=2, padding="same", use_bias=False, name="Conv1"
    )
    h = h >> _batch_norm("bn_Conv1") >> Activation("relu6", name="Conv1_relu")
    for block, (filters, stride, expansion) in enumerate(BLOCKS):
        h = _inverted_residual(h, filters, stride, expansion, alpha, block)
    h = h >> Conv2D(last_filters(alpha), kernel=1, use_bias=False, name="Conv_1")
    h = h >> _batch_norm("Conv_1_bn") >> Activation("relu6", name="out_relu")
    h = top(h, include_top=include_top, pooling=pooling, classes=classes, names=(None, "predictions"))
    return build(x, h, name="mobilenet_v2", weights=weights, arguments=arguments)
