"""TimeDistributed: a layer applied to each step of the first axis, with one set of weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Unknown, is_known
from ._errors import HyperparameterError, ShapeError
from ._hyper import Hyper
from ._norm import BatchNormHyper


@dataclass(frozen=True, kw_only=True)
class TimeDistributedHyper(Hyper):
    """`TimeDistributed(wrapped)`: Keras's wrapper, the wrapped layer's rule on each step.

    A (steps, *rest) input gives (steps, *rule(rest)), where `rule` is the wrapped layer's:
    the layer sees one step at a time and its weights are shared by all steps. The field
    holds the wrapped layer's hyperparameters (not the layer), as `BidirectionalHyper`'s
    does, so it is frozen data like any other.

    The wrapped layer takes one input of float features and keeps no state: a merge has
    several inputs, `Embedding` takes token ids (it already maps every position), and
    BatchNorm's running statistics would mix the steps in a way Keras does not define.

    Example:
        >>> from ._dense import DenseHyper
        >>> TimeDistributedHyper(wrapped=DenseHyper(units=8)).output_shape(Shape.of(10, 4))
        (10, 8)
        >>> from ._conv import Conv2DHyper
        >>> TimeDistributedHyper(wrapped=Conv2DHyper(filters=16, kernel=3)).output_shape(Shape.of(5, 28, 28, 1))
        (5, 26, 26, 16)
    """

    layer: ClassVar[str] = "TimeDistributed"
    # `Unknown` only at check time, for a wrapped layer whose type does not state it.
    wrapped: Hyper | Unknown

    def __post_init__(self) -> None:
        wrapped = self.wrapped
        if not is_known(wrapped):
            return
        if not isinstance(wrapped, Hyper) or not hasattr(wrapped, "layer"):
            # Not `self.fail`: describing this layer would describe the wrapped value.
            raise HyperparameterError(f"TimeDistributed: wrapped must be a layer, but is {wrapped!r}", hint=_EXAMPLE)
        if isinstance(wrapped, TimeDistributedHyper):
            raise self.fail(
                "wrapped is a TimeDistributed already",
                hint="for two step axes, Reshape them into one, apply one TimeDistributed, and Reshape back",
            )
        if wrapped.arity != 1:
            raise self.fail(f"wrapped must take one input, but {wrapped.layer} takes several", hint=_EXAMPLE)
        if wrapped.takes_tokens:
            raise self.fail(
                f"wrapped takes token ids ({wrapped.describe()})",
                hint=f"{wrapped.layer} already maps every position: apply it to the (steps, ...) ids directly",
            )
        if isinstance(wrapped, BatchNormHyper):
            raise self.fail(
                "wrapped keeps running statistics (BatchNorm), which TimeDistributed does not carry",
                hint="apply nn.BatchNorm() to the (steps, ..., channels) tensor directly: it normalises each channel",
            )

    def describe(self) -> str:
        # `TimeDistributed(Dense(8))`, as the layer is written.
        return super().describe().replace("wrapped=", "", 1)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        if x.rank == 0:
            raise ShapeError(
                self.describe(),
                "a (steps, ...) input: a first axis of steps, each step going through the layer",
                repr(x),
                hint="TimeDistributed applies its layer to each step of the first axis; Reshape to add that axis",
            )
        if isinstance(self.wrapped, Unknown):
            return Shape.anything()
        # Of an open shape, where the steps axis lies is unknown: the step is any shape.
        step = Shape.anything() if x.open else Shape(x.dims[1:], tokens=x.tokens)
        try:
            y = self.wrapped.output_shape(step)
        except ShapeError as error:
            raise ShapeError(
                self.describe(),
                f"steps that {error.layer} takes ({error.expected})",
                f"{x!r}, whose steps are {error.actual}",
                hint=error.hint,
            ) from None
        if x.open or y.open:
            return Shape(y.dims, open=True)  # (steps, *y) with the steps among the leading unknown axes
        return Shape.of(x.dims[0], *y.dims)


_EXAMPLE = "TimeDistributed wraps one layer, e.g. nn.TimeDistributed(nn.Dense(8)) on (steps, features) inputs"
