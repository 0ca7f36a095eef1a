"""One-key entries that name a kind and give its options, as spec files and exports write them.

Layers, optimizers and data sources share three forms:

- a bare kind: `relu`, `adam`;
- the kind and the value of its main option: `{dense: 10}`, `{csv: iris.csv}`;
- the kind and its options: `{dense: {units: 10, use_bias: false}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Literal

from ._errors import TypednnError
from ._words import did_you_mean, show

Part = Literal["entry", "kind", "value"]
"""What a location points at: the whole entry, its kind (the key), or its options."""


def expand(
    entry: object,
    *,
    what: str,
    kinds: Collection[str],
    main: Callable[[str], str | None],
    at: Callable[[Part], str],
    more: str = "",
) -> tuple[str, dict[str, object]]:
    """An entry's kind and options, with the shorthand forms expanded.

    Args:
        entry: The entry as read from the file.
        what: What the entry is, for messages ("layer", "optimizer").
        kinds: The kinds it may name.
        main: A kind's main option (set by `{kind: value}`), or None if it has none.
        at: Where a part of the entry is, for messages.
        more: Added to the hint for an unknown kind.

    Raises:
        TypednnError: for an entry of another form, an unknown kind (with the closest
            one), or a bare value for a kind without a main option.

    Example:
        >>> expand({"dense": 10}, what="layer", kinds=["dense"], main=lambda kind: "units", at=lambda part: "here")
        ('dense', {'units': 10})
    """
    if isinstance(entry, str):
        kind, value = entry, None
    elif isinstance(entry, dict) and len(entry) == 1:
        ((kind, value),) = entry.items()
    else:
        raise TypednnError(
            f"{at('entry')}: expected a {what}: a name, or one {{name: options}} pair; not {show(entry)}",
            hint=f"e.g. {next(iter(kinds))} or {{{next(iter(kinds))}: {{...}}}}",
        )
    if kind not in kinds:
        raise TypednnError(
            f"{at('kind')}: unknown {what} {kind!r}{did_you_mean(kind, kinds)}",
            hint=f"the {what}s are {', '.join(sorted(kinds))}{more}",
        )
    if isinstance(value, dict):
        return kind, dict(value)
    if value is None:
        return kind, {}
    option = main(kind)
    if option is None:
        raise TypednnError(
            f"{at('value')}: {kind} takes its options as a mapping, not {show(value)}",
            hint=f"e.g. {{{kind}: {{...}}}}",
        )
    return kind, {option: value}
