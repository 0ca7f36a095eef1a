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
