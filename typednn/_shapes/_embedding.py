"""Embedding and positional embeddings: token ids to features, and positions added to features."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size
from ._errors import ShapeError
from ._hyper import Hyper

SEQUENCE = ("sequence", "features")
"""The axes of one sequence of feature vectors (the batch axis is implicit)."""


@dataclass(frozen=True, kw_only=True)
class EmbeddingHyper(Hyper):
    """`Embedding(vocab, features, mask_zero=)`: token ids of any shape -> one feature vector per id.

    The ids must be below `vocab`; the Trainer checks the data (`tn.Tokens` input).
    `mask_zero` makes id 0 padding: a mask, not a shape, so the rule is the same.

    Example:
        >>> EmbeddingHyper(vocab=1000, features=64).output_shape(Shape.of(128, tokens=True))
        (128, 64)
    """

    layer: ClassVar[str] = "Embedding"
    takes_tokens: ClassVar[bool] = True
    vocab: Size
    features: Size
    mask_zero: bool = False

    def __post_init__(self) -> None:
        self.positive("vocab", "features")
        self.boolean("mask_zero")

    def describe(self) -> str:
        masked = "" if self.mask_zero is False else f", mask_zero={self.mask_zero!r}"
        return f"Embedding({self.vocab!r}, {self.features!r}{masked})"

    def rule(self, *inputs: Shape) -> Shape:
        (ids,) = inputs
        return Shape((*ids.dims, self.features), ids.open)


@dataclass(frozen=True, kw_only=True)
class PositionEmbeddingHyper(Hyper):
    """`PositionEmbedding(max_length)`: adds a learned vector per position; the shape stays.

    Sequences may be shorter than `max_length` (the first positions are used).

    Example:
        >>> PositionEmbeddingHyper(max_length=512).output_shape(Shape.of(128, 64))
        (128, 64)
    """

    layer: ClassVar[str] = "PositionEmbedding"
    max_length: Size

    def __post_init__(self) -> None:
        self.positive("max_length")

    def describe(self) -> str:
        return f"PositionEmbedding({self.max_length!r})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        length, _ = self.layout(x, SEQUENCE, hint="embed token ids first: nn.Embedding(vocab, features)")
        if isinstance(length, int) and isinstance(self.max_length, int) and length > self.max_length:
            raise ShapeError(
                self.describe(),
                f"sequences of at most {self.max_length!r} positions",
                repr(x),
                hint=f"raise max_length to at least {length!r}, or cut the sequences",
            )
        return x


@dataclass(frozen=True, kw_only=True)
class SinusoidalPositionEmbeddingHyper(Hyper):
    """`SinusoidalPositionEmbedding()`: adds the fixed sine/cosine position encoding.

    That is the encoding of "Attention Is All You Need": no parameters, and the
    shape stays.

    Example:
        >>> SinusoidalPositionEmbeddingHyper().output_shape(Shape.of(128, 64))
        (128, 64)
    """

    layer: ClassVar[str] = "SinusoidalPositionEmbedding"
    max_wavelength: int = 10_000

    def __post_init__(self) -> None:
        self.positive("max_wavelength")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        self.layout(x, SEQUENCE, hint="embed token ids first: nn.Embedding(vocab, features)")
        return x
