"""Pydantic models of a function's keyword options, read from its signature.

Spec files set the options of data sources, optimizers and callbacks by name. Their
names, types, defaults and descriptions are those of the Python function itself, so a
default lives in one place and a new option appears in spec files (and in the JSON
schema) with no extra code.
"""

from __future__ import annotations

import collections.abc
import inspect
import os
import re
import types
import typing
from collections.abc import Callable, Collection
from typing import Any, Literal

import pydantic

_SCALARS = (str, int, float, bool, type(None))
_SEQUENCES = (list, tuple, collections.abc.Sequence)
_STRICT = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)


def options_model(
    function: Callable[..., Any],
    *,
    name: str,
    skip: Collection[str] = (),
    defaults: dict[str, Any] | None = None,
) -> type[pydantic.BaseModel]:
    """A strict pydantic model of `function`'s options that a file can state.

    An option keeps its annotated type when a file can write it: JSON's scalars,
    Literals of them, sequences, mappings by name and unions of those; a path
    (`str | os.PathLike`) is text. Otherwise its default's type stands in (optax annotates rates as `ArrayLike`
    but defaults them to floats), and an option with neither (a dtype, a mask function)
    is left out: a file cannot set it. Each field's description is the function's
    Google-style `Args:` entry.

    Args:
        function: The function or class whose signature gives the options.
        name: The model's name (it titles the JSON schema).
        skip: Parameters the caller supplies itself (a directory, a permission).
        defaults: Defaults for parameters the function requires (optax's learning rates).

    Example:
        >>> def f(path: str, *, rate: float = 0.1, mode: Literal["a", "b"] = "a") -> None: ...
        >>> options_model(f, name="F", skip=["path"])(rate=0.5)
        F(rate=0.5, mode='a')
    """
    parameters = inspect.signature(function).parameters.values()
    target = typing.cast(Any, function).__init__ if isinstance(function, type) else getattr(function, "func", function)
    try:
        hints = typing.get_type_hints(target)
    except NameError:
        # A forward reference deep in an annotation a file cannot use anyway (optax's
        # `mask: ... ArrayTree`): keep the annotations that are objects already.
        hints = {p.name: p.annotation for p in parameters if not isinstance(p.annotation, str)}
    docs = arg_docs(function)
    fields: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.name in skip or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = (defaults or {}).get(parameter.name, parameter.default)
        field_type = _file_type(hints.get(parameter.name, Any), default)
        if field_type is not None:
            required = default is inspect.Parameter.empty
            fields[parameter.name] = (
                field_type,
                pydantic.Field(... if required else default, description=docs.get(parameter.name)),
            )
    return pydantic.create_model(name, __config__=_STRICT, __doc__=inspect.getdoc(function), **fields)


def _file_type(hint: Any, default: object) -> Any:
    written = _writable(hint)
    if written is not None:
        return written
    if isinstance(default, (bool, int, float, str)):
        return type(default)
    if default is None and _mentions(hint, float):
        return float | None
    return None


def _writable(hint: Any) -> Any:
    """`hint` as a file can write it, or None."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Annotated:
        return _writable(args[0])
    if origin is Literal:
        return hint if all(isinstance(arg, _SCALARS) for arg in args) else None
    if origin in (typing.Union, types.UnionType):
        # A path is text in a file: `os.PathLike` drops out of the union.
        members = [_writable(arg) for arg in args if typing.get_origin(arg) is not os.PathLike]
        return None if None in members else typing.Union[tuple(members)]  # noqa: UP007 - built at run time
    if origin in (dict, collections.abc.Mapping) and len(args) == 2 and args[0] is str:
        value = _writable(args[1])  # a mapping by name (npz's classes per target)
        return None if value is None else types.GenericAlias(dict, (str, value))
    if origin in _SEQUENCES:
        if not args or (origin is tuple and not (len(args) == 2 and args[1] is Ellipsis)):
            return None
        item = _writable(args[0])
        return None if item is None else types.GenericAlias(collections.abc.Sequence, (item,))
    return hint if hint in _SCALARS else None


def _mentions(hint: Any, target: type) -> bool:
    return hint is target or any(_mentions(arg, target) for arg in typing.get_args(hint))


def arg_docs(function: Callable[..., Any]) -> dict[str, str]:
    """The `Args:` section of a Google-style docstring: parameter name -> description.

    Example:
        >>> def f(x: int) -> None:
        ...     '''Do it.
        ...
        ...     Args:
        ...         x: How many
        ...             times.
        ...     '''
        >>> arg_docs(f)
        {'x': 'How many times.'}
    """
    docs: dict[str, str] = {}
    text = inspect.getdoc(function) or ""
    section = re.search(r"^Args:\n((?:[ \t]+.*\n?|\n)*)", text, re.MULTILINE)
    name = None
    for line in (section.group(1) if section else "").splitlines():
        entry = re.match(r"^ {4}(\w+)(?: \(.*?\))?: (.*)", line)
        if entry:
            name = entry.group(1)
            docs[name] = entry.group(2)
        elif name and line.strip():
            docs[name] += " " + line.strip()
    return docs
