"""Errors of a request that are not about its values: their HTTP status travels with them."""

from __future__ import annotations

from .._errors import TypednnError

BAD_VALUES = 422
"""The status of any other `TypednnError` a request causes: its values do not fit the model."""


class RequestError(TypednnError):
    """A request refused before its values are read: not JSON (400), too large (413), a media type (415).

    Args:
        status: The HTTP status code.
        message: What is wrong.
        hint: How to fix it.
    """

    def __init__(self, status: int, message: str, *, hint: str | None = None) -> None:
        self.status = status
        super().__init__(message, hint=hint)


def status_of(error: TypednnError) -> int:
    """The HTTP status of a refused request."""
    return error.status if isinstance(error, RequestError) else BAD_VALUES
