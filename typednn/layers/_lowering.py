"""Helpers the layers' lowerings share: concrete sizes and Flax's default initializers."""

from __future__ import annotations

import jax

from .._errors import TypednnError
from .._shapes import Size

# Flax's defaults, so a typed model starts where the hand-written Flax model starts.
kernel_init = jax.nn.initializers.lecun_normal()
bias_init = jax.nn.initializers.zeros


def concrete(size: Size, what: str) -> int:
    """A size that parameters depend on; it must be fixed when the model is lowered."""
    if isinstance(size, int):
        return size
    raise TypednnError(
        f"{what} must be a fixed size to create parameters, but it is {size!r}",
        hint="a named Dim may vary with the data; parameters need a literal size on that axis",
    )


def ints(value: object, what: str) -> tuple[int, ...]:
    """An int or a tuple of ints (kernel, stride, dilation) as a tuple of concrete ints."""
    items = value if isinstance(value, tuple) else (value, value)
    return tuple(concrete(v, what) for v in items)
