"""Layers that keep the shape: activations and dropout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape
from ._hyper import Hyper

ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid", "softmax", "silu", "elu", "leaky_relu", "log_softmax", "softplus")


@dataclass(frozen=True, kw_only=True)
class ActivationHyper(Hyper):
    """`Activation(function)`: a pointwise nonlinearity (softmax acts on the last axis)."""

    layer: ClassVar[str] = "Activation"
    function: str

    def __post_init__(self) -> None:
        self.one_of("function", ACTIVATIONS)

    def describe(self) -> str:
        return f"Activation({self.function!r})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return x


@dataclass(frozen=True, kw_only=True)
class DropoutHyper(Hyper):
    """`Dropout(rate)`: zeroes a fraction `rate` of the values while training."""

    layer: ClassVar[str] = "Dropout"
    rate: float

    def __post_init__(self) -> None:
        rate = self.rate
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and not 0 <= rate < 1:
            raise self.fail(f"rate must be in [0, 1), but is {rate!r}")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return x
