"""Fitted transforms as plain JSON (spec.json's "transform" section), and back, validated.

It reads::

    {"columns": [
      {"name": "age", "steps": [{"standardize": {"mean": [54.1], "std": [9.0]}}]},
      {"name": "thal", "steps": [{"one_hot": {"max_tokens": null, "oov": 1, "vocabulary": ["normal", "fixed"]}}]},
      {"name": "sex", "steps": []}
    ]}

spec.json comes from whoever sent the export, so every value is checked for its type
and size before it becomes a transform; nothing is executed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..._errors import TypednnError
from ..._words import did_you_mean, no_unknown_keys, show
from ._base import Transform
from ._category import MAX_VOCABULARY, Hashing, Lookup, MultiHot, OneHot
from ._columns import Columns
from ._numeric import Clip, Log, MinMax, Standardize
from ._text import Tokenize

MAX_COLUMNS = 100_000
"""The most columns a transform section may list."""


def to_json(columns: Columns) -> dict[str, Any]:
    """The fitted transforms as JSON-ready values.

    Raises:
        TypednnError: for transforms not fitted yet.
    """
    if not columns.fitted:
        raise TypednnError(
            "the transforms to save are not fitted", hint="call prep.fit(train) before saving them with the model"
        )
    return {
        "columns": [
            {"name": name, "steps": [{step.kind: step.state()} for step in steps]}
            for name, steps in columns.steps.items()
        ]
    }


def from_json(value: object, where: str) -> Columns:
    """The `Columns` a "transform" section describes, fitted as saved.

    Args:
        value: The parsed section.
        where: How messages name it, e.g. `model/spec.json: transform`.

    Raises:
        TypednnError: naming the entry that is malformed (wrong type, too large, unknown kind).
    """
    if not isinstance(value, dict):
        raise TypednnError(f"{where} must be an object, not {show(value)}")
    no_unknown_keys(value, ("columns",), where)
    entries = value.get("columns")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_COLUMNS:
        raise TypednnError(f"{where}.columns must be a list of 1 to {MAX_COLUMNS:,} columns, not {show(entries)}")
    steps: dict[str, list[Transform]] = {}
    for number, entry in enumerate(entries):
        at = f"{where}.columns[{number}]"
        if not isinstance(entry, dict) or set(entry) != {"name", "steps"}:
            raise TypednnError(f"{at} must be {{'name': column, 'steps': [...]}}, not {show(entry)}")
        name, listed = entry["name"], entry["steps"]
        if not isinstance(name, str) or name in steps:
            raise TypednnError(f"{at}.name must be a column name not listed before, not {show(name)}")
        if not isinstance(listed, list):
            raise TypednnError(f"{at}.steps must be a list, not {show(listed)}")
        steps[name] = [_step(step, f"{at}.steps[{index}]") for index, step in enumerate(listed)]
    try:
        columns = Columns(steps)
        _ = columns.widths
    except TypednnError as error:
        raise TypednnError(f"{where}: {error.message}", hint=error.hint) from None
    return columns


def _step(value: object, at: str) -> Transform:
    if not isinstance(value, dict) or len(value) != 1:
        raise TypednnError(f"{at} must be {{kind: {{options}}}}, not {show(value)}")
    [(kind, options)] = value.items()
    if kind not in _READERS:
        raise TypednnError(f"{at}: unknown transform {show(kind)}{did_you_mean(kind, _READERS)}")
    if not isinstance(options, dict):
        raise TypednnError(f"{at}.{kind} must be an object, not {show(options)}")
    keys, read = _READERS[kind]
    no_unknown_keys(options, keys, f"{at}.{kind}")
    missing = [key for key in keys if key not in options]
    if missing:
        raise TypednnError(
            f"{at}.{kind}: {missing[0]!r} is missing", hint="the file is incomplete; save the model again"
        )
    try:
        return read(options, f"{at}.{kind}")
    except TypednnError as error:
        if error.message.startswith(at):
            raise
        raise TypednnError(f"{at}: {error.message}", hint=error.hint) from None


def _floats(value: object, at: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_VOCABULARY:
        raise TypednnError(f"{at} must be a list of 1 to {MAX_VOCABULARY:,} numbers, not {show(value)}")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value):
        raise TypednnError(f"{at} must hold finite numbers only, not {show(value)}")
    return tuple(float(x) for x in value)


def _tokens(value: object, at: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_VOCABULARY:
        raise TypednnError(
            f"{at} must be a list of at most {MAX_VOCABULARY:,} strings, not {show(value)}",
            hint="the file is not what tn.save wrote; save the model again",
        )
    if not all(isinstance(token, str) for token in value):
        bad = next(token for token in value if not isinstance(token, str))
        raise TypednnError(f"{at} must hold strings only, not {show(bad)}", hint="save the model again")
    if len(set(value)) != len(value):
        raise TypednnError(f"{at} lists a category twice", hint="save the model again")
    return tuple(value)


def _vocabulary(kind: type[Lookup] | type[OneHot]) -> Callable[[dict[str, Any], str], Transform]:
    def read(options: dict[str, Any], at: str) -> Transform:
        return kind(options["max_tokens"], options["oov"], _tokens(options["vocabulary"], f"{at}.vocabulary"))

    return read


def _multi_hot(options: dict[str, Any], at: str) -> Transform:
    vocabulary = _tokens(options["vocabulary"], f"{at}.vocabulary")
    return MultiHot(options["max_tokens"], options["oov"], vocabulary, options["separator"])


def _text(options: dict[str, Any], at: str) -> Transform:
    vocabulary = _tokens(options["vocabulary"], f"{at}.vocabulary")
    length, max_tokens, oov, standardize, split = (
        options[key] for key in ("length", "max_tokens", "oov", "standardize", "split")
    )
    return Tokenize(length, max_tokens, oov, standardize, split, vocabulary)  # __post_init__ checks each option


def _pair(kind: type[Standardize] | type[MinMax], keys: tuple[str, str]) -> Callable[[dict[str, Any], str], Transform]:
    def read(options: dict[str, Any], at: str) -> Transform:
        first, second = (_floats(options[key], f"{at}.{key}") for key in keys)
        if len(first) != len(second):
            raise TypednnError(f"{at}: {keys[0]} and {keys[1]} differ in length ({len(first)} and {len(second)})")
        if kind is Standardize and not all(s > 0 for s in second):
            raise TypednnError(f"{at}.std must be positive, not {show(list(second))}")
        return kind(first, second)

    return read


def _clip(options: dict[str, Any], at: str) -> Transform:
    low, high = (_floats([options[key]], f"{at}.{key}")[0] for key in ("low", "high"))
    return Clip(low, high)


_READERS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any], str], Transform]]] = {
    "standardize": (("mean", "std"), _pair(Standardize, ("mean", "std"))),
    "min_max": (("low", "high"), _pair(MinMax, ("low", "high"))),
    "clip": (("low", "high"), _clip),
    "log": ((), lambda options, at: Log()),
    "lookup": (("max_tokens", "oov", "vocabulary"), _vocabulary(Lookup)),
    "one_hot": (("max_tokens", "oov", "vocabulary"), _vocabulary(OneHot)),
    "multi_hot": (("max_tokens", "oov", "vocabulary", "separator"), _multi_hot),
    "hashing": (("bins", "one_hot"), lambda options, at: Hashing(options["bins"], options["one_hot"])),
    "tokens": (("length", "max_tokens", "oov", "standardize", "split", "vocabulary"), _text),
}
