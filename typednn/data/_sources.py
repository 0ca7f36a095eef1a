"""The data sources a spec file can name, with their options derived from the Python API.

A spec file names its data as `data: {source: {<kind>: <options>}}`, e.g.
`{csv: {path: iris.csv, label: species}}`, or with a bare value for the main option:
`{csv: iris.csv}`, `{builtin: digits}`. `SOURCES` maps each kind to a `Source`:

- `Source.options`: a pydantic model of the options (`extra="forbid"`, strict, frozen),
  derived from the loader's signature: one field per parameter, with its type, default
  and (from the docstring) description. A default lives only in the Python signature.
  Paths (`FilePath` parameters) are text in the model. The pickle permission and the
  process's part (`shard`) are never options: they are only ever arguments.
- `Source.main`: the option a bare value sets (`path`; `name` for builtins), or None.
- `Source.parse(value)`: the options from a spec value (a mapping, or a bare value);
  raises pydantic's `ValidationError`, which the spec loader maps to
  `file:line:col`.
- `Source.schema(options, *, root, allow_pickle)`: the `Schema`, found cheaply.
- `Source.load(options, *, root, allow_pickle, shard=None)`: the `Dataset`, or one
  process's part of it (`shard=(index, count)`), read alone where the loader can.

Relative paths resolve against `root` (the spec file's folder). Data problems raise
`TypednnError`.

Example:
    >>> from pathlib import Path
    >>> source = SOURCES["builtin"]
    >>> print(source.schema(source.parse("digits"), root=Path("."), allow_pickle=False))
    digits: 1797 examples of (8, 8, 1), 10 classes
"""

from __future__ import annotations

import inspect
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

from .._errors import TypednnError
from .._signature import options_model as signature_options
from .._words import did_you_mean, listed
from ._builtin import builtin, builtin_schema
from ._csv import csv, csv_schema
from ._dataset import Dataset
from ._images import images, images_schema
from ._jsonl import jsonl, jsonl_schema
from ._numpy import npy, npy_schema, npz, npz_schema
from ._parquet import arrow, arrow_schema, parquet, parquet_schema
from ._paths import PATH_MARK, is_url
from ._pickle import pickle, pickle_schema
from ._schema import Schema
from ._shard import Shard
from ._shard_read import shard_option, sharded

PERMISSIONS = frozenset({"allow_pickle", "shard"})
"""Parameters that only the caller may set, never a spec file: the pickle permission, and
the part of the rows a process reads (`typednn train` sets it per process)."""


def _is_path(hint: Any) -> bool:
    return typing.get_origin(hint) is Annotated and PATH_MARK in hint.__metadata__


def _mentions_path(hint: Any) -> bool:
    return _is_path(hint) or any(_mentions_path(arg) for arg in typing.get_args(hint))


def options_model(kind: str, function: Callable[..., Any]) -> tuple[type[BaseModel], frozenset[str]]:
    """The pydantic model of a loader's options, and the names of those that are paths."""
    hints = typing.get_type_hints(function, include_extras=True)
    paths = frozenset(name for name, hint in hints.items() if _mentions_path(hint))
    return signature_options(function, name=f"{kind.capitalize()}Options", skip=PERMISSIONS), paths


@dataclass(frozen=True)
class Source:
    """A kind of data source: its loader, its schema function and its options.

    Args:
        kind: The name a spec file uses: `csv`.
        loader: The Python API function, e.g. `tn.data.csv`; its signature defines the options.
        describe: Gives the `Schema` cheaply; takes every option of `loader`, as keywords.
        main: The option a bare value sets (`{csv: iris.csv}` sets `path`), or None.
    """

    kind: str
    loader: Callable[..., Dataset[Any, Any]]
    describe: Callable[..., Schema]
    main: str | None
    options: type[BaseModel] = field(init=False, repr=False)
    paths: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        model, paths = options_model(self.kind, self.loader)
        object.__setattr__(self, "options", model)
        object.__setattr__(self, "paths", paths)

    def parse(self, value: object) -> BaseModel:
        """The options a spec value gives: a mapping of options, or a bare value of `main`.

        Raises:
            pydantic.ValidationError: for unknown options, missing ones or wrong types.
        """
        if self.main is not None and not isinstance(value, Mapping):
            value = {self.main: value}
        return self.options.model_validate(value)

    def arguments(self, options: BaseModel | Mapping[str, Any], *, root: Path, allow_pickle: bool) -> dict[str, Any]:
        """The keyword arguments for the loader: paths resolved against `root`, permission added."""
        parsed = options if isinstance(options, self.options) else self.parse(options)
        arguments = dict(parsed)
        for name in self.paths:
            # A URL is absolute: only a local path starts from the spec's folder.
            if isinstance(arguments[name], str) and not is_url(arguments[name]):
                arguments[name] = root / Path(arguments[name]).expanduser()
        if "allow_pickle" in inspect.signature(self.loader).parameters:
            arguments["allow_pickle"] = allow_pickle
        return arguments

    def schema(self, options: BaseModel | Mapping[str, Any], *, root: Path, allow_pickle: bool) -> Schema:
        """What the source holds, found without loading it all.

        Raises:
            TypednnError: for missing files and bad data found on the way.
        """
        return self.describe(**self.arguments(options, root=root, allow_pickle=allow_pickle))

    def load(
        self, options: BaseModel | Mapping[str, Any], *, root: Path, allow_pickle: bool, shard: Shard | None = None
    ) -> Dataset[Any, Any]:
        """The dataset; or with `shard=(index, count)`, exactly `dataset.shard(index, count)`.

        A loader that takes `shard` reads only that part's rows where its format allows;
        one that does not (a pickle, a builtin) is loaded whole and cut.

        Raises:
            TypednnError: for missing files and bad data, or a bad `shard`.
        """
        part = shard_option(shard)
        arguments = self.arguments(options, root=root, allow_pickle=allow_pickle)
        if part is not None and "shard" in inspect.signature(self.loader).parameters:
            return self.loader(**arguments, shard=part)
        return sharded(self.loader(**arguments), part)


SOURCES: Mapping[str, Source] = types.MappingProxyType(
    {
        source.kind: source
        for source in (
            Source("csv", csv, csv_schema, "path"),
            Source("npz", npz, npz_schema, "path"),
            Source("npy", npy, npy_schema, None),
            Source("jsonl", jsonl, jsonl_schema, "path"),
            Source("images", images, images_schema, "path"),
            Source("parquet", parquet, parquet_schema, "path"),
            Source("arrow", arrow, arrow_schema, "path"),
            Source("pickle", pickle, pickle_schema, "path"),
            Source("builtin", builtin, builtin_schema, "name"),
        )
    }
)
"""Every kind of data source a spec file can name, by kind."""


def schema(
    kind: str, value: object = None, /, *, root: Path | None = None, allow_pickle: bool = False, **options: Any
) -> Schema:
    """What a source holds, without loading it all: `schema("csv", "iris.csv", label="species")`.

    Args:
        kind: The kind of source: a key of `SOURCES` (`csv`, `npz`, `npy`, `jsonl`,
            `images`, `parquet`, `arrow`, `pickle`, `builtin`).
        value: The source's main option (its path, or a builtin's name), if any.
        root: The folder relative paths start from; by default the working folder.
        allow_pickle: Trust a pickle file (loading it runs its code).
        **options: The source's other options, as its loader takes them.

    Raises:
        TypednnError: for an unknown kind, a missing file or bad data.

    Example:
        >>> print(schema("builtin", "iris"))
        iris: 150 examples of (4,), 3 classes (setosa, versicolor, virginica)
    """
    if kind not in SOURCES:
        raise TypednnError(
            f"no data source {kind!r}{did_you_mean(kind, SOURCES)}", hint=f"the sources are {listed(SOURCES)}"
        )
    source = SOURCES[kind]
    if value is not None and source.main is not None:
        options[source.main] = value
    # The model is for spec files, which hold text: Python's paths become text.
    given = {name: os.fspath(item) if isinstance(item, os.PathLike) else item for name, item in options.items()}
    try:
        parsed = source.parse(given)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise TypednnError(
            f"{kind} source options: {problems}", hint=f"see help(tn.data.{source.loader.__name__})"
        ) from None
    return source.schema(parsed, root=root or Path(), allow_pickle=allow_pickle)
