"""The shape of a model input, as `tn.Input(*sizes)` states it."""

from __future__ import annotations

from .._errors import TypednnError
from ._dims import Shape, is_size


def input_shape(sizes: tuple[object, ...], *, tokens: bool = False) -> Shape:
    """The shape `tn.Input(*sizes)` stands for (`tokens`: with `dtype="int32"`).

    Raises:
        TypednnError: if a size is not a positive int or a named `Dim`.
    """
    for size in sizes:
        if not is_size(size):
            written = ", ".join(map(repr, sizes))
            raise TypednnError(
                f"Input({written}): every size must be a positive int or a tn.Dim subclass, but got {size!r}",
                hint="the batch axis is implicit: give the sizes of one example, e.g. tn.Input(28, 28, 1)",
            )
    return Shape(tuple(s for s in sizes if is_size(s)), tokens=tokens)
