"""Hyperparameter values as JSON, and back, checked against their dataclass field types.

JSON has no tuples and no named dims: a pair is a list (`[3, 3]`), and a named
`tn.Dim` is its full name (`"myproject.dims.Seq"`), which loading turns back into the
same `Symbol`. A string becomes a `Symbol` only where the field takes a size. A field
holding a wrapped layer's hyperparameters (Bidirectional's `wrapped`) is a one-key entry
as in a spec's layer list: `{lstm: 64}` or `{lstm: {units: 64, reverse: true}}`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from .._entries import expand
from .._errors import TypednnError
from .._reading import excerpt
from .._shapes import HyperparameterError, Params, Size, Symbol
from .._words import did_you_mean, show
from ..layers._registry import KINDS, Kind

# A Dim's full name is `module.QualName` (`module.f.<locals>.Seq` for a local class): at
# least one dot, so `"same"` or `"abc"` where a size belongs is a type error, not an axis.
DIM_NAME = r"[A-Za-z_][\w<>]*(?:\.[\w<>]+)+"
"""A named dim's full name as files write it (the JSON Schema of spec files uses it too)."""
_SYMBOL = re.compile(DIM_NAME)

_WORDS: dict[object, str] = {int: "int", float: "number", bool: "bool", str: "string", type(None): "null"}


def encode_size(size: Size) -> int | str:
    """A size as JSON: an int, or a named dim's full name.

    Raises:
        TypednnError: for a size no file can state (unknown, computed at check time).
    """
    if isinstance(size, Symbol):
        return size.fullname
    if isinstance(size, int):
        return size
    raise TypednnError(f"the size {size!r} cannot be written to a file", hint="use an int or a tn.Dim subclass")


def encode_options(kind: Kind, params: Params) -> dict[str, Any]:
    """The options an export writes for a layer, in field order.

    Those the kind states (an activation's function) and those at their default are left
    out, as a person writes a spec.
    """
    options: dict[str, Any] = {}
    for field in kind.options():
        value = getattr(params, field.name)
        if field.default is dataclasses.MISSING or value != field.default:
            options[field.name] = _encode(value, f"{params.describe()}: {field.name}")
    return options


def params_kind(params: Params) -> Kind | None:
    """The most specific kind whose layer these hyperparameters build (`lstm` for an LSTM's)."""
    matches = [
        kind
        for kind in KINDS.values()
        if kind.layer.params_type is type(params)
        and all(getattr(params, key) == value for key, value in kind.fixed.items())
    ]
    return max(matches, key=lambda kind: len(kind.fixed), default=None)


def _encode(value: object, what: str) -> Any:
    if isinstance(value, Params):
        kind = params_kind(value)
        if kind is None:
            raise TypednnError(f"{what} is {value.describe()}, which has no kind a file can name")
        options = encode_options(kind, value)
        main = kind.main_option()
        # The shorthand a person writes, `{lstm: 64}`, when the main option is all there is.
        return {kind.name: options[main] if main is not None and list(options) == [main] else options}
    if isinstance(value, tuple):
        return [_encode(item, what) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Symbol):
        return value.fullname
    raise TypednnError(f"{what} is {value!r}, which cannot be written to a file", hint="use ints, floats and strings")


def decode_size(value: object) -> object:
    """A size from JSON: a Dim's full name becomes its `Symbol`; anything else is kept for validation."""
    return Symbol(value) if isinstance(value, str) and _SYMBOL.fullmatch(value) else value


def decode_options(
    kind: Kind,
    given: Mapping[str, object],
    *,
    where: str,
    reserved: tuple[str, ...],
    at: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """Options from JSON as the hyperparameter dataclass's field values.

    Args:
        kind: The layer kind the options belong to.
        given: The options as read (JSON values), without the reserved ones.
        where: Where the entry is, for messages.
        at: Where one option is, for messages about it (default: `where`).
        reserved: The option names every entry takes besides its hyperparameters, for
            "did you mean" suggestions.

    Raises:
        HyperparameterError: for an unknown or missing option, or a value of the wrong type.
    """
    fields = {field.name: field for field in kind.options()}
    hints = typing.get_type_hints(kind.layer.params_type)
    values: dict[str, Any] = {}
    for option, value in given.items():
        if option not in fields:
            known = [*fields, *reserved]
            named = excerpt(option, length=60)  # keys come from files: shortened
            raise HyperparameterError(
                f"{at(option) if at else where}: {kind.name} has no option {named}{did_you_mean(option, known)}",
                hint=f"{kind.name} takes {', '.join(known)}",
            )
        field_type = hints[option]
        symbolic = _mentions(field_type, Symbol)
        nested = _nested_kinds(field_type)
        if nested:
            values[option] = _decode_nested(value, nested, at(option) if at else where)
            continue
        decoded = _decode(value, symbolic=symbolic)
        if not _matches(decoded, field_type):
            raise HyperparameterError(
                f"{at(option) if at else where}: {kind.name} option {option!r} must be {_describe(field_type)},"
                f" but is {show(value)}",
                hint="a named dim is written as its full name, e.g. 'myproject.dims.Seq'" if symbolic else None,
            )
        values[option] = decoded
    missing = [name for name, field in fields.items() if field.default is dataclasses.MISSING and name not in values]
    if missing:
        raise HyperparameterError(
            f"{where}: {kind.name} needs {' and '.join(map(repr, missing))}",
            hint=f"e.g. {{{kind.name}: {{{missing[0]}: ...}}}}",
        )
    return values


def _nested_kinds(hint: Any) -> dict[str, Kind]:
    """The kinds whose hyperparameters a field may hold (none for a field of plain values)."""
    classes = [arg for arg in (_union_args(hint) or (hint,)) if isinstance(arg, type) and issubclass(arg, Params)]
    return {kind.name: kind for kind in KINDS.values() if kind.layer.params_type in classes}


def _decode_nested(value: object, kinds: Mapping[str, Kind], where: str) -> Params:
    """A wrapped layer's hyperparameters from its one-key entry, validated as its own entry is."""
    name, given = expand(
        value,
        what="layer kind",
        kinds=list(kinds),
        main=lambda kind: kinds[kind].main_option(),
        at=lambda part: where,
    )
    kind = kinds[name]
    decoded = decode_options(kind, given, where=where, reserved=())
    try:
        return kind.layer.params_type(**kind.fixed, **decoded)
    except HyperparameterError as error:
        raise HyperparameterError(f"{where}: {error.message}", hint=error.hint) from None


def _decode(value: object, *, symbolic: bool) -> object:
    if isinstance(value, list):
        return tuple(_decode(item, symbolic=symbolic) for item in value)
    return decode_size(value) if symbolic else value


def _union_args(hint: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return None


def _mentions(hint: Any, target: type) -> bool:
    return hint is target or any(_mentions(arg, target) for arg in typing.get_args(hint))


def _matches(value: object, hint: Any) -> bool:
    """Whether a decoded JSON value has the field's type (JSON's bools are not ints here)."""
    members = _union_args(hint)
    if members is not None:
        return any(_matches(value, member) for member in members)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(item, args[0]) for item in value)
        return len(value) == len(args) and all(_matches(item, arg) for item, arg in zip(value, args))
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


def _describe(hint: Any) -> str:
    """A field type in JSON's words: `int | Dim name | [int | Dim name, int | Dim name]`."""
    members = _union_args(hint)
    if members is not None:
        return " | ".join(word for word in map(_describe, members) if word)
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"[{_describe(args[0])}, ...]"
        return "[" + ", ".join(map(_describe, args)) + "]"
    if hint is Symbol:
        return "Dim name"
    if isinstance(hint, type) and issubclass(hint, Params):
        return " | ".join(f"{{{name}: ...}}" for name in _nested_kinds(hint))
    # The unknown size only exists at check time: no file states it.
    return _WORDS.get(hint, "")
