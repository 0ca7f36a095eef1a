"""Pydantic's validation errors as typednn errors at the spec file's line and column."""

from __future__ import annotations

import typing
from typing import Any, NoReturn

import pydantic

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
        if problem["type"] == "extra_forbidden":
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
