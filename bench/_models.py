"""The benchmarks' models, each in typednn and by hand in Flax NNX, and the loss they all minimise.

The NNX attribute names are the names typednn gives the layers, so a typed model's params
dict and an NNX module's `nnx.Param` state have the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax
from _seq2seq import keras_position_embedding
from flax import nnx

import typednn as tn
from typednn import nn

MLP_NAME = "MLP 784-512-512-10"


def loss_of(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """The mean softmax cross-entropy that every implementation minimises."""
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def typed_mlp() -> tn.Model[Any, Any]:
    """784-512-512-10 with relu, in typednn."""
    x = tn.Input(784)
    y = x >> nn.Dense(512) >> nn.relu >> nn.Dense(512) >> nn.relu >> nn.Dense(10)
    return tn.Model(x, y)


class NnxMLP(nnx.Module):
    """784-512-512-10 with relu, by hand in Flax NNX."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.dense = nnx.Linear(784, 512, rngs=rngs)
        self.dense_1 = nnx.Linear(512, 512, rngs=rngs)
        self.dense_2 = nnx.Linear(512, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.relu(self.dense(x))
        x = nnx.relu(self.dense_1(x))
        return self.dense_2(x)


@dataclass(frozen=True)
class CNN:
    """A small CNN on 28x28x1 images: 3x3 conv -> relu -> 2x2 pool, twice, then dense -> relu -> 10.

    Attributes:
        channels: The output channels of the two convolutions.
        hidden: The width of the hidden dense layer.
        padding: The first convolution's padding; the second one's is always ``"valid"``.

    Example:
        >>> CNN(channels=(16, 32), hidden=64, padding="same").name
        'CNN 28x28x1 conv16-conv32-64-10'
    """

    channels: tuple[int, int]
    hidden: int
    padding: Literal["valid", "same"]

    @property
    def name(self) -> str:
        return f"CNN 28x28x1 conv{self.channels[0]}-conv{self.channels[1]}-{self.hidden}-10"

    @property
    def flat(self) -> int:
        """Features into the hidden layer: the side after conv, pool, valid conv, pool, squared, times channels."""
        side = ((28 if self.padding == "same" else 26) // 2 - 2) // 2
        return side * side * self.channels[1]

    def typed_model(self) -> tn.Model[Any, Any]:
        """The CNN in typednn."""
        first, second = self.channels
        x = tn.Input(28, 28, 1)
        h = x >> nn.Conv2D(first, kernel=3, padding=self.padding) >> nn.relu >> nn.MaxPool2D(2)
        h = h >> nn.Conv2D(second, kernel=3) >> nn.relu >> nn.MaxPool2D(2)
        y = h >> nn.Flatten() >> nn.Dense(self.hidden) >> nn.relu >> nn.Dense(10)
        return tn.Model(x, y)

    def nnx_module(self, rngs: nnx.Rngs) -> NnxCNN:
        """The same CNN by hand in Flax NNX."""
        return NnxCNN(self, rngs)


class NnxCNN(nnx.Module):
    """A `CNN` by hand in Flax NNX."""

    def __init__(self, cnn: CNN, rngs: nnx.Rngs) -> None:
        first, second = cnn.channels
        self.conv2d = nnx.Conv(1, first, (3, 3), padding=cnn.padding.upper(), rngs=rngs)
        self.conv2d_1 = nnx.Conv(first, second, (3, 3), padding="VALID", rngs=rngs)
        self.dense = nnx.Linear(cnn.flat, cnn.hidden, rngs=rngs)
        self.dense_1 = nnx.Linear(cnn.hidden, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.max_pool(nnx.relu(self.conv2d(x)), (2, 2), strides=(2, 2))
        x = nnx.max_pool(nnx.relu(self.conv2d_1(x)), (2, 2), strides=(2, 2))
        x = nnx.relu(self.dense(x.reshape(x.shape[0], -1)))
        return self.dense_1(x)


# ---- gpu.py's models in Keras 3, and its bfloat16 Flax NNX twins ----------------------
#
# `zoo.resnet18()` and `zoo.transformer_classifier()` from Keras's own layers, for gpu.py.
# Keras's BatchNormalization defaults (momentum 0.99, epsilon 1e-3) are typednn's; its
# initialisers differ (glorot uniform), which changes no timing. Built under Keras's global
# dtype policy at the time of the call (`mixed_bfloat16` for the bfloat16 cells); the last
# layer is a float32 linear activation so that the loss sees float32 logits, as Keras's
# mixed-precision guide asks and as typednn's policy does.


def keras_resnet18(keras: Any) -> Any:
    """ResNet-18 for 32x32x3 images and 10 classes, as `zoo.resnet18()`, from Keras's layers."""
    layers = keras.layers

    def conv_bn(h: Any, filters: int, kernel: int, stride: int = 1) -> Any:
        h = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False)(h)
        return layers.BatchNormalization()(h)

    def block(x: Any, filters: int, stride: int) -> Any:
        h = layers.Activation("relu")(conv_bn(x, filters, 3, stride))
        h = conv_bn(h, filters, 3)
        shortcut = conv_bn(x, filters, 1, stride) if stride != 1 else x
        return layers.Activation("relu")(layers.Add()([h, shortcut]))

    x = keras.Input((32, 32, 3))
    h = layers.Activation("relu")(conv_bn(x, 64, 3))
    for filters in (64, 128, 256, 512):
        h = block(h, filters, 1 if filters == 64 else 2)
        h = block(h, filters, 1)
    h = layers.Dense(10)(layers.GlobalAveragePooling2D()(h))
    return keras.Model(x, layers.Activation("linear", dtype="float32")(h), name="resnet18")


def keras_transformer_classifier(keras: Any) -> Any:
    """`zoo.transformer_classifier()` from Keras's layers: 128 ids of 20,000 -> 2 classes, 128 features,
    two pre-norm encoder blocks (4 heads, gelu MLP 256, dropout 0.1), LayerNorm, mean, dropout, head."""
    layers = keras.layers

    def gelu(x: Any) -> Any:
        return keras.activations.gelu(x, approximate=True)  # jax.nn.gelu's default

    ids = keras.Input((128,), dtype="int32")
    h = keras_position_embedding(keras)()(layers.Embedding(20_000, 128)(ids))
    for _ in range(2):
        a = layers.LayerNormalization(epsilon=1e-6)(h)
        h = layers.Add()([h, layers.Dropout(0.1)(layers.MultiHeadAttention(4, 32, dropout=0.1)(a, a))])
        m = layers.Dense(128)(layers.Dense(256, activation=gelu)(layers.LayerNormalization(epsilon=1e-6)(h)))
        h = layers.Add()([h, layers.Dropout(0.1)(m)])
    h = layers.GlobalAveragePooling1D()(layers.LayerNormalization(epsilon=1e-6)(h))
    h = layers.Dense(2)(layers.Dropout(0.1)(h))
    return keras.Model(ids, layers.Activation("linear", dtype="float32")(h), name="transformer_classifier")


def compute_in(module: nnx.Module, dtype: Any) -> nnx.Module:
    """`module` with every layer computing in `dtype`: flax's `dtype=` set on each submodule that has one.

    The same as building each layer with `dtype=dtype, param_dtype=jnp.float32` (flax's layers
    read `self.dtype` when called): float32 parameters, cast to `dtype` where they are used.
    """
    for _, child in module.iter_modules():
        if hasattr(child, "dtype"):
            child.dtype = dtype
    return module
