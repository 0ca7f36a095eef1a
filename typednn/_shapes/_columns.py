"""How wide a column transform makes a column: the one rule `data.transforms` and the mypy plugin share.

jax-, numpy- and pyarrow-free, as the layers' rules are: the plugin imports it on every
check (`_mypy_transforms`), and each transform's `output_width` asks it with its own
fields. A width that a fitted vocabulary decides is None until the vocabulary is known
(given up front, or fitted).

Example:
    >>> transform_width("one_hot", 1, {"vocabulary": ["fixed", "normal", "reversible"]})
    4
    >>> transform_width("one_hot", 1, {}) is None  # fitted from the training rows
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

OOV: Final = 1
"""Out-of-vocabulary buckets (or ids) by default: `lookup`, `one_hot`, `multi_hot`, `tokens`."""
HASHING_ONE_HOT: Final = False
"""Whether `hashing(bins)` makes a one-hot row by default (else the bin's index)."""
KEEPS_WIDTH: Final = frozenset({"standardize", "min_max", "clip", "log"})
"""The number transforms: as wide after as before."""
KINDS: Final = KEEPS_WIDTH | {"lookup", "one_hot", "multi_hot", "hashing", "tokens"}
"""Every transform kind with a width rule (`transforms._kinds.CONSTRUCTORS` names the same)."""


def transform_width(kind: str, width: int, options: Mapping[str, Any]) -> int | None:
    """The values a row has after a transform of `kind` with `options`, given `width` before it.

    Args:
        kind: The transform's kind (`one_hot`).
        width: The values before it: 1 for a raw column.
        options: Its options and fitted values by name; a missing one takes its default.

    Returns:
        The width, or None while a vocabulary to be fitted decides it.
    """
    if kind in KEEPS_WIDTH:
        return width
    if kind == "lookup":
        return 1  # an index, whatever the vocabulary
    if kind in ("one_hot", "multi_hot"):
        vocabulary = options.get("vocabulary")
        return None if vocabulary is None else int(options.get("oov", OOV)) + len(vocabulary)
    if kind == "hashing":
        return int(options["bins"]) if options.get("one_hot", HASHING_ONE_HOT) else 1
    if kind == "tokens":
        return int(options["length"])
    raise ValueError(f"no width rule for the column transform {kind!r}")
