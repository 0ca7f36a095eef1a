"""The root of every error typednn shows to a user.

This module imports nothing of typednn or JAX, so the mypy plugin and the jax-free shape rules can
raise the same errors that the runtime raises.
"""

from __future__ import annotations

from collections.abc import Sequence


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


def all_errors(problems: Sequence[TypednnError]) -> TypednnError:
    """One error for several found in one file: each message and its hint, in order.

    A lone error is returned as it is, so its type and words stay what they were; a hint
    that every error shares is given once, after them.
    """
    if len(problems) == 1:
        return problems[0]
    if len({problem.hint for problem in problems}) == 1:
        return TypednnError("\n".join(problem.message for problem in problems), hint=problems[0].hint)
    return TypednnError("\n".join(str(problem) for problem in problems))
