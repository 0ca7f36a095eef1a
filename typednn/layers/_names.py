"""The bound on a layer's name, shared by the Python API and spec files.

A layer's name keys its parameters everywhere they go: the parameter tree, each
checkpoint's keys (`opt_state.inner_state.0.mu.<name>.kernel`, which orbax's
non-OCDBT layout makes a folder of that name), the tensors of `weights.safetensors`
and an export's `spec.json`. A name of 100,000 characters passed every check and
then failed inside orbax's writer threads (its key limit is 65,535 bytes), leaving a
half-written checkpoint behind. At most `NAME_LIMIT` bytes keeps every key built from
a name under the 255 bytes a file name may have, with room for the prefix and suffix
the checkpoint adds.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from .._reading import excerpt
from .._shapes import HyperparameterError

NAME_LIMIT: Final = 128
"""The most bytes (UTF-8) a layer's name may have."""


def name_problem(name: str) -> str | None:
    """What is wrong with a layer name, or None when it is fine.

    Example:
        >>> name_problem("encoder_1") is None
        True
        >>> name_problem("a" * 200)
        "a layer's name has at most 128 bytes (UTF-8), but 'aaaaaaaaaaaaaaaaaaaaaaaa…' (200 characters) has 200"
    """
    try:
        size = len(name.encode())
    except UnicodeEncodeError:  # a lone surrogate, which a quoted YAML escape can make
        return f"a layer's name must be text that UTF-8 can encode, but {excerpt(name)} cannot be"
    if size > NAME_LIMIT:
        return f"a layer's name has at most {NAME_LIMIT} bytes (UTF-8), but {excerpt(name)} has {size:,}"
    if any(unicodedata.category(character) == "Cc" for character in name):
        # A newline or NUL would split a message, a CSV row or a C string in a checkpoint's key.
        return f"a layer's name holds no control characters, but {excerpt(name)} does"
    return None


def check_name(name: str | None) -> None:
    """Raise `HyperparameterError` for a name `name_problem` refuses."""
    problem = None if not isinstance(name, str) else name_problem(name)
    if problem is not None:
        raise HyperparameterError(problem, hint=NAME_HINT)


NAME_HINT: Final = "a name keys the layer's parameters in checkpoints and exports; give a short one"
