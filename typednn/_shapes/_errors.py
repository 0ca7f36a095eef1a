"""Errors raised by shape rules and hyperparameter validation."""

from __future__ import annotations

from .._errors import TypednnError


class ShapeError(TypednnError):
    """A layer received a tensor whose shape it cannot take.

    Args:
        layer: The layer, as written (e.g. ``Dense(64 -> 10)``).
        expected: What the layer expects (e.g. ``64 input features``).
        actual: The shape it receives (e.g. ``(128,)``).
        hint: How to fix it.
        where: The layer's path in a model, or a spec file location.
    """

    def __init__(
        self, layer: str, expected: str, actual: str, *, hint: str | None = None, where: str | None = None
    ) -> None:
        self.layer = layer
        self.expected = expected
        self.actual = actual
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{layer} expects {expected}, but receives {actual}", hint=hint)

    def at(self, where: str) -> ShapeError:
        """The same error, located at `where` (a layer path or a file position)."""
        return ShapeError(self.layer, self.expected, self.actual, hint=self.hint, where=where)


class HyperparameterError(TypednnError):
    """A layer was constructed with a hyperparameter it cannot have."""
