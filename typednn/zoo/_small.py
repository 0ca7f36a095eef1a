"""The small models of the zoo: an MLP, LeNet-5 and two Transformers."""

from __future__ import annotations

from typing import Any
from typing import Literal as L

from .._model import Model
from ..layers import Input, Tensor, Tokens
from ..nn import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool2D,
    LayerNorm,
    PositionEmbedding,
    TransformerDecoderBlock,
    TransformerEncoderBlock,
    relu,
    tanh,
)
from ._top import Pooling, Weights, check_classes, check_image, flat_size
from ._weights import build

Text = Tokens[L[128]]
Ids32 = Tokens[L[32]]


def mlp(*, dropout_rate: float = 0.2, classes: int = 10) -> Model[Tensor[L[784]], Any]:
    """A multilayer perceptron for flattened 28x28 images: 784 -> 512 -> 512 -> 10 (669,706 parameters).

    The Keras MNIST example's network.

    Args:
        dropout_rate: The rate of the dropout after each hidden layer.
        classes: The classifier's classes (`Tensor[L[classes]]` out, under the plugin).
    """
    classes = check_classes("mlp", classes)
    x = Input(784)
    h = x >> Dense(784, 512) >> relu >> Dropout(dropout_rate)
    h = h >> Dense(512, 512) >> relu >> Dropout(dropout_rate)
    return Model(x, h >> Dense(512, classes), name="mlp")


def lenet5(
    *,
    classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 1),
    include_top: bool = True,
    pooling: Pooling = None,
    weights: Weights = None,
) -> Model[Any, Any]:
    """LeNet-5 (LeCun et al., 1998) on 32x32 greyscale images (61,706 parameters).

    C1 6@5x5 -> S2 -> C3 16@5x5 -> S4 -> C5 120 -> F6 84 -> 10, with tanh and average
    pooling as published (C3 fully connected, as modern reimplementations have it).
    Without the top (C5 onward), the S4 feature map `(5, 5, 16)`, or its 16 features
    pooled.

    Args:
        classes: The classifier's classes.
        input_shape: `(height, width, channels)`, at least 12 x 12.
        include_top: Whether to keep C5, F6 and the classifier.
        pooling: Without the top: "avg", "max" or None (the feature map).
        weights: None, a typednn export folder, or a registry reference `"NAME:TAG"`.
    """
    arguments = dict(classes=classes, input_shape=input_shape, include_top=include_top, pooling=pooling)
    classes = check_classes("lenet5", classes)
    shape = check_image("lenet5", input_shape, include_top=include_top, pooling=pooling, smallest=12)
    x = Input(*shape)
    h = x >> Conv2D(6, kernel=5) >> tanh >> AvgPool2D(2)  # 14 x 14 x 6
    h = h >> Conv2D(16, kernel=5, in_channels=6) >> tanh >> AvgPool2D(2)  # 5 x 5 x 16
    if include_top:
        h = h >> Flatten()
        h = h >> Dense(flat_size(h), 120) >> tanh >> Dense(120, 84) >> tanh
        h = h >> Dense(84, classes)
    elif pooling is not None:
        h = h >> (GlobalAvgPool2D() if pooling == "avg" else GlobalMaxPool2D())
    return build(x, h, name="lenet5", weights=weights, arguments=arguments)


def transformer_classifier(*, classes: int = 2) -> Model[Text, Any]:
    """A small Transformer encoder text classifier: 128 token ids of a 20,000-word vocab -> 2 classes.

    The shape of Keras's "Text classification with Transformer" example, at 128
    features: an embedding plus learned positions, two pre-norm encoder blocks (4 heads,
    MLP 256), a final LayerNorm, the mean over the sequence and a linear head
    (2,841,858 parameters).

    Args:
        classes: The classifier's classes.
    """
    classes = check_classes("transformer_classifier", classes)
    ids = Input(128, dtype="int32")
    h = ids >> Embedding(20_000, 128) >> PositionEmbedding(128)
    h = h >> TransformerEncoderBlock(4, 256, dropout_rate=0.1) >> TransformerEncoderBlock(4, 256, dropout_rate=0.1)
    h = h >> LayerNorm() >> GlobalAvgPool1D() >> Dropout(0.1)
    return Model(ids, h >> Dense(128, classes), name="transformer_classifier")


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
