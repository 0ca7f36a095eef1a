"""Binding a constructor's arguments by its typed overloads, as mypy does.

A constructor with several forms (`Dense(units)`, `Dense(in_features, units)`) states
them as `@overload`s, which mypy reads to type each call. The run time binds the same
call by the same overloads, in the same order, so both read `Dense(784, units=128)` as
`(784 -> 128)`, and a call that fits no form is refused with the forms it could take.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

from .._shapes import HyperparameterError
from .._words import shown


@functools.cache
def forms(function: Callable[..., Any]) -> tuple[inspect.Signature, ...]:
    """The signatures a call may take: each typed overload in order, else the function's own.

    Example:
        >>> from typednn import nn
        >>> [list(form.parameters)[1:-2] for form in forms(nn.Dense.__init__)]
        [['units', 'use_bias'], ['in_features', 'units', 'use_bias']]
    """
    overloads = typing.get_overloads(function)
    return tuple(inspect.signature(f) for f in overloads) if overloads else (inspect.signature(function),)


def bind_call(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], *, hint: str | None = None
) -> dict[str, Any]:
    """The arguments of a call, named by the first form of `function` that takes them.

    Only the arguments given are returned: defaults stay where they are defined (the
    hyperparameter dataclass), not in the overloads, whose defaults are `...`.

    Args:
        function: The function or method whose overloads give the forms (for a method,
            `args` leaves out `self`).
        args: The positional arguments of the call.
        kwargs: The keyword arguments of the call.
        hint: How to fix a call that fits no form (by default, where to read about it).

    Returns:
        Each given argument under its parameter's name.

    Raises:
        HyperparameterError: when no form takes the call, listing the forms.

    Example:
        >>> from typednn import nn
        >>> bind_call(nn.Dense.__init__, (784,), {"units": 128})
        {'in_features': 784, 'units': 128}
        >>> try:
        ...     bind_call(nn.Dense.__init__, (1, 2, 3), {})
        ... except HyperparameterError as error:
        ...     print(error.message)
        Dense takes Dense(units) or Dense(in_features, units); given Dense(1, 2, 3)
    """
    owner = _owner(function)
    signatures = forms(function)
    for signature in signatures:
        bound = _bind(signature, args, kwargs, partial=False)
        if bound is not None:
            return {name: value for name, value in bound.items() if name != "self"}
    # The call fits no form. When some form takes every argument given and lacks only
    # required ones, say which: that is the usual slip (`Dense(in_features=784)`).
    partial = [(s, _bind(s, args, kwargs, partial=True)) for s in signatures]
    missing = sorted((_missing(s, taken) for s, taken in partial if taken is not None), key=len)
    lead = f"{owner} needs {' and '.join(missing[0])}: it takes" if missing else f"{owner} takes"
    raise HyperparameterError(
        f"{lead} {_either(_form(owner, s) for s in signatures)}; given {_call(owner, args, kwargs)}",
        hint=hint or f"see help({owner}) for what each argument means",
    )


def _bind(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any], *, partial: bool
) -> dict[str, Any] | None:
    # A method's forms start with `self`, which the caller leaves out of `args`.
    params = list(signature.parameters)
    receiver = (None,) if params[:1] == ["self"] else ()
    try:
        bind = signature.bind_partial if partial else signature.bind
        return dict(bind(*receiver, *args, **kwargs).arguments)
    except TypeError:
        return None


def _missing(signature: inspect.Signature, bound: dict[str, Any]) -> list[str]:
    return [
        p.name
        for p in signature.parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in bound
    ]


def _owner(function: Callable[..., Any]) -> str:
    # `Dense.__init__` is written `Dense(...)`; a plain function by its own name.
    qualname: str = getattr(function, "__qualname__", getattr(function, "__name__", "call"))
    head, _, last = qualname.rpartition(".")
    return head.rpartition(".")[2] if last == "__init__" and head else last


def _form(owner: str, signature: inspect.Signature) -> str:
    """A form as its required arguments: `Dense(in_features, units)`."""
    parts = []
    for p in signature.parameters.values():
        if p.name == "self" or p.kind is p.VAR_KEYWORD:
            continue
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
        elif p.default is p.empty:
            parts.append(f"{p.name}=..." if p.kind is p.KEYWORD_ONLY else p.name)
    return f"{owner}({', '.join(parts)})"


def _either(items: typing.Iterable[str]) -> str:
    listed = list(dict.fromkeys(items))
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} or {listed[-1]}"


def _call(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    return f"{owner}({', '.join([*map(shown, args), *(f'{k}={shown(v)}' for k, v in kwargs.items())])})"
