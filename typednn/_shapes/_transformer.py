"""Transformer blocks: (cross-)attention and a feed-forward network, each residual; the target's shape stays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._attention import MultiHeadAttentionHyper
from ._dims import Shape, Size, listed, same_size
from ._errors import HyperparameterError, ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class TransformerEncoderBlockHyper(Hyper):
    """`TransformerEncoderBlock(heads, mlp_features, dropout_rate=, causal=, epsilon=)`.

    A pre-norm block, as in GPT-2 and ViT: `h = x + attention(norm(x))`, then
    `h + mlp(norm(h))` with a GELU hidden layer of `mlp_features`. The input is
    (sequence, features), and `heads` must divide the features: the attention's rule,
    which this block applies (a mypy error when both are literals).

    Example:
        >>> TransformerEncoderBlockHyper(heads=4, mlp_features=128).output_shape(Shape.of(16, 64))
        (16, 64)
    """

    layer: ClassVar[str] = "TransformerEncoderBlock"
    heads: Size
    mlp_features: Size
    dropout_rate: float = 0.0
    causal: bool = False
    epsilon: float = 1e-6

    def __post_init__(self) -> None:
        self.positive("mlp_features")
        try:
            self.attention()
        except HyperparameterError as error:
            raise self.fail(error.message.partition(": ")[2], hint=error.hint) from None

    def attention(self) -> MultiHeadAttentionHyper:
        """The block's attention: as many features out as in."""
        return MultiHeadAttentionHyper(heads=self.heads, causal=self.causal, dropout_rate=self.dropout_rate)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        try:
            self.attention().rule(x)  # (sequence, features) with heads dividing the features
        except ShapeError as error:
            hint = "use a number of heads that divides the features" if "heads" in error.expected else error.hint
            raise ShapeError(self.describe(), error.expected, error.actual, hint=hint) from None
        return x


@dataclass(frozen=True, kw_only=True)
class TransformerDecoderBlockHyper(Hyper):
    """`TransformerDecoderBlock(heads, mlp_features, dropout_rate=, epsilon=)`, applied as `block(target, memory)`.

    A pre-norm decoder block: `h = x + self_attention(norm(x))` (causal), then
    `h + cross_attention(norm(h), memory)` (queries from the target, keys and values
    from the encoder's output), then `h + mlp(norm(h))` with a GELU hidden layer of
    `mlp_features`. The target is `(Tq, f)` and the memory `(Tk, f)`: any length, but
    the target's features, as in the original Transformer and PyTorch's
    `TransformerDecoderLayer` (a model whose encoder is narrower projects it first).
    `heads` must divide `f`. The result is `(Tq, f)`.

    Example:
        >>> TransformerDecoderBlockHyper(heads=4, mlp_features=128).output_shape(Shape.of(16, 64), Shape.of(20, 64))
        (16, 64)
    """

    layer: ClassVar[str] = "TransformerDecoderBlock"
    arity: ClassVar[int | None] = 2
    heads: Size
    mlp_features: Size
    dropout_rate: float = 0.0
    epsilon: float = 1e-6

    def __post_init__(self) -> None:
        self.positive("mlp_features")
        try:
            self.self_attention()
        except HyperparameterError as error:
            raise self.fail(error.message.partition(": ")[2], hint=error.hint) from None

    def self_attention(self) -> MultiHeadAttentionHyper:
        """The block's causal self-attention: as many features out as in."""
        return MultiHeadAttentionHyper(heads=self.heads, causal=True, dropout_rate=self.dropout_rate)

    def cross_attention(self) -> MultiHeadAttentionHyper:
        """The block's attention to the memory: the target's features out."""
        return MultiHeadAttentionHyper(heads=self.heads, dropout_rate=self.dropout_rate)

    def rule(self, *inputs: Shape) -> Shape:
        x, memory = inputs
        try:
            self.self_attention().rule(x)  # (sequence, features) with heads dividing the features
        except ShapeError as error:
            hint = "use a number of heads that divides the features" if "heads" in error.expected else error.hint
            raise ShapeError(self.describe(), error.expected, error.actual, hint=hint) from None
        found = memory.ranked(2)
        if found is None:
            raise ShapeError(
                self.describe(),
                "a (sequence, features) memory (its second input: the encoder's output)",
                repr(memory),
                hint="pass the encoder's (sequence, features) output as the memory",
            )
        _, features = self.layout(x, ("sequence", "features"))  # the attention's rule accepted it above
        memory_features = found[1]
        if same_size(features, memory_features) is False:
            raise ShapeError(
                self.describe(),
                f"a memory with the target's features ({features!r})",
                listed((x, memory)),
                hint=f"project the encoder's output to {features!r} features first, e.g. with nn.Dense({features!r})",
            )
        return x
