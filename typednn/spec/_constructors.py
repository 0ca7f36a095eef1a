"""A layer's constructor call from its hyperparameters: which signature takes them, and a check by building it."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from .._errors import TypednnError
from .._shapes import Dim, Hyper, HyperparameterError, Symbol
from ..graph import AnyLayer
from ..layers._registry import kind_of


def signatures(cls: type[AnyLayer]) -> list[inspect.Signature]:
    """The constructor's signatures: each overload (`Dense(units)`, `Dense(in, units)`), else the one."""
    functions: list[Callable[..., Any]] = list(typing.get_overloads(cls.__init__)) or [cls.__init__]
    return [inspect.signature(function) for function in functions]


def arguments(signature: inspect.Signature, given: dict[str, Any]) -> tuple[list[Any], dict[str, Any]] | None:
    """How a signature takes these values: required ones positionally, the rest by keyword.

    Returns None when it cannot take them all: a parameter it lacks, a required one
    without a value, or one it takes only by position.
    """
    parameters = list(signature.parameters.values())[1:]  # without self
    if not set(given) <= {p.name for p in parameters if p.kind is not p.VAR_KEYWORD}:
        return None
    positional: list[Any] = []
    by_name: dict[str, Any] = {}
    for parameter in parameters:
        required = parameter.default is parameter.empty
        if parameter.name not in given:
            if required and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                return None
            continue
        value = given[parameter.name]
        if parameter.kind is parameter.VAR_POSITIONAL:  # Reshape(*shape)
            if by_name or not isinstance(value, tuple):
                return None
            positional.extend(value)
        elif parameter.kind is parameter.POSITIONAL_OR_KEYWORD and required and not by_name:
            positional.append(value)
        elif parameter.kind is parameter.POSITIONAL_ONLY:
            return None
        else:
            by_name[parameter.name] = value
    return positional, by_name


def wrapped_layer(hyper: Hyper) -> AnyLayer:
    """The layer that a wrapper's hyperparameter field stands for, to write its constructor."""
    kind = kind_of(hyper)
    if kind is None:
        raise TypednnError(f"{hyper.describe()} has no kind, so the code cannot build it")
    return kind.layer.from_hyper(hyper)


def check_rebuilds(
    layer: AnyLayer, signature: inspect.Signature, positional: list[Any], by_name: dict[str, Any], where: str
) -> None:
    """Build the layer from the values the code passes, so a call that differs is caught here.

    A named dim goes only where the signature's type takes one (`in_channels: int |
    type[Dim]`): the constructors turn any `tn.Dim` into its symbol, but mypy checks the
    code against the types.
    """

    def real(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(real(item) for item in value)
        if isinstance(value, Symbol):  # a stand-in class with the dim's full name
            module, _, name = value.fullname.rpartition(".")
            return type(name, (Dim,), {"__module__": module, "__qualname__": name})
        return wrapped_layer(value) if isinstance(value, Hyper) else value

    cls = type(layer)
    call = f"{cls.__name__}({', '.join([*map(repr, positional), *(f'{k}={v!r}' for k, v in by_name.items())])})"
    refused = "a spec can give this value, but the Python constructor does not take it"
    for name, value in signature.bind(None, *positional, **by_name).arguments.items():
        annotation = signature.parameters[name].annotation
        if _has_symbol(value) and "Dim" not in str(annotation):
            raise TypednnError(f"{where}: the code would call {call}, but {name} is typed {annotation}", hint=refused)
    try:
        rebuilt = cls(*map(real, positional), **{key: real(value) for key, value in by_name.items()})
    except (HyperparameterError, TypeError) as error:
        raise TypednnError(f"{where}: the code would call {call}, which fails: {error}", hint=refused) from None
    if rebuilt.hyper != layer.hyper:
        raise TypednnError(
            f"{where}: the code would call {call}, which builds {rebuilt!r} instead",
            hint="a layer's constructor must take each hyperparameter under its field name",
        )


def _has_symbol(value: object) -> bool:
    return isinstance(value, Symbol) or (isinstance(value, tuple) and any(map(_has_symbol, value)))
