"""The model zoo: well-known architectures as typed functions.

Each function's return type spells the model's input and output shapes, and mypy with
the typednn plugin checks every layer in between (this module is type-checked so).
Each has a spec-file twin in `examples/zoo/` that builds the same graph.

Example:
    >>> from typednn import zoo
    >>> zoo.lenet5()
    Model((32, 32, 1) -> (10,))
"""

from __future__ import annotations

from typing import Literal as L
from typing import TypeVar

from ._model import Model
from .layers import Input, Tensor, Tokens
from .nn import (
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    LayerNorm,
    PositionEmbedding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    relu,
    residual,
    tanh,
)

__all__ = ["lenet5", "mlp", "resnet18", "transformer_classifier", "transformer_seq2seq"]

Image28 = Tensor[L[28], L[28], L[1]]
Image32 = Tensor[L[32], L[32], L[1]]
Cifar = Tensor[L[32], L[32], L[3]]
Text = Tokens[L[128]]
Ids32 = Tokens[L[32]]
H = TypeVar("H")
W = TypeVar("W")
C = TypeVar("C")


def mlp(*, dropout_rate: float = 0.2) -> Model[Tensor[L[784]], Tensor[L[10]]]:
    """A multilayer perceptron for flattened 28x28 images: 784 -> 512 -> 512 -> 10 (669,706 parameters).

    The Keras MNIST example's network.
    """
    x = Input(784)
    h = x >> Dense(784, 512) >> relu >> Dropout(dropout_rate)
    h = h >> Dense(512, 512) >> relu >> Dropout(dropout_rate)
    return Model(x, h >> Dense(512, 10), name="mlp")


def lenet5() -> Model[Image32, Tensor[L[10]]]:
    """LeNet-5 (LeCun et al., 1998) on 32x32 greyscale images (61,706 parameters).

    C1 6@5x5 -> S2 -> C3 16@5x5 -> S4 -> C5 120 -> F6 84 -> 10, with tanh and average
    pooling as published (C3 fully connected, as modern reimplementations have it).
    """
    x = Input(32, 32, 1)
    h = x >> Conv2D(6, kernel=5) >> tanh >> AvgPool2D(2)  # 14 x 14 x 6
    h = h >> Conv2D(16, kernel=5, in_channels=6) >> tanh >> AvgPool2D(2)  # 5 x 5 x 16
    h = h >> Flatten() >> Dense(400, 120) >> tanh >> Dense(120, 84) >> tanh
    return Model(x, h >> Dense(84, 10), name="lenet5")


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


def resnet18() -> Model[Cifar, Tensor[L[10]]]:
    """ResNet-18 for 32x32 images (He et al., 2016), as CIFAR-10 trainers write it.

    11,173,962 trainable parameters, and 9,600 BatchNorm statistics besides (Keras's
    count: 11,183,562).

    A 3x3 stem (no max pool); four stages of two basic blocks with 64, 128, 256 and 512
    filters, where the first block of the last three halves the size with a strided
    convolution and a projected (1x1, strided) shortcut; global average pooling and a
    10-way classifier.
    """
    x = Input(32, 32, 3)
    h = x >> Conv2D(64, kernel=3, padding="same", use_bias=False) >> BatchNorm() >> relu  # 32 x 32 x 64
    h = _basic_block(_basic_block(h, 64), 64)
    stage2 = (
        Conv2D(128, kernel=3, stride=2, padding="same", use_bias=False)
        >> BatchNorm()
        >> relu
        >> Conv2D(128, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
    )
    h2 = relu(residual(h, stage2, shortcut=Conv2D(128, kernel=1, stride=2, use_bias=False) >> BatchNorm()))
    h2 = _basic_block(h2, 128)  # 16 x 16 x 128
    stage3 = (
        Conv2D(256, kernel=3, stride=2, padding="same", use_bias=False)
        >> BatchNorm()
        >> relu
        >> Conv2D(256, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
    )
    h3 = relu(residual(h2, stage3, shortcut=Conv2D(256, kernel=1, stride=2, use_bias=False) >> BatchNorm()))
    h3 = _basic_block(h3, 256)  # 8 x 8 x 256
    stage4 = (
        Conv2D(512, kernel=3, stride=2, padding="same", use_bias=False)
        >> BatchNorm()
        >> relu
        >> Conv2D(512, kernel=3, padding="same", use_bias=False)
        >> BatchNorm()
    )
    h4 = relu(residual(h3, stage4, shortcut=Conv2D(512, kernel=1, stride=2, use_bias=False) >> BatchNorm()))
    h4 = _basic_block(h4, 512)  # 4 x 4 x 512
    return Model(x, h4 >> GlobalAvgPool2D() >> Dense(512, 10), name="resnet18")


def transformer_classifier() -> Model[Text, Tensor[L[2]]]:
    """A small Transformer encoder text classifier: 128 token ids of a 20,000-word vocab -> 2 classes.

    The shape of Keras's "Text classification with Transformer" example, at 128
    features: an embedding plus learned positions, two pre-norm encoder blocks (4 heads,
    MLP 256), a final LayerNorm, the mean over the sequence and a linear head
    (2,841,858 parameters).
    """
    ids = Input(128, dtype="int32")
    h = ids >> Embedding(20_000, 128) >> PositionEmbedding(128)
    h = h >> TransformerEncoderBlock(4, 256, dropout_rate=0.1) >> TransformerEncoderBlock(4, 256, dropout_rate=0.1)
    h = h >> LayerNorm() >> GlobalAvgPool1D() >> Dropout(0.1)
    return Model(ids, h >> Dense(128, 2), name="transformer_classifier")


def transformer_seq2seq() -> Model[tuple[Ids32, Ids32], Tensor[L[32], L[1000]]]:
    """A small Transformer encoder-decoder: 32 source ids and 32 target ids -> next-token logits (32, 1000).

    The shape of Keras's "English-to-Spanish translation with a sequence-to-sequence
    Transformer" example, smaller: both vocabularies of 1,000 ids, 64 features.
    The encoder embeds the source (embedding plus learned positions) and applies two
    pre-norm encoder blocks (2 heads, MLP 128) and a final LayerNorm: the memory.
    The decoder embeds the target the same way, applies two decoder blocks (causal
    self-attention, cross-attention to the memory, MLP), a LayerNorm and a linear head
    to 1,000 logits per position (364,776 parameters). The inputs are named `source`
    and `target` (the shifted-right sequence the decoder reads).
    """
    source = Input(32, dtype="int32", name="source")
    target = Input(32, dtype="int32", name="target")
    memory = source >> Embedding(1000, 64, name="source_embedding") >> PositionEmbedding(32, name="source_positions")
    memory = memory >> TransformerEncoderBlock(2, 128, dropout_rate=0.1)
    memory = memory >> TransformerEncoderBlock(2, 128, dropout_rate=0.1) >> LayerNorm(name="memory")
    h = target >> Embedding(1000, 64, name="target_embedding") >> PositionEmbedding(32, name="target_positions")
    h = TransformerDecoderBlock(2, 128, dropout_rate=0.1)(h, memory)
    h = TransformerDecoderBlock(2, 128, dropout_rate=0.1)(h, memory)
    logits = h >> LayerNorm() >> Dense(64, 1000, name="logits")
    return Model((source, target), logits, name="transformer_seq2seq")
