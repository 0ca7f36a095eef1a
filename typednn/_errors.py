"""The root of every error typednn shows to a user.

This module imports nothing, so the mypy plugin and the jax-free shape rules can
raise the same errors that the runtime raises.
"""

from __future__ import annotations


class TypednnError(Exception):
    """A user-facing error: what went wrong, where, expected vs actual, and a hint.

    Args:
        message: What went wrong, naming the layer, file or data row involved.
        hint: How to fix it; printed on its own line after the message.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message
