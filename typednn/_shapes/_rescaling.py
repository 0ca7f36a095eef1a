"""Rescaling and Normalization: fixed affine maps of the input (Keras's preprocessing layers), shape kept."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, is_known, same_size
from ._errors import ShapeError
from ._hyper import Hyper

NORMALIZATION_EPSILON = 1e-7
"""The least standard deviation `Normalization` divides by: Keras's `backend.epsilon()`, as its layer uses it."""

PerChannel = float | tuple[float, ...]
"""One value for every input value, or one per entry of the input's last axis (its channels)."""


class _PerChannelHyper(Hyper):
    """The checks of hyperparameters that are a float or one float per channel (the last axis)."""

    def check_values(self, *names: str) -> None:
        """Each named field is a number or a non-empty tuple of them; tuples given together agree in length.

        A list (a Python user's habit, as in Keras) is kept as the tuple it stands for, so
        the hyperparameters stay hashable and write to files as the same list.
        """
        lengths: dict[str, int] = {}
        for name in names:
            value = getattr(self, name)
            if isinstance(value, list):
                value = tuple(value)
                object.__setattr__(self, name, value)  # frozen: the one normalisation, before any use
            items = value if isinstance(value, tuple) else (value,)
            if not items or not all(_number(item) for item in items):
                raise self.fail(
                    f"{name} must be a float or a tuple of floats (one per channel), but is {value!r}",
                    hint=f"e.g. {name}=0.5, or {name}=(0.5, 0.5, 0.5) for an RGB image",
                )
            if isinstance(value, tuple):
                lengths[name] = len(value)
        if len(set(lengths.values())) > 1:
            given = " and ".join(f"{n} has {count}" for n, count in lengths.items())
            raise self.fail(f"per-channel values must agree in length, but {given}", hint="give one per channel")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        for name, value in self.values().items():
            if not isinstance(value, tuple):
                continue
            if (not x.open and not x.dims) or same_size(x.last, len(value)) is False:
                raise ShapeError(
                    self.describe(),
                    f"an input whose last axis has {len(value)} entries (one {name} value each)",
                    repr(x),
                    hint=f"give {name} one value per entry of the last axis, or one float for all",
                )
        return x


def _number(value: object) -> bool:
    """A finite int or float (not a bool); unknown at check time (mypy has no float literals) passes."""
    if not is_known(value):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, kw_only=True)
class RescalingHyper(_PerChannelHyper):
    """`Rescaling(scale, offset=)`: `x * scale + offset`, Keras's `Rescaling` (e.g. `scale=1 / 255`).

    Example:
        >>> RescalingHyper(scale=1 / 127.5, offset=-1.0).output_shape(Shape.of(224, 224, 3))
        (224, 224, 3)
    """

    layer: ClassVar[str] = "Rescaling"
    scale: PerChannel
    offset: PerChannel = 0.0

    def __post_init__(self) -> None:
        self.check_values("scale", "offset")


@dataclass(frozen=True, kw_only=True)
class NormalizationHyper(_PerChannelHyper):
    """`Normalization(mean=, variance=, invert=)`: `(x - mean) / max(sqrt(variance), 1e-7)`, Keras's.

    The statistics are given, not learnt (Keras's `Normalization(mean=, variance=)`, or
    one whose `adapt` has run): per channel, or one for all. `invert` maps normalized
    values back, `mean + x * max(sqrt(variance), 1e-7)`.

    Example:
        >>> NormalizationHyper(mean=(0.5, 0.4, 0.3), variance=(0.1, 0.1, 0.2)).output_shape(Shape.of(32, 32, 3))
        (32, 32, 3)
    """

    layer: ClassVar[str] = "Normalization"
    mean: PerChannel
    variance: PerChannel
    invert: bool = False

    def __post_init__(self) -> None:
        self.check_values("mean", "variance")
        self.boolean("invert")
        variance = self.variance if isinstance(self.variance, tuple) else (self.variance,)
        if any(is_known(v) and v < 0 for v in variance):
            raise self.fail(
                f"variance must not be negative, but is {self.variance!r}",
                hint="pass the variance (the squared standard deviation), as Keras's Normalization takes it",
            )
