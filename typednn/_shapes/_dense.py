"""Dense: a linear map over the last axis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, Size, same_size
from ._elementwise import check_activation
from ._errors import ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class DenseHyper(Hyper):
    """`Dense(out)` or `Dense(in, out)`: maps the last axis from `in` to `out` features.

    `activation` (Keras's argument) names a function applied after the map, as an
    `Activation` layer after it would be; it never changes the shape.

    Example:
        >>> DenseHyper(in_features=784, units=128).output_shape(Shape.of(784))
        (128,)
    """

    layer: ClassVar[str] = "Dense"
    in_features: Size | None = None
    units: Size
    use_bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        self.positive("units")
        self.positive("in_features", allow_none=True)
        check_activation(self)

    def describe(self) -> str:
        # The activation only when given, so that every other message reads as before.
        activation = "" if self.activation is None else f", activation={self.activation!r}"
        if self.in_features is None:
            return f"Dense({self.units!r}{activation})"
        return f"Dense({self.in_features!r} -> {self.units!r}{activation})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        if not x.dims and not x.open:
            raise ShapeError(self.describe(), "at least one axis", repr(x), hint="use Reshape to add a feature axis")
        if self.in_features is not None and same_size(x.last, self.in_features) is False:
            raise ShapeError(
                self.describe(),
                f"{self.in_features!r} input features",
                repr(x),
                hint=f"the previous layer gives {x.last!r} features; make them agree,"
                f" or write Dense({self.units!r}) to take whatever arrives",
            )
        return x.with_last(self.units)
