"""One-key mappings that name a kind and give its options: `{adam: {learning_rate: 0.01}}`.

Layers, optimizers and data sources are written the same way in a spec file:

- a bare kind: `adam`;
- the kind and the value of its main option: `{adam: 0.01}`, `{csv: iris.csv}`;
- the kind and its options: `{adam: {learning_rate: 0.01, b1: 0.8}}`.

Each kind's options are a pydantic model derived from the Python definition (a
hyperparameter dataclass or a function's signature), which gives both the validation
and the JSON schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

import pydantic

from .._errors import TypednnError
from .._words import did_you_mean, show
from ._errors import raise_validation
from ._text import Document, Path

_ONE_KEY = pydantic.ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Kinds:
    """The kinds one tagged value may name.

    Attributes:
        what: What the value is, for messages ("optimizer", "data source").
        options: Each kind's options model.
        main: Each kind's main option (set by `{kind: value}`), where it has one.
    """

    what: str
    options: Mapping[str, type[pydantic.BaseModel]]
    main: Mapping[str, str]

    def parse(self, value: object, document: Document, path: Path) -> tuple[str, pydantic.BaseModel]:
        """The kind and validated options of a value.

        Args:
            value: The value (from the file, or a default).
            document: The file, for positions.
            path: Where the value is (or would be) in the file.

        Raises:
            TypednnError: at the value's position, for an unknown kind or bad options.
        """
        if isinstance(value, str):
            kind, given = value, None
        elif isinstance(value, dict) and len(value) == 1:
            ((kind, given),) = value.items()
        else:
            raise TypednnError(
                f"{document.where(path)}: a {self.what} is a name or one {{name: options}} pair, not {show(value)}",
                hint=f"e.g. {self._example()}",
            )
        inner = (*path, kind) if isinstance(value, dict) else path
        if kind not in self.options:
            raise TypednnError(
                f"{document.where(inner, key=True)}: unknown {self.what} {kind!r}{did_you_mean(kind, self.options)}",
                hint=f"the {self.what}s are {', '.join(sorted(self.options))}",
            )
        if given is not None and not isinstance(given, dict):
            main = self.main.get(kind)
            if main is None:
                raise TypednnError(
                    f"{document.where(inner)}: {kind} takes its options as a mapping, not {show(given)}",
                    hint=f"e.g. {{{kind}: {{...}}}}",
                )
            given = {main: given}
        try:
            return kind, self.options[kind].model_validate(given or {})
        except pydantic.ValidationError as error:
            raise_validation(error, document, inner, self.options[kind])

    def json_type(self) -> Any:
        """A type whose JSON schema describes every accepted form."""
        forms: list[Any] = [Literal[tuple(self.options)]]
        for kind, model in self.options.items():
            main = self.main.get(kind)
            value: Any = model if main is None else model | model.model_fields[main].annotation
            fields: dict[str, Any] = {kind: (value | None, ...)}
            entry = pydantic.create_model(f"{model.__name__}Entry", __config__=_ONE_KEY, **fields)
            forms.append(entry)
        return Union[tuple(forms)]  # noqa: UP007 - a union built at run time

    def _example(self) -> str:
        kind = next(iter(self.options))
        return f"{kind} or {{{kind}: {{...}}}}"
