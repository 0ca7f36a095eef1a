"""Pydantic's validation errors as typednn errors at the spec file's line and column."""

from __future__ import annotations

import typing
from typing import Any, NoReturn

import pydantic
from pydantic_core import PydanticCustomError

from .._errors import TypednnError
from .._words import did_you_mean, show
from ._text import Document, Path


def raise_validation(
    error: pydantic.ValidationError, document: Document, prefix: Path, model: type[pydantic.BaseModel]
) -> NoReturn:
    """Raise one TypednnError listing every problem pydantic found, each at its position.

    Args:
        error: What pydantic found.
        document: The spec file.
        prefix: Where the validated value sits in the document.
        model: The model that validated it (for the names an unknown key may mean).
    """
    lines = []
    hint = None
    for problem in error.errors():
        loc = tuple(part for part in problem["loc"] if isinstance(part, (str, int)))
        path = (*prefix, *loc)
        dotted = ".".join(str(part) for part in path if isinstance(part, str)) or "the file"
        if problem["type"] == LOCATED:
            context = problem.get("ctx", {})
            at = (*path, *context.get("at", ()))
            dotted = ".".join(str(part) for part in at if isinstance(part, str)) or "the file"
            lines.append(f"{document.where(at, key=context.get('key', False))}: {dotted}: {context['message']}")
            hint = hint or context.get("hint")
        elif problem["type"] in _RANGE:
            message = problem["msg"][0].lower() + problem["msg"][1:]
            lines.append(f"{document.where(path)}: {dotted}: {message}, not {show(problem['input'])}")
            hint = hint or "`typednn schema` gives the range of every option"
        elif problem["type"] == "extra_forbidden":
            known = _fields(model, loc[:-1])
            lines.append(
                f"{document.where(path, key=True)}: {dotted}: unknown option {loc[-1]!r}{did_you_mean(loc[-1], known)}"
            )
            hint = hint or (f"the options here are {', '.join(known)}" if known else None)
        elif problem["type"] == "missing":
            lines.append(f"{document.where(path[:-1])}: {dotted} is missing")
        else:
            message = problem["msg"][0].lower() + problem["msg"][1:]
            lines.append(f"{document.where(path)}: {dotted}: {message}, not {show(problem['input'])}")
    raise TypednnError("\n".join(lines), hint=hint)


_RANGE = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})

LOCATED = "typednn_located"
"""The type of the errors `located` makes."""


def located(
    message: str, *, at: tuple[str | int, ...] = (), key: bool = False, hint: str | None = None
) -> PydanticCustomError:
    """An error for a validator to raise, reported at a part of the value it validates.

    `raise_validation` writes it as `file:line:col: dotted.path: message`, without
    quoting the value (which may be long: a name of 100,000 characters).

    Args:
        message: What is wrong, in a message's words.
        at: The part of the validated value it is about (`("dense", "name")` in a layer
            entry); the value itself by default.
        key: Point at the key of the last part rather than its value.
        hint: How to fix it.
    """
    context: dict[str, Any] = {"message": message, "at": at, "key": key}
    if hint is not None:
        context["hint"] = hint
    return PydanticCustomError(LOCATED, "{message}", context)


def _fields(model: type[pydantic.BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The option names of the model found at `loc` inside `model`, if one is."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, pydantic.BaseModel)


def _inner_model(hint: Any) -> Any:
    if _is_model(hint):
        return hint
    return next((found for arg in typing.get_args(hint) if (found := _inner_model(arg)) is not None), None)
