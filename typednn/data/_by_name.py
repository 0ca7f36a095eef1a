"""Options keyed by a model's input or output names, shared by the CSV and JSON Lines sources.

A source feeding several inputs or outputs takes `features={input: ...}` and
`label={output: ...}`; its `classes=`, `task=` (and a CSV's `shape=`) are then either one
value for every output (input) or a dict by name, as `npz`'s `classes=` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from .._errors import TypednnError
from .._words import did_you_mean, given, listed
from ._show import quoted

T = TypeVar("T")

INPUT = "input"
"""The name a source gives its one input when `features` is not a dict: `tn.Input`'s default."""


def check_names(parts: Mapping[Any, object], option: str, where: str) -> tuple[str, ...]:
    """The names of a dict option (`features=` or `label=`), checked: one or more, each text.

    Raises:
        TypednnError: for an empty dict or a key that is not a non-empty string.
    """
    role = "input" if option == "features" else "output"
    example = "{'numbers': ['a', 'b'], 'extra': ['c']}" if option == "features" else "{'kind': 'species'}"
    if not parts:
        raise TypednnError(f"{where}: {option}={{}} names no {role}", hint=f"e.g. {option}={example}")
    for name in parts:
        if not isinstance(name, str) or not name:
            raise TypednnError(
                f"{where}: {option} maps {role} names to columns, but has the key {given(name)}",
                hint=f"e.g. {option}={example}",
            )
    return tuple(str(name) for name in parts)


def by_name(
    option: T | Mapping[str, T], names: Sequence[str], *, option_name: str, role: str, where: str
) -> list[T | None]:
    """`option` for each of `names`: a dict's entry (None where it has none), or one value for all.

    Args:
        option: One value, or a dict by input or output name.
        names: The input or output names, in order.
        option_name: How messages name the option: `classes`.
        role: `inputs` or `outputs`.
        where: The file, as messages name it.

    Raises:
        TypednnError: for a dict key that is none of `names`.

    Example:
        >>> by_name({"size": "regress"}, ["kind", "size"], option_name="task", role="outputs", where="x.csv")
        [None, 'regress']
        >>> by_name(3, ["kind", "size"], option_name="classes", role="outputs", where="x.csv")
        [3, 3]
    """
    if not isinstance(option, Mapping):
        return [option] * len(names)
    for key in option:
        if key not in names:
            raise TypednnError(
                f"{where}: {option_name} names {key!r}, which is not one of the {role}{did_you_mean(key, names)}",
                hint=f"the {role} are {listed(names)}; key {option_name} by their names",
            )
    return [option.get(name) for name in names]  # None where the dict has no entry: the default


def check_used_once(uses: Sequence[tuple[str, str]], *, what: str, hint: str) -> None:
    """Refuse a column (or key) used twice: `uses` pairs each one's name with its role (`input 'a'`).

    Args:
        uses: Each column's name and what it feeds.
        what: How messages start: `data.csv: column`.
        hint: The hint.

    Raises:
        TypednnError: naming the column and both of its roles.
    """
    seen: dict[str, str] = {}
    for name, role in uses:
        given: object = name  # callers without mypy pass anything: a list, a dict...
        if not isinstance(given, (str, int)) or isinstance(given, bool):
            raise TypednnError(f"{what} of {role} must be a name (or a number), not {given!r}", hint=hint)
        if name in seen:
            raise TypednnError(f"{what} {quoted(name)} feeds both {seen[name]} and {role}", hint=hint)
        seen[name] = role


def one_value(option: T | Mapping[str, T], name: str, where: object) -> T:
    """An option that must be one value, since `features=` and `label=` name no inputs or outputs.

    Raises:
        TypednnError: for a dict by name.
    """
    if isinstance(option, Mapping):
        raise TypednnError(
            f"{where}: {name}= is a dict by input or output name, but features= and label= name none",
            hint="give one value, or name the inputs (features={...}) and outputs (label={...})",
        )
    return option
