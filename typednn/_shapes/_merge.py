"""Merges of several tensors: elementwise add and multiply, and concatenation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import UNKNOWN, Shape, Size, either, listed, plus, same_size
from ._errors import ShapeError
from ._hyper import Hyper


@dataclass(frozen=True, kw_only=True)
class AddHyper(Hyper):
    """`a + b`: elementwise sum of tensors of one shape (no broadcasting).

    Example:
        >>> AddHyper().output_shape(Shape.of(32, 32, 16), Shape.of(32, 32, 16))
        (32, 32, 16)
    """

    layer: ClassVar[str] = "Add"
    arity: ClassVar[int | None] = None

    def describe(self) -> str:
        return "Add"

    def rule(self, *inputs: Shape) -> Shape:
        return equal_shapes(
            self.describe(),
            inputs,
            rank_hint="add only equal shapes",
            size_hint="project the shortcut (e.g. a 1x1 Conv2D with the same stride) so both paths agree",
        )


@dataclass(frozen=True, kw_only=True)
class MultiplyHyper(Hyper):
    """`Multiply()(a, b)`: elementwise product of tensors of one shape (no broadcasting), Keras's `Multiply`.

    Example:
        >>> MultiplyHyper().output_shape(Shape.of(8, 8, 16), Shape.of(8, 8, 16))
        (8, 8, 16)
    """

    layer: ClassVar[str] = "Multiply"
    arity: ClassVar[int | None] = None

    def describe(self) -> str:
        return "Multiply"

    def rule(self, *inputs: Shape) -> Shape:
        # Keras's Multiply broadcasts a (1, 1, C) gate over an image; typednn's, like Add, does not.
        hint = "multiply only equal shapes: Multiply does not broadcast, so give a gate the features' shape"
        return equal_shapes(self.describe(), inputs, rank_hint=hint, size_hint=hint)


def equal_shapes(layer: str, inputs: tuple[Shape, ...], *, rank_hint: str, size_hint: str) -> Shape:
    """The one shape of elementwise merged inputs (`Add`, `Multiply`); a `ShapeError` naming `layer` if they differ."""
    closed = [x for x in inputs if not x.open]
    rank = len(closed[0].dims) if closed else max(len(x.dims) for x in inputs)
    if any(len(x.dims) != rank for x in closed) or any(len(x.dims) > rank for x in inputs):
        raise ShapeError(layer, "inputs of equal shape", listed(inputs), hint=rank_hint)
    out: list[Size] = [UNKNOWN] * rank
    for x in inputs:
        for axis, size in zip(range(rank - len(x.dims), rank), x.dims):
            if same_size(out[axis], size) is False:
                raise ShapeError(layer, "inputs of equal shape", listed(inputs), hint=size_hint)
            out[axis] = either(out[axis], size)
    return Shape(tuple(out), open=not closed)


@dataclass(frozen=True, kw_only=True)
class ConcatenateHyper(Hyper):
    """`concat(*tensors, axis=)`: tensors joined along one axis; the others must agree.

    Example:
        >>> ConcatenateHyper(axis=-1).output_shape(Shape.of(10, 300), Shape.of(10, 484))
        (10, 784)
    """

    layer: ClassVar[str] = "Concatenate"
    arity: ClassVar[int | None] = None
    axis: int = -1

    def __post_init__(self) -> None:
        self.integer("axis")

    def rule(self, *inputs: Shape) -> Shape:
        if any(x.open for x in inputs) or not isinstance(self.axis, int):
            return Shape.anything()
        rank = len(inputs[0].dims)
        if any(len(x.dims) != rank for x in inputs):
            raise ShapeError(self.describe(), "inputs of equal rank", listed(inputs))
        if not -rank <= self.axis < rank:
            raise ShapeError(self.describe(), f"inputs with an axis {self.axis}", listed(inputs))
        axis = self.axis % rank
        out: list[Size] = list(inputs[0].dims)
        total: Size = 0
        for x in inputs:
            for other, size in enumerate(x.dims):
                if other == axis:
                    continue
                if same_size(out[other], size) is False:
                    raise ShapeError(self.describe(), f"equal sizes on every axis but {self.axis}", listed(inputs))
                out[other] = either(out[other], size)
            size = x.dims[axis]
            total = plus(total, size)  # `Seq + 4`, `Seq * 2`: exact while one symbol is involved
        out[axis] = total
        return Shape(tuple(out))
