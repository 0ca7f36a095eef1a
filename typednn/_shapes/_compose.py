"""Layers applied in sequence: each rule in turn, errors naming where the input was shaped."""

from __future__ import annotations

from collections.abc import Sequence

from ._dims import Shape
from ._errors import ShapeError
from ._hyper import Hyper


def compose(chain: Sequence[Hyper], x: Shape) -> Shape:
    """The output shape of `chain` applied to `x`, as `a >> b >> c` does.

    Raises:
        ShapeError: naming the failing layer and the last layer before it that shaped
            its input (activations and dropout keep shapes, so they are skipped).
    """
    previous: Hyper | None = None  # the last layer that changed the shape
    for hyper in chain:
        try:
            y = hyper.output_shape(x)
        except ShapeError as error:
            if previous is None:
                raise
            raise ShapeError(
                error.layer, error.expected, f"{error.actual} from {previous.describe()}", hint=error.hint
            ) from None
        previous = hyper if y != x else previous
        x = y
    return x
