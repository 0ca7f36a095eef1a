"""Numeric column transforms: standardize and min-max scale (fitted), clip and log (not fitted)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..._errors import TypednnError
from ._base import Array, Transform, Where, numbers


def _width(values: Array, known: tuple[float, ...], where: Where, kind: str) -> None:
    if values.shape[1] != len(known):
        raise TypednnError(
            f"{where(0)}: {kind}() was fitted on {len(known)} values a row, but receives {values.shape[1]}",
            hint="apply the steps in the order they were fitted",
        )


@dataclass(frozen=True)
class Standardize(Transform):
    """`(x - mean) / std`, mean and standard deviation fitted on the training rows (Keras's Normalization).

    A constant column has std 1 (it maps to 0), rather than dividing by zero.
    """

    kind = "standardize"
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    @property
    def fitted(self) -> bool:
        return self.mean is not None

    def fit(self, values: Array, where: Where) -> Standardize:
        x = numbers(values, where, f"{self.kind}()")
        std = x.std(axis=0)
        return replace(self, mean=tuple(map(float, x.mean(axis=0))), std=tuple(float(s) if s > 0 else 1.0 for s in std))

    def apply(self, values: Array, where: Where) -> Array:
        if self.mean is None or self.std is None:
            raise self.unfitted()
        x = numbers(values, where, f"{self.kind}()")
        _width(x, self.mean, where, self.kind)
        result: Array = (x - np.asarray(self.mean)) / np.asarray(self.std)
        return result

    def state(self) -> dict[str, Any]:
        return {"mean": list(self.mean or ()), "std": list(self.std or ())}


@dataclass(frozen=True)
class MinMax(Transform):
    """`(x - min) / (max - min)`, the training rows' range mapped to 0..1 (a constant column to 0)."""

    kind = "min_max"
    low: tuple[float, ...] | None = None
    high: tuple[float, ...] | None = None

    @property
    def fitted(self) -> bool:
        return self.low is not None

    def fit(self, values: Array, where: Where) -> MinMax:
        x = numbers(values, where, f"{self.kind}()")
        return replace(self, low=tuple(map(float, x.min(axis=0))), high=tuple(map(float, x.max(axis=0))))

    def apply(self, values: Array, where: Where) -> Array:
        if self.low is None or self.high is None:
            raise self.unfitted()
        x = numbers(values, where, f"{self.kind}()")
        _width(x, self.low, where, self.kind)
        low, high = np.asarray(self.low), np.asarray(self.high)
        span = np.where(high > low, high - low, 1.0)
        result: Array = (x - low) / span
        return result

    def state(self) -> dict[str, Any]:
        return {"low": list(self.low or ()), "high": list(self.high or ())}


@dataclass(frozen=True)
class Clip(Transform):
    """Values limited to `low..high` (nothing to fit)."""

    kind = "clip"
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low <= self.high):
            raise TypednnError(
                f"clip({self.low}, {self.high}): the limits must be finite numbers with low <= high",
                hint="e.g. clip(0, 100)",
            )

    def apply(self, values: Array, where: Where) -> Array:
        return np.clip(numbers(values, where, f"{self.kind}()"), self.low, self.high)

    def state(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class Log(Transform):
    """`log(1 + x)` (log1p), for counts and skewed amounts; values must be > -1 (nothing to fit)."""

    kind = "log"

    def apply(self, values: Array, where: Where) -> Array:
        x = numbers(values, where, f"{self.kind}()")
        low = (x <= -1).any(axis=1)
        if low.any():
            bad = int(np.argmax(low))
            raise TypednnError(
                f"{where(bad)}: log() takes values above -1 (it computes log(1 + x)), found {x[bad].tolist()}",
                hint="clip the column first, e.g. [clip(0, 1e9), log()]",
            )
        result: Array = np.log1p(x)
        return result

    def state(self) -> dict[str, Any]:
        return {}


def standardize() -> Standardize:
    """Scale a numeric column to mean 0 and standard deviation 1 on the training rows."""
    return Standardize()


def min_max() -> MinMax:
    """Scale a numeric column to 0..1 by the training rows' smallest and largest value."""
    return MinMax()


def clip(low: float, high: float) -> Clip:
    """Limit a numeric column to `low..high`."""
    return Clip(float(low), float(high))


def log() -> Log:
    """`log(1 + x)` of a numeric column of values above -1."""
    return Log()
