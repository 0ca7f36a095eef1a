"""TransformerEncoderBlock: self-attention and a feed-forward network, each residual; the shape stays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._attention import MultiHeadAttentionHyper
from ._dims import Shape, Size
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
