"""The kinds a one-key entry may name, with options models for validation and the schema.

Optimizers and data sources are written as layers are (`_entries.py`): `adam`,
`{adam: 0.01}` or `{adam: {learning_rate: 0.01, b1: 0.8}}`. Each kind's options are a
pydantic model derived from the Python definition (a hyperparameter dataclass or a
function's signature), which gives both the validation and the JSON schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic

from .._entries import expand
from .._errors import TypednnError
from ..export._options import entry_type
from ._errors import raise_validation
from ._text import Document, Path


@dataclass(frozen=True)
class Kinds:
    """The kinds one tagged value may name.

    Attributes:
        what: What the value is, for messages ("optimizer", "data source").
        options: Each kind's options model.
        main: Each kind's main option (set by `{kind: value}`), where it has one.
        check: What the options model cannot say (a path no file system takes): the
            option at fault, the problem and a hint; or None.
    """

    what: str
    options: Mapping[str, type[pydantic.BaseModel]]
    main: Mapping[str, str]
    check: Callable[[str, pydantic.BaseModel], tuple[str, str, str] | None] | None = None

    def parse(self, value: object, document: Document, path: Path) -> tuple[str, pydantic.BaseModel]:
        """The kind and validated options of a value.

        Args:
            value: The value (from the file, or a default).
            document: The file, for positions.
            path: Where the value is (or would be) in the file.

        Raises:
            TypednnError: at the value's position, for an unknown kind or bad options.
        """
        inner = (*path, next(iter(value))) if isinstance(value, dict) and len(value) == 1 else path
        locations = {
            "entry": document.where(path),
            "kind": document.where(inner, key=True),
            "value": document.where(inner),
        }
        kind, given = expand(
            value, what=self.what, kinds=self.options, main=self.main.get, at=lambda part: locations[part]
        )
        try:
            options = self.options[kind].model_validate(given)
        except pydantic.ValidationError as error:
            raise_validation(error, document, inner, self.options[kind])
        found = None if self.check is None else self.check(kind, options)
        if found is not None:
            option, problem, hint = found
            # A bare value (`{csv: data.csv}`) is the main option: `where` falls back to it.
            dotted = ".".join(str(part) for part in (*path, kind, option) if isinstance(part, str))
            raise TypednnError(f"{document.where((*inner, option))}: {dotted}: {problem}", hint=hint)
        return kind, options

    def json_type(self) -> Any:
        """A type whose JSON schema describes every accepted form."""
        return entry_type(self.options, self.main)
