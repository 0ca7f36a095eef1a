"""The shape of a model input, as `tn.Input(*sizes)` states it."""

from __future__ import annotations

import typing
from typing import Literal, TypeAlias

from .._errors import TypednnError
from ._dims import Shape, is_size, too_large, too_large_message

Dtype: TypeAlias = Literal["float32", "int32"]
"""A model input's dtype: float features, or integer token ids (a `tn.Tokens` tensor)."""
FEATURES, TOKENS = typing.get_args(Dtype)


def input_shape(sizes: tuple[object, ...], *, dtype: object = FEATURES) -> Shape:
    """The shape `tn.Input(*sizes, dtype=dtype)` stands for.

    Raises:
        TypednnError: if a size is not a positive int or a named `Dim`, or for another dtype.
    """
    if dtype not in (FEATURES, TOKENS):
        raise TypednnError(
            f"Input: dtype must be {FEATURES!r} (features) or {TOKENS!r} (token ids), not {dtype!r}",
            hint='token ids for nn.Embedding: tn.Input(128, dtype="int32")',
        )
    for size in sizes:
        if not is_size(size):
            written = ", ".join(map(repr, sizes))
            raise TypednnError(
                f"Input({written}): every size must be a positive int or a tn.Dim subclass, but got {size!r}",
                hint="the batch axis is implicit: give the sizes of one example, e.g. tn.Input(28, 28, 1)",
            )
        if too_large(size):
            raise TypednnError(
                f"Input: {too_large_message('every size', size)}",
                hint="JAX indexes an axis with 32-bit ints; no example this large fits a device",
            )
    return Shape(tuple(s for s in sizes if is_size(s)), tokens=dtype == TOKENS)
