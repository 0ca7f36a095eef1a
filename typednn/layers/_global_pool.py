"""GlobalAvgPool2D and GlobalMaxPool2D on NHWC images; GlobalAvgPool1D and GlobalMaxPool1D on NLC sequences."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._shapes import GlobalAvgPool1DHyper, GlobalAvgPool2DHyper, GlobalMaxPool1DHyper, GlobalMaxPool2DHyper
from ._base import Layer, P, ParamTree
from ._masks import MaskArray
from ._tensor import Tensor


def _spatial(x: jax.Array) -> jax.Array:
    # A reduction over axes (1, 2) would also run on arrays of another rank; NHWC is the contract.
    _batch, _height, _width, _channels = x.shape
    return x


def _sequence(x: jax.Array) -> jax.Array:
    _batch, _length, _channels = x.shape  # NLC is the contract, as for the images above
    return x


def _real(masks: tuple[MaskArray, ...]) -> jax.Array:
    """The sequence's mask, `(batch, length, 1)`, to select whole feature vectors."""
    (mask,) = masks
    assert mask is not None  # only a masked input comes here
    return mask[:, :, None]


class _SequencePool(Layer[*P]):
    """A 1-D global pool: it reads a padding mask, and its output (no positions left) has none."""

    masking = "use"

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        return False


class GlobalAvgPool2D(Layer[*P]):
    """The mean of each channel over the whole image: (height, width, channels) to (channels,).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GlobalAvgPool2D()(tn.Input(7, 7, 512)).shape
        (512,)
    """

    hyper_type = GlobalAvgPool2DHyper
    kind = "global_avg_pool2d"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # As Flax's ResNet and Keras's GlobalAveragePooling2D write it.
        return jnp.mean(_spatial(xs[0]), axis=(1, 2))


class GlobalMaxPool2D(Layer[*P]):
    """The maximum of each channel over the whole image: (height, width, channels) to (channels,).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GlobalMaxPool2D()(tn.Input(7, 5, 64)).shape
        (64,)
    """

    hyper_type = GlobalMaxPool2DHyper
    kind = "global_max_pool2d"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return jnp.max(_spatial(xs[0]), axis=(1, 2))


class GlobalAvgPool1D(_SequencePool[*P]):
    """The mean of each channel over the sequence: (length, channels) to (channels,).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GlobalAvgPool1D()(tn.Input(128, 64)).shape
        (64,)
    """

    hyper_type = GlobalAvgPool1DHyper
    kind = "global_avg_pool1d"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return jnp.mean(_sequence(xs[0]), axis=1)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        # The mean of the real positions (Keras's masked mean); no real one gives 0.
        x, real = _sequence(xs[0]), _real(masks)
        count = jnp.maximum(jnp.sum(real, axis=1), 1).astype(x.dtype)
        return jnp.sum(jnp.where(real, x, 0), axis=1) / count


class GlobalMaxPool1D(_SequencePool[*P]):
    """The maximum of each channel over the sequence: (length, channels) to (channels,).

    Keras's GlobalMaxPooling1D (channels last).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GlobalMaxPool1D()(tn.Input(128, 64)).shape
        (64,)
    """

    hyper_type = GlobalMaxPool1DHyper
    kind = "global_max_pool1d"

    def __init__(self, *, name: str | None = None) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return jnp.max(_sequence(xs[0]), axis=1)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        # The maximum of the real positions; no real one gives 0.
        x, real = _sequence(xs[0]), _real(masks)
        largest = jnp.max(jnp.where(real, x, -jnp.inf), axis=1)
        return jnp.where(jnp.any(real, axis=1), largest, 0)
