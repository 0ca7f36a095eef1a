"""ResNets: ResNet-18 for 32x32 images (CIFAR) and Keras's ResNet-50 (He et al., 2016)."""

from __future__ import annotations

from typing import Any, TypeVar

from .._model import Model
from ..graph import AnyTensor
from ..layers import Input, Tensor
from ..nn import Activation, Add, BatchNorm, Conv2D, MaxPool2D, ZeroPadding2D, relu, residual
from ._top import Pooling, Weights, check_classes, check_image, top
from ._weights import build

H = TypeVar("H")
W = TypeVar("W")
C = TypeVar("C")


def _basic_block(x: Tensor[H, W, C], filters: int) -> Tensor[H, W, C]:
    """ResNet's basic block where the shape stays: two 3x3 convolutions and the identity shortcut."""
    block = (
        Conv2D(filters, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
        >> relu
        >> Conv2D(filters, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
    )
    return relu(residual(x, block))


def _down_block(x: AnyTensor, filters: int) -> AnyTensor:
    """A stage's first basic block: a strided convolution halves the size, a projected shortcut follows."""
    stage = (
        Conv2D(filters, kernel=3, stride=2, padding="same", use_bias=False)
        >> BatchNorm()
        >> relu
        >> Conv2D(filters, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
    )
    return relu(residual(x, stage, shortcut=Conv2D(filters, kernel=1, stride=2, use_bias=False) >> BatchNorm()))


def resnet18(
    *,
    classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    include_top: bool = True,
    pooling: Pooling = None,
    weights: Weights = None,
) -> Model[Any, Any]:
    """ResNet-18 for 32x32 images (He et al., 2016), as CIFAR-10 trainers write it.

    11,173,962 trainable parameters, and 9,600 BatchNorm statistics besides (Keras's
    count: 11,183,562).

    A 3x3 stem (no max pool); four stages of two basic blocks with 64, 128, 256 and 512
    filters, where the first block of the last three halves the size with a strided
    convolution and a projected (1x1, strided) shortcut; global average pooling and a
    `classes`-way classifier (logits).

    Args:
        classes: The classifier's classes.
        input_shape: `(height, width, channels)`, at least 8 x 8.
        include_top: Whether to keep the pooling and the classifier; without, the
            feature map `(height / 8, width / 8, 512)` (rounded up).
        pooling: Without the top: "avg" or "max" for the 512 features pooled, or None.
        weights: None, a typednn export folder, or a registry reference `"NAME:TAG"`.

    Example:
        >>> from typednn import zoo
        >>> zoo.resnet18(classes=100)
        Model((32, 32, 3) -> (100,))
        >>> zoo.resnet18(include_top=False, input_shape=(64, 64, 3))
        Model((64, 64, 3) -> (8, 8, 512))
    """
    arguments = dict(classes=classes, input_shape=input_shape, include_top=include_top, pooling=pooling)
    classes = check_classes("resnet18", classes)
    shape = check_image("resnet18", input_shape, include_top=include_top, pooling=pooling, smallest=8)
    x = Input(*shape)
    h: AnyTensor = x >> Conv2D(64, kernel=3, padding="same", use_bias=False) >> BatchNorm() >> relu
    h = _basic_block(_basic_block(h, 64), 64)  # 32 x 32 x 64
    for filters in (128, 256, 512):  # 16 x 16 x 128, 8 x 8 x 256, 4 x 4 x 512
        h = _basic_block(_down_block(h, filters), filters)
    h = top(h, include_top=include_top, pooling=pooling, classes=classes)
    return build(x, h, name="resnet18", weights=weights, arguments=arguments)


def _bottleneck(x: AnyTensor, filters: int, name: str, *, stride: int = 1, project: bool = False) -> AnyTensor:
    """Keras's `residual_block_v1`: 1x1, 3x3 and 1x1 (4 x filters) convolutions, each with BatchNorm."""
    if project:
        shortcut = x >> Conv2D(4 * filters, kernel=1, stride=stride, name=f"{name}_0_conv")
        shortcut = shortcut >> BatchNorm(epsilon=1.001e-5, name=f"{name}_0_bn")
    else:
        shortcut = x
    h = x >> Conv2D(filters, kernel=1, stride=stride, name=f"{name}_1_conv")
    h = h >> BatchNorm(epsilon=1.001e-5, name=f"{name}_1_bn") >> Activation("relu", name=f"{name}_1_relu")
    h = h >> Conv2D(filters, kernel=3, padding="same", name=f"{name}_2_conv")
    h = h >> BatchNorm(epsilon=1.001e-5, name=f"{name}_2_bn") >> Activation("relu", name=f"{name}_2_relu")
    h = h >> Conv2D(4 * filters, kernel=1, name=f"{name}_3_conv") >> BatchNorm(epsilon=1.001e-5, name=f"{name}_3_bn")
    added: AnyTensor = Add(name=f"{name}_add")(shortcut, h)
    return added >> Activation("relu", name=f"{name}_out")


def resnet50(
    *,
    classes: int = 1000,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    include_top: bool = True,
    pooling: Pooling = None,
    weights: Weights = None,
) -> Model[Any, Any]:
    """ResNet-50 as `keras.applications.ResNet50` builds it, layer for layer and name for name.

    25,636,712 parameters with the ImageNet top (Keras's `count_params()`, BatchNorm
    statistics included). The stem (7x7/2 convolution, 3x3/2 max pool) and four stages
    of 3, 4, 6 and 3 bottleneck blocks (64, 128, 256 and 512 filters, 4x wide out); the
    classifier gives logits where Keras's applies a softmax.

    Args:
        classes: The classifier's classes.
        input_shape: `(height, width, channels)`, at least 32 x 32 (as Keras).
        include_top: Whether to keep the pooling and the classifier; without, the
            feature map of 2048 channels (7 x 7 for 224 x 224 images).
        pooling: Without the top: "avg" or "max" for the 2048 features pooled, or None.
        weights: None, a typednn export folder, or a registry reference `"NAME:TAG"`.
    """
    arguments = dict(classes=classes, input_shape=input_shape, include_top=include_top, pooling=pooling)
    classes = check_classes("resnet50", classes)
    shape = check_image("resnet50", input_shape, include_top=include_top, pooling=pooling, smallest=32)
    x = Input(*shape)
    h: AnyTensor = x >> ZeroPadding2D(3, name="conv1_pad") >> Conv2D(64, kernel=7, stride=2, name="conv1_conv")
    h = h >> BatchNorm(epsilon=1.001e-5, name="conv1_bn") >> Activation("relu", name="conv1_relu")
    h = h >> ZeroPadding2D(1, name="pool1_pad") >> MaxPool2D(3, stride=2, name="pool1_pool")
    for stage, (filters, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=2):
        h = _bottleneck(h, filters, f"conv{stage}_block1", stride=stride, project=True)
        for block in range(2, blocks + 1):
            h = _bottleneck(h, filters, f"conv{stage}_block{block}")
    h = top(h, include_top=include_top, pooling=pooling, classes=classes, names=("avg_pool", "predictions"))
    return build(x, h, name="resnet50", weights=weights, arguments=arguments)
