"""Hyperparameter values as JSON, and back, validated by each kind's options model.

JSON has no tuples and no named dims: a pair is a list (`[3, 3]`), and a named
`tn.Dim` is its full name (`"myproject.dims.Seq"`), which loading turns back into the
same `Symbol`. A string becomes a `Symbol` only where the field takes a size. A field
holding a wrapped layer's hyperparameters (Bidirectional's `wrapped`) is a one-key entry
as in a spec's layer list: `{lstm: 64}` or `{lstm: {units: 64, reverse: true}}`.

`layer_options_model` is the one translation of a hyperparameter dataclass into the values a
file writes: the loader (`decode_options`) validates with it, and the spec's JSON Schema
is its `model_json_schema()`, so the two cannot disagree.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

import pydantic

from .._entries import expand
from .._errors import TypednnError, all_errors
from .._reading import excerpt
from .._shapes import Affine, Hyper, HyperparameterError, Size, Symbol, Unknown, holds_any_layer
from .._words import did_you_mean, show
from ..layers._registry import KINDS, Kind, kind_of

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


def encode_options(kind: Kind, hyper: Hyper) -> dict[str, Any]:
    """The options an export writes for a layer, in field order.

    Those the kind states (an activation's function) and those at their default are left
    out, as a person writes a spec.
    """
    options: dict[str, Any] = {}
    for field in kind.options():
        value = getattr(hyper, field.name)
        if field.default is dataclasses.MISSING or value != field.default:
            options[field.name] = _encode(value, f"{hyper.describe()}: {field.name}")
    return options


def _encode(value: object, what: str) -> Any:
    if isinstance(value, Hyper):
        kind = kind_of(value)
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


# -- the options models: the one translation of hyperparameter types to file values --------

RESERVED = ("inputs", "name")
"""The options every list entry takes besides its hyperparameters."""

# Strict, as every section of a spec is: `units: 10.0`, `units: "10"` and `use_bias: 1`
# are refused, not coerced. Lists become tuples by `_TUPLE`, where a field takes a tuple.
OPTIONS_CONFIG = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)
"""The configuration of every layer options model."""

DIM_NAME_TYPE = Annotated[str, pydantic.Field(pattern=f"^{DIM_NAME}$", description="a tn.Dim's full name")]
"""A named dim as files write it, for validation and the JSON Schema."""

_SYMBOL_TYPE = Annotated[DIM_NAME_TYPE, pydantic.AfterValidator(Symbol)]
_TUPLE = pydantic.BeforeValidator(lambda value: tuple(value) if isinstance(value, list) else value)
# Computed sizes exist only at check time: no file states one.
_COMPUTED = (Unknown, Affine)


def _keep_int(value: object, handler: pydantic.ValidatorFunctionWrapHandler) -> object:
    # A float field keeps an int as written (`rate: 0` stays 0), as the Python API does.
    return value if type(value) is int else handler(value)


def camel(name: str) -> str:
    """A snake_case name as a model's name: `max_pool2d` -> `MaxPool2d`."""
    return "".join(part.capitalize() for part in name.split("_"))


_MODELS: dict[tuple[str, type, bool], type[pydantic.BaseModel]] = {}


def layer_options_model(kind: Kind, *, wrapped: bool = False) -> type[pydantic.BaseModel]:
    """The pydantic model of a kind's options: loading validates with it, the spec's JSON Schema is its schema.

    Its fields are the hyperparameter dataclass's (less those the kind fixes), with their
    defaults, in the types a file writes (`_file_type`); a list entry also takes `name`
    and `inputs`, which the loader checks itself.

    Args:
        kind: The layer kind.
        wrapped: For a layer held by another (Bidirectional's `wrapped`): no `name` nor
            `inputs`, as it is no entry of the list.

    Example:
        >>> from typednn.layers._registry import KINDS
        >>> sorted(layer_options_model(KINDS["dense"]).model_json_schema()["required"])
        ['units']
    """
    key = (kind.name, kind.layer, wrapped)
    if key not in _MODELS:
        hints = typing.get_type_hints(kind.layer.hyper_type)
        fields: dict[str, Any] = {
            field.name: (_file_type(hints[field.name]), _default(field)) for field in kind.options()
        }
        if not wrapped:
            fields |= {"name": (str | None, None), "inputs": (list[str] | None, None)}
        name = f"{camel(kind.name)}{'Wrapped' if wrapped else ''}Options"
        _MODELS[key] = pydantic.create_model(name, __config__=OPTIONS_CONFIG, **fields)
    return _MODELS[key]


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return pydantic.Field(default_factory=field.default_factory)
    return ... if field.default is dataclasses.MISSING else field.default


def _file_type(hint: Any) -> Any:
    """A hyperparameter's type as a file writes it, validated as the loader takes it.

    A named dim is its full name (validated into its `Symbol`), a tuple a list, a wrapped
    layer's hyperparameters a one-key entry (`{lstm: 64}`); computed sizes are left out.
    """
    if hint is Symbol:
        return _SYMBOL_TYPE
    if hint is float:
        return Annotated[float, pydantic.WrapValidator(_keep_int)]
    if isinstance(hint, type) and issubclass(hint, Hyper):
        return _wrapped_type((hint,))
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return Annotated[tuple[_file_type(args[0]), ...], _TUPLE]  # type: ignore[misc] # built at run time
        return Annotated[types.GenericAlias(tuple, tuple(map(_file_type, args))), _TUPLE]
    members = _union_args(hint)
    if members is not None:
        wrapped = tuple(arg for arg in members if isinstance(arg, type) and issubclass(arg, Hyper))
        kept = [_file_type(arg) for arg in members if arg not in _COMPUTED and arg not in wrapped]
        if wrapped:
            kept.append(_wrapped_type(wrapped))
        return kept[0] if len(kept) == 1 else typing.Union[tuple(kept)]  # noqa: UP007 - a union built at run time
    return hint


def entry_type(options: Mapping[str, type[pydantic.BaseModel]], main: Mapping[str, str]) -> Any:
    """The type of a one-key entry, for the JSON Schema: a bare kind, `{kind: value}` or `{kind: {options}}`.

    Args:
        options: Each kind's options model.
        main: Each kind's main option (the one `{kind: value}` sets), where it has one.
    """
    forms: list[Any] = [Literal[tuple(options)]]
    for kind, model in options.items():
        option = main.get(kind)
        value: Any = model if option is None else model | model.model_fields[option].annotation
        fields: dict[str, Any] = {kind: (value | None, ...)}
        forms.append(pydantic.create_model(f"{model.__name__}Entry", __config__=_ONE_KEY, **fields))
    return typing.Union[tuple(forms)]  # noqa: UP007 - a union built at run time


# Strict as the options are: `{dense: 10.0}` is refused by the schema as by the loader.
_ONE_KEY = pydantic.ConfigDict(extra="forbid", strict=True)


def _wrapped_type(classes: tuple[type[Hyper], ...]) -> Any:
    """A field holding a wrapped layer's hyperparameters: an entry of a kind that builds them.

    The JSON Schema shows the entry's forms; validation is `_wrapped`'s, which reads the
    entry as the loader reads a list entry (its messages say where).
    """
    kinds = _wrappable(classes)
    # One entry type per class, so the schema lists each class's kinds together.
    schemas = [
        entry_type(
            {
                name: layer_options_model(kind, wrapped=True)
                for name, kind in kinds.items()
                if issubclass(kind.layer.hyper_type, cls)
            },
            {name: option for name, kind in kinds.items() if (option := kind.main_option())},
        )
        for cls in classes
    ]

    def validate(value: object, handler: pydantic.ValidatorFunctionWrapHandler, info: pydantic.ValidationInfo) -> Hyper:
        locate = (info.context or {}).get("at")
        field = info.field_name or "wrapped"
        # Looked up again: a field that holds any layer takes the kinds registered since.
        return _wrapped(value, _wrappable(classes), locate(field) if locate else field)

    return Annotated[typing.Union[tuple(schemas)], pydantic.WrapValidator(validate)]  # noqa: UP007 - built at run time


def _wrappable(classes: tuple[type[Hyper], ...]) -> dict[str, Kind]:
    """The kinds a field of these hyperparameter classes holds: `Hyper` itself is any layer (TimeDistributed's).

    A kind that itself holds any layer is left out: it would nest without end.
    """
    return {
        kind.name: kind
        for kind in KINDS.values()
        if issubclass(kind.layer.hyper_type, classes) and not holds_any_layer(kind.layer.hyper_type)
    }


def _wrapped(value: object, kinds: Mapping[str, Kind], where: str) -> Hyper:
    """A wrapped layer's hyperparameters from its one-key entry, validated as its own entry is."""
    name, given = expand(
        value,
        what="layer kind",
        kinds=list(kinds),
        main=lambda kind: kinds[kind].main_option(),
        at=lambda part: where,
    )
    kind = kinds[name]
    decoded = decode_options(kind, given, where=where, wrapped=True)
    try:
        return kind.layer.hyper_type(**kind.fixed, **decoded)
    except HyperparameterError as error:
        raise HyperparameterError(f"{where}: {error.message}", hint=error.hint) from None


def decode_options(
    kind: Kind,
    given: Mapping[str, object],
    *,
    where: str,
    at: Callable[[str], str] | None = None,
    wrapped: bool = False,
) -> dict[str, Any]:
    """Options from JSON as the hyperparameter dataclass's field values, validated by `layer_options_model`.

    Every problem of the entry is reported at once (a spec with two typos in one entry
    should not take two runs): each unknown option, each value of the wrong type, in the
    entry's order, then the options it needs that no typo above may have meant.

    Args:
        kind: The layer kind the options belong to.
        given: The options as read (JSON values), without `name` and `inputs`.
        where: Where the entry is, for messages.
        at: Where one option is, for messages about it (default: `where`).
        wrapped: The options of a wrapped layer (no list entry: no `name`, no `inputs`).

    Returns:
        The given options' values (a named dim as its `Symbol`, a list as a tuple).

    Raises:
        HyperparameterError: for an unknown or missing option, or a value of the wrong
            type; where there are several, one error lists them, a line each.

    Example:
        >>> from typednn.layers._registry import KINDS
        >>> decode_options(KINDS["dense"], {"unit": 3, "use_biass": True}, where="spec.yaml:4:7")
        Traceback (most recent call last):
        ...
        typednn._shapes._errors.HyperparameterError: spec.yaml:4:7: dense has no option 'unit'; did you mean 'units'?
          hint: dense takes in_features, units, use_bias, activation, inputs, name
        spec.yaml:4:7: dense has no option 'use_biass'; did you mean 'use_bias'?
    """
    model = layer_options_model(kind, wrapped=wrapped)
    fields = [field.name for field in kind.options()]
    known = [*fields, *(() if wrapped else RESERVED)]
    locate = at or (lambda option: where)
    order = {option: index for index, option in enumerate(given)}
    found: list[tuple[int, HyperparameterError]] = []  # each with its option's place in the entry
    meant: set[str] = set()  # the options the unknown ones may stand for
    for option in given:
        if option not in fields:
            meant.update(difflib.get_close_matches(option, known, n=1))  # as `did_you_mean` finds it
            named = excerpt(option, length=60)  # keys come from files: shortened
            message = f"{locate(option)}: {kind.name} has no option {named}{did_you_mean(option, known)}"
            # The options it takes are listed once, after the entry's first unknown one.
            hint = None if found else f"{kind.name} takes {', '.join(known)}"
            found.append((order[option], HyperparameterError(message, hint=hint)))
    # The known options are validated even past an unknown one, so their errors show too.
    valid = {option: value for option, value in given.items() if option in fields}
    try:
        validated = model.model_validate(valid, context={"at": locate})
    except pydantic.ValidationError as error:
        found += _invalid(kind, valid, error, where=where, at=locate, order=order, meant=meant)
    except HyperparameterError as error:  # a wrapped layer's own entry, which says where
        hints = typing.get_type_hints(kind.layer.hyper_type)
        holders = [order[option] for option in valid if _holds_layer(hints[option])]
        found.append((min(holders, default=len(order)), error))
    else:
        if not found:
            return {option: getattr(validated, option) for option in given}
    problems = [problem for _, problem in sorted(found, key=lambda pair: pair[0])]
    if len(problems) == 1:
        raise problems[0]
    together = all_errors(problems)
    raise HyperparameterError(together.message, hint=together.hint)


def _invalid(
    kind: Kind,
    given: Mapping[str, object],
    error: pydantic.ValidationError,
    *,
    where: str,
    at: Callable[[str], str],
    order: Mapping[str, int],
    meant: set[str],
) -> list[tuple[int, HyperparameterError]]:
    """What pydantic found, as the loader words it, each with its option's place in the entry.

    Each wrong value, then (last) the options the entry needs but for those in `meant`,
    which an unknown option's "did you mean" names already.
    """
    wrong = {problem["loc"][0] for problem in error.errors() if problem["type"] != "missing" and problem["loc"]}
    hints = typing.get_type_hints(kind.layer.hyper_type)
    found = []
    for option, value in given.items():
        if option in wrong:
            expected = _describe(hints[option])
            message = f"{at(option)}: {kind.name} option {option!r} must be {expected}, but is {show(value)}"
            symbolic = _mentions(hints[option], Symbol)
            hint = "a named dim is written as its full name, e.g. 'myproject.dims.Seq'" if symbolic else None
            found.append((order[option], HyperparameterError(message, hint=hint)))
    missing = [str(p["loc"][0]) for p in error.errors() if p["type"] == "missing" and str(p["loc"][0]) not in meant]
    if missing:
        message = f"{where}: {kind.name} needs {' and '.join(map(repr, missing))}"
        found.append((len(order), HyperparameterError(message, hint=f"e.g. {{{kind.name}: {{{missing[0]}: ...}}}}")))
    return found


def _union_args(hint: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return None


def _holds_layer(hint: Any) -> bool:
    """Whether a field's type holds a wrapped layer's hyperparameters (Bidirectional's `wrapped`)."""
    return (isinstance(hint, type) and issubclass(hint, Hyper)) or any(map(_holds_layer, typing.get_args(hint)))


def _mentions(hint: Any, target: type) -> bool:
    return hint is target or any(_mentions(arg, target) for arg in typing.get_args(hint))


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
    if isinstance(hint, type) and issubclass(hint, Hyper):
        return " | ".join(f"{{{kind.name}: ...}}" for kind in KINDS.values() if kind.layer.hyper_type is hint)
    # The unknown size only exists at check time: no file states it.
    return _WORDS.get(hint, "")
