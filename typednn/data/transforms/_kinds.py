"""Each transform's constructor by its kind: what spec files name (`standardize`, `one_hot`, ...).

A spec file's `data.transform` section calls these functions: a kind's options are its
constructor's parameters (`one_hot(*, max_tokens=None, oov=1)`), read from the
signature, so an option and its default are stated once, here in Python. The kind is
the function's name, and the `kind` the transform it makes saves under in spec.json.

Example:
    >>> CONSTRUCTORS["one_hot"](max_tokens=10)
    OneHot(max_tokens=10, oov=1, vocabulary=None)
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

from ._base import Transform
from ._category import hashing, lookup, multi_hot, one_hot
from ._numeric import clip, log, min_max, standardize
from ._text import tokens

CONSTRUCTORS: Mapping[str, Callable[..., Transform]] = types.MappingProxyType(
    {
        function.__name__: function
        for function in (standardize, min_max, clip, log, lookup, one_hot, multi_hot, hashing, tokens)
    }
)
"""Every transform a spec may name, by kind: its constructor function."""
