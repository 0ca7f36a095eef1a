"""Rescaling and Normalization: Keras's preprocessing layers, as fixed (never trained) affine maps."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._shapes import NormalizationHyper, RescalingHyper
from .._shapes._rescaling import NORMALIZATION_EPSILON, PerChannel
from ._base import Layer, P, ParamTree


class Rescaling(Layer[*P]):
    """`x * scale + offset`: Keras's `Rescaling`, e.g. pixels from [0, 255] to [0, 1] or [-1, 1].

    No parameters: the numbers are hyperparameters, written into spec files and exports.

    Args:
        scale: The factor, one float or one per channel (the last axis).
        offset: Added after scaling, one float or one per channel.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Rescaling(1 / 127.5, offset=-1.0)(tn.Input(224, 224, 3)).shape
        (224, 224, 3)
    """

    hyper_type = RescalingHyper
    kind = "rescaling"
    masking = "keep"
    hyper: RescalingHyper

    def __init__(
        self, scale: PerChannel, *, offset: PerChannel = RescalingHyper.default("offset"), name: str | None = None
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return x * per_channel(self.hyper.scale, x) + per_channel(self.hyper.offset, x)


class Normalization(Layer[*P]):
    """`(x - mean) / max(sqrt(variance), 1e-7)`: Keras's `Normalization` with its statistics given.

    A fixed layer: `mean` and `variance` are hyperparameters, not parameters, so no
    optimizer moves them and they are written into spec files and exports as the numbers
    they are (JSON, never pickle), as Keras writes them into the layer's config. Per
    channel they are as long as the last axis: a few (an image's channels) to a few
    thousand (tabular features), small beside any layer's weights, and a reader of the
    spec sees the preprocessing a model expects. Keras's `axis=-1` (the default) is the
    one typednn takes: one statistic per entry of the last axis, or one for all.
    The epsilon is Keras's (`backend.epsilon()`, 1e-7), applied to the standard deviation
    as Keras applies it.

    Args:
        mean: The mean, one float or one per channel.
        variance: The variance (not the standard deviation), one float or one per channel.
        invert: Map normalized values back: `mean + x * max(sqrt(variance), 1e-7)`.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> imagenet = nn.Normalization(mean=(0.485, 0.456, 0.406), variance=(0.052, 0.050, 0.051))
        >>> imagenet(tn.Input(224, 224, 3)).shape
        (224, 224, 3)
    """

    hyper_type = NormalizationHyper
    kind = "normalization"
    masking = "keep"
    hyper: NormalizationHyper

    def __init__(
        self,
        *,
        mean: PerChannel,
        variance: PerChannel,
        invert: bool = NormalizationHyper.default("invert"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        p = self.hyper
        mean = per_channel(p.mean, x)
        std = jnp.maximum(jnp.sqrt(per_channel(p.variance, x)), NORMALIZATION_EPSILON)
        return mean + x * std if p.invert else (x - mean) / std


def per_channel(value: PerChannel, x: jax.Array) -> jax.Array:
    """A float, or one per channel shaped to broadcast over `x`'s last axis (JAX's rank promotion stays explicit)."""
    if isinstance(value, tuple):
        return jnp.reshape(jnp.asarray(value, x.dtype), (1,) * (x.ndim - 1) + (-1,))
    return jnp.asarray(value, x.dtype)
