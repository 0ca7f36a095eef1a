"""Permute and RepeatVector: an example's axes reordered, or a vector repeated along a new axis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Symbol, Unknown, too_large, too_large_message
from ._errors import ShapeError
from ._hyper import Hyper
from ._resize import Count

_DIMS_HINT = "dims lists each axis of an example once, counted from 1 (the batch axis is not listed): e.g. (2, 1)"


@dataclass(frozen=True, kw_only=True)
class PermuteHyper(Hyper):
    """`Permute(dims)`: the axes of each example reordered, as Keras's layer.

    `dims` is a permutation of 1..rank: output axis i is input axis ``dims[i]``, counted
    from 1 with the batch axis left out (it never moves). Named sizes move with their axes.

    Example:
        >>> PermuteHyper(dims=(2, 1, 3)).output_shape(Shape.of(4, 5, 6))
        (5, 4, 6)
    """

    layer: ClassVar[str] = "Permute"
    dims: tuple[Count, ...] | Unknown

    def __post_init__(self) -> None:
        value: object = self.dims
        if isinstance(value, Unknown):  # a tuple from a runtime variable: nothing to check yet
            return
        items = value if isinstance(value, tuple) else ()
        if not items or not all(isinstance(d, Unknown) or (type(d) is int) for d in items):
            raise self.fail(f"dims must be a non-empty tuple of ints, but is {value!r}", hint=_DIMS_HINT)
        for item in items:
            if too_large(item):
                raise self.fail(too_large_message("dims", item), hint=_DIMS_HINT)
        known = [d for d in items if isinstance(d, int)]
        if any(not 1 <= d <= len(items) for d in known) or len(set(known)) != len(known):
            raise self.fail(f"dims must be a permutation of 1..{len(items)}, but is {value!r}", hint=_DIMS_HINT)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        if isinstance(self.dims, Unknown):
            return Shape.anything()
        rank = len(self.dims)
        found = x.ranked(rank)
        if found is None:
            raise ShapeError(
                self.describe(), f"an input of {rank} axes (one per entry of dims)", repr(x), hint=_DIMS_HINT
            )
        return Shape(tuple(found[d - 1] if isinstance(d, int) else UNKNOWN for d in self.dims))


@dataclass(frozen=True, kw_only=True)
class RepeatVectorHyper(Hyper):
    """`RepeatVector(n)`: each feature vector repeated `n` times, (features,) to (n, features).

    Keras's layer, as a sequence decoder's input: the encoder's summary once per step.

    Example:
        >>> RepeatVectorHyper(n=3).output_shape(Shape.of(32))
        (3, 32)
    """

    layer: ClassVar[str] = "RepeatVector"
    n: Count

    def __post_init__(self) -> None:
        self.positive("n")
        if isinstance(self.n, Symbol):
            raise self.fail(
                f"n must be a positive int, but is {self.n!r}",
                hint="the number of repeats is fixed when the model is written; a tn.Dim varies with the data",
            )

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        (features,) = self.layout(
            x, ("features",), hint="RepeatVector takes one vector per example; flatten or pool the input first"
        )
        return Shape.of(self.n, features)
