"""MultiHeadAttention: self- or cross-attention over the first axis of (sequence, features) inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size, listed, same_size
from ._errors import ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class MultiHeadAttentionHyper(Hyper):
    """`MultiHeadAttention(heads, qkv_features=, out_features=, causal=, use_bias=, dropout_rate=)`.

    Applied to one (sequence, features) input, each of its positions attends to every
    position (to the earlier ones and itself when `causal`): self-attention. Applied to
    a `(Tq, f)` query and a `(Tk, g)` context, each query position attends to the
    context's positions, which give the keys and the values: cross-attention.
    Queries, keys and values have `qkv_features` features (the query's by default),
    split evenly over `heads`; the output has `out_features` features (the query's by
    default). The query's length passes through unchanged, a named `Dim` included.
    `causal` with a context needs one as long as the query (position i attends to the
    context's positions j <= i).

    Example:
        >>> MultiHeadAttentionHyper(heads=8).output_shape(Shape.of(10, 64))
        (10, 64)
        >>> MultiHeadAttentionHyper(heads=4, qkv_features=32, out_features=16).output_shape(Shape.of(10, 64))
        (10, 16)
        >>> MultiHeadAttentionHyper(heads=4).output_shape(Shape.of(10, 64), Shape.of(7, 48))
        (10, 64)
    """

    layer: ClassVar[str] = "MultiHeadAttention"
    optional_inputs: ClassVar[int] = 1  # the context: keys and values come from it
    heads: Size
    qkv_features: Size | None = None
    out_features: Size | None = None
    causal: bool = False
    use_bias: bool = True
    dropout_rate: float = 0.0

    def __post_init__(self) -> None:
        self.positive("heads")
        self.positive("qkv_features", "out_features", allow_none=True)
        qkv, heads = self.qkv_features, self.heads
        if isinstance(qkv, int) and isinstance(heads, int) and qkv % heads:
            raise self.fail(
                f"qkv_features ({qkv}) must be divisible by heads ({heads})",
                hint="each head takes an equal share of the query, key and value features",
            )
        rate = self.dropout_rate
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and not 0 <= rate < 1:
            raise self.fail(f"dropout_rate must be in [0, 1), but is {rate!r}")

    def rule(self, *inputs: Shape) -> Shape:
        x, *context = inputs
        length, features = self.layout(
            x,
            ("sequence", "features"),
            hint="attention mixes the positions of the first axis; Reshape to (sequence, features) first",
        )
        qkv = features if self.qkv_features is None else self.qkv_features
        if isinstance(qkv, int) and isinstance(self.heads, int) and qkv % self.heads:
            # Only a defaulted qkv_features gets here: a given one was checked at construction.
            raise ShapeError(
                self.describe(),
                f"qkv_features ({qkv}, the input features) divisible by heads ({self.heads})",
                repr(x),
                hint=f"give qkv_features= a multiple of {self.heads}, or a number of heads that divides {qkv}",
            )
        if context:
            self._check_context(x, context[0], length)
        return Shape.of(length, features if self.out_features is None else self.out_features)

    def _check_context(self, x: Shape, context: Shape, length: Size) -> None:
        """A context is (sequence, features) of any length and features; as long as the query when causal."""
        found = context.ranked(2)
        if found is None:
            raise ShapeError(
                self.describe(),
                "a (sequence, features) context (its second input, which gives the keys and values)",
                repr(context),
                hint="the context is a sequence as the query is; Reshape it to (sequence, features) first",
            )
        if self.causal and same_size(length, found[0]) is False:
            raise ShapeError(
                self.describe(),
                "a context as long as the query (causal attends to positions j <= i of both)",
                listed((x, context)),
                hint="drop causal=True for cross-attention to a context of another length",
            )
