"""LSTM, GRU and Bidirectional: recurrent layers over the first axis of (sequence, features) inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, Unknown, is_known
from ._hyper import Hyper

MERGES = ("concat", "sum", "mean", "mul")
"""How Bidirectional joins its two directions (Keras's `merge_mode`)."""

_SEQUENCE_HINT = "a recurrent layer steps through the first axis; Reshape to (sequence, features) first"


@dataclass(frozen=True, kw_only=True)
class RecurrentHyper(Hyper):
    """The hyperparameters every recurrent layer shares, and their one rule.

    A (sequence, features) input gives (sequence, units), or (units,) with
    `return_sequences=False` (the last step's output only). The sequence length may be
    a named `Dim`: the layer runs at any length.
    """

    units: Size
    return_sequences: bool = True
    reverse: bool = False

    def __post_init__(self) -> None:
        self.positive("units")
        for name in ("return_sequences", "reverse"):
            value = getattr(self, name)
            if is_known(value) and not isinstance(value, bool):
                raise self.fail(f"{name} must be True or False, but is {value!r}")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        length, _ = self.layout(x, ("sequence", "features"), hint=_SEQUENCE_HINT)
        if not is_known(self.return_sequences):
            return Shape.anything()  # the rank itself is unknown (a bool mypy cannot see)
        return Shape.of(length, self.units) if self.return_sequences else Shape.of(self.units)


@dataclass(frozen=True, kw_only=True)
class LSTMHyper(RecurrentHyper):
    """`LSTM(units, return_sequences=, reverse=)`.

    Example:
        >>> LSTMHyper(units=32).output_shape(Shape.of(10, 8))
        (10, 32)
        >>> LSTMHyper(units=32, return_sequences=False).output_shape(Shape.of(10, 8))
        (32,)
    """

    layer: ClassVar[str] = "LSTM"


@dataclass(frozen=True, kw_only=True)
class GRUHyper(RecurrentHyper):
    """`GRU(units, return_sequences=, reverse=)`.

    Example:
        >>> GRUHyper(units=16, reverse=True).output_shape(Shape.of(7, 3))
        (7, 16)
    """

    layer: ClassVar[str] = "GRU"


@dataclass(frozen=True, kw_only=True)
class BidirectionalHyper(Hyper):
    """`Bidirectional(wrapped, merge=)`: a recurrent layer run forwards and backwards.

    The backward copy reads the sequence from its end (its outputs kept in input order)
    with weights of its own; `merge` joins the two outputs: ``"concat"`` doubles the
    features, ``"sum"``, ``"mean"`` and ``"mul"`` keep them. The field holds the wrapped
    layer's hyperparameters (not the layer), so it is frozen data like any other.

    Example:
        >>> BidirectionalHyper(wrapped=LSTMHyper(units=64)).output_shape(Shape.of(10, 8))
        (10, 128)
        >>> BidirectionalHyper(wrapped=GRUHyper(units=4, return_sequences=False), merge="sum").output_shape(
        ...     Shape.of(10, 8)
        ... )
        (4,)
    """

    layer: ClassVar[str] = "Bidirectional"
    # `Unknown` only at check time, for a wrapped layer whose type does not state it.
    wrapped: LSTMHyper | GRUHyper | Unknown
    merge: str = "concat"

    def __post_init__(self) -> None:
        if is_known(self.wrapped) and not isinstance(self.wrapped, RecurrentHyper):
            raise self.fail(
                f"wrapped must be an LSTM or a GRU, but is {_named(self.wrapped)}",
                hint="Bidirectional runs a recurrent layer in both directions, e.g. nn.Bidirectional(nn.LSTM(64))",
            )
        self.one_of("merge", MERGES)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        self.layout(x, ("sequence", "features"), hint=_SEQUENCE_HINT)
        if isinstance(self.wrapped, Unknown):
            return Shape.anything()
        y = self.wrapped.output_shape(x)
        if self.merge != "concat":
            return y if self.merge in MERGES else y.with_last(UNKNOWN)
        return y.with_last(2 * y.last if isinstance(y.last, int) else UNKNOWN)


def _named(value: object) -> str:
    return value.describe() if isinstance(value, Hyper) else repr(value)
