"""LSTM, GRU and Bidirectional: recurrent layers over the first axis of (sequence, features) inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, Unknown, is_known, same_size
from ._errors import ShapeError
from ._hyper import Hyper

MERGES = ("concat", "sum", "mean", "mul")
"""How Bidirectional joins its two directions (Keras's `merge_mode`)."""

_SEQUENCE_HINT = "a recurrent layer steps through the first axis; Reshape to (sequence, features) first"


@dataclass(frozen=True, kw_only=True)
class RecurrentHyper(Hyper):
    """The hyperparameters every recurrent layer shares, and their one rule.

    A (sequence, features) input gives (sequence, units), or (units,) with
    `return_sequences=False` (the last step's output only). The sequence length may be
    a named `Dim`: the layer runs at any length. The state, each part `(units,)`, may
    follow the input (`initial_state`: all its parts or none), and with `return_state`
    the layer also gives its final state (`state_shapes`).
    """

    states: ClassVar[tuple[str, ...]]
    """The names of the state's parts, in Keras's order: `h` and `c` for an LSTM."""
    units: Size
    return_sequences: bool = True
    reverse: bool = False
    return_state: bool = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.optional_inputs = len(getattr(cls, "states", ()))  # the initial state's parts

    def __post_init__(self) -> None:
        self.positive("units")
        self.boolean("return_sequences", "reverse", "return_state")

    def rule(self, *inputs: Shape) -> Shape:
        x, *initial = inputs
        length, _ = self.layout(x, ("sequence", "features"), hint=_SEQUENCE_HINT)
        if initial:
            self._check_initial(initial)
        if not is_known(self.return_sequences):
            return Shape.anything()  # the rank itself is unknown (a bool mypy cannot see)
        return Shape.of(length, self.units) if self.return_sequences else Shape.of(self.units)

    def _check_initial(self, initial: list[Shape]) -> None:
        state = self.state_shapes()
        if len(initial) != len(state):
            raise ShapeError(
                self.describe(),
                f"an initial state of {len(state)} part(s) ({', '.join(self.states)})",
                f"{len(initial)}",
                hint="pass initial_state=(h, c) to an LSTM, initial_state=(h,) to a GRU",
            )
        for name, want, got in zip(self.states, state, initial):
            if got.ranked(1) is None or same_size(got.last, self.units) is False:
                raise ShapeError(
                    self.describe(),
                    f"an initial state {name} of shape {want!r}",
                    repr(got),
                    hint="a recurrent layer's state has `units` features: pass the state of a layer with as many units",
                )

    def state_shapes(self) -> tuple[Shape, ...]:
        """The shape of each part of the state (`states`): `(units,)`."""
        return tuple(Shape.of(self.units) for _ in self.states)

    def output_shapes(self, *inputs: Shape) -> tuple[Shape, ...]:
        """What a call gives: the output, then the final state's parts with `return_state`.

        Example:
            >>> LSTMHyper(units=8, return_state=True).output_shapes(Shape.of(5, 3))
            ((5, 8), (8,), (8,))
        """
        output = self.output_shape(*inputs)
        return (output, *self.state_shapes()) if self.return_state is True else (output,)


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
    states: ClassVar[tuple[str, ...]] = ("h", "c")


@dataclass(frozen=True, kw_only=True)
class GRUHyper(RecurrentHyper):
    """`GRU(units, return_sequences=, reverse=, recurrent_bias=)`.

    `recurrent_bias` adds a bias to the candidate's recurrent term, inside the reset
    gate (Keras's `reset_after=True` bias): a parameter, never a shape.

    Example:
        >>> GRUHyper(units=16, reverse=True).output_shape(Shape.of(7, 3))
        (7, 16)
    """

    layer: ClassVar[str] = "GRU"
    states: ClassVar[tuple[str, ...]] = ("h",)
    recurrent_bias: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.boolean("recurrent_bias")


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
        if isinstance(self.wrapped, RecurrentHyper) and self.wrapped.return_state is True:
            raise self.fail(
                "the wrapped layer cannot return its state here",
                hint="run the two directions as two layers (reverse=True for one) to get each one's state",
            )

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


@dataclass(frozen=True, kw_only=True)
class OutputPartHyper(Hyper):
    """One of the outputs of a recurrent layer called with `return_state=True`.

    The layer's node gives `(output, *state)` together; a part picks one: `index` 0 is
    the output (the shape the layer's rule gives), 1... the state's parts, `(units,)`.

    Example:
        >>> OutputPartHyper(of=LSTMHyper(units=8, return_state=True), index=2).output_shape(Shape.of(5, 8))
        (8,)
    """

    layer: ClassVar[str] = "OutputPart"
    of: LSTMHyper | GRUHyper
    index: int

    @property
    def part(self) -> str:
        """The part's name: `""` for the output, else the state's part (`h`, `c`)."""
        return ("", *self.of.states)[self.index]

    def describe(self) -> str:
        return f"{self.of.describe()}.{self.part or 'output'}"

    def rule(self, *inputs: Shape) -> Shape:
        (whole,) = inputs
        return whole if self.index == 0 else self.of.state_shapes()[self.index - 1]
