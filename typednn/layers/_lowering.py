"""Helpers the layers' lowerings share: concrete sizes and Flax's default initializers."""

from __future__ import annotations

import jax
import jax.numpy as jnp

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


def kernel_and_bias(key: jax.Array, shape: tuple[int, ...], *, use_bias: bool) -> dict[str, jax.Array]:
    """A kernel of `shape` and, with `use_bias`, a bias of its last axis: Flax's initialisers."""
    params = {"kernel": kernel_init(key, shape, jnp.float32)}
    if use_bias:
        params["bias"] = bias_init(key, shape[-1:], jnp.float32)
    return params


def add_bias(y: jax.Array, params: dict[str, jax.Array]) -> jax.Array:
    """`y` plus the bias over its last axis, when the layer has one (as Flax adds it)."""
    if "bias" in params:
        y += jnp.reshape(params["bias"], (1,) * (y.ndim - 1) + (-1,))
    return y
