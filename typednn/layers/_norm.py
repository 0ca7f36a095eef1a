"""LayerNorm, RMSNorm and GroupNorm over the last axis, with flax.nnx's parameters and operations."""

from __future__ import annotations

from typing import ClassVar

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import GroupNormHyper, LayerNormHyper, NormHyper, RMSNormHyper, Shape
from ._base import Layer, P, ParamTree
from ._lowering import concrete

# flax.nnx's normalisation initialisers: the layer starts as the identity map on normalised values.
scale_init = jax.nn.initializers.ones
bias_init = jax.nn.initializers.zeros


def _statistics(x: jax.Array, axes: tuple[int, ...], *, use_mean: bool) -> tuple[jax.Array, jax.Array]:
    """Mean and variance over `axes`, as flax.nnx's `_compute_stats` computes them (fast variance).

    The statistics are at least float32 (half-precision inputs too), and the variance
    E[x^2] - E[x]^2 is clipped at zero, where rounding can take it below.
    """
    x = jnp.asarray(x, jnp.promote_types(x.dtype, jnp.float32))
    squares = lax.square(x)  # flax squares first, then takes both means: the same program order
    if use_mean:
        mean = x.mean(axes)
        variance = jnp.maximum(0.0, squares.mean(axes) - lax.square(mean))
        return mean, variance
    variance = squares.mean(axes)
    return jnp.zeros_like(variance), variance


def _normalize(
    x: jax.Array,
    mean: jax.Array,
    variance: jax.Array,
    params: ParamTree,
    reduced: tuple[int, ...],
    epsilon: float,
) -> jax.Array:
    """`(x - mean) / sqrt(variance + epsilon) * scale + bias`, in flax.nnx's `_normalize` order."""
    stats_shape = tuple(1 if axis in reduced else size for axis, size in enumerate(x.shape))
    feature_shape = (1,) * (x.ndim - 1) + (x.shape[-1],)
    mean = mean.reshape(stats_shape)
    variance = variance.reshape(stats_shape)
    y = x - mean
    multiplier = lax.rsqrt(variance + epsilon)
    if "scale" in params:
        multiplier *= params["scale"].reshape(feature_shape)
    y *= multiplier
    if "bias" in params:
        y += params["bias"].reshape(feature_shape)
    return jnp.asarray(y, jnp.result_type(x, *params.values()))


class _Norm(Layer[*P]):
    """Parameters of the size of the last axis, named and initialised as flax.nnx's."""

    hyper_type: ClassVar[type[NormHyper]]

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        features = (concrete(x.last, f"{self!r}: the features"),)
        p = self.hyper.values()
        params: ParamTree = {}
        if p.get("use_scale", False):
            params["scale"] = scale_init(key, features, jnp.float32)
        if p.get("use_bias", False):
            params["bias"] = bias_init(key, features, jnp.float32)
        return params

    def promoted(self, params: ParamTree, x: jax.Array) -> tuple[ParamTree, jax.Array]:
        # flax.nnx promotes the input and the parameters to one inexact dtype before normalising.
        dtype = jnp.result_type(x, *params.values())
        if not jnp.issubdtype(dtype, jnp.inexact):
            dtype = jnp.promote_types(jnp.float32, dtype)
        return {name: jnp.asarray(value, dtype) for name, value in params.items()}, jnp.asarray(x, dtype)

    @property
    def epsilon(self) -> float:
        # Always a number here: only the mypy plugin builds hyperparameters with unknowns.
        return float(self.hyper.values()["epsilon"])


class LayerNorm(_Norm[*P]):
    """Each example normalised over its last axis, then scaled and shifted per feature.

    The same computation and parameters ("scale" of ones, "bias" of zeros, one value per
    feature) as `flax.nnx.LayerNorm(features)`.

    Args:
        epsilon: Added to the variance before its square root.
        use_bias: Whether to add a learned bias.
        use_scale: Whether to multiply by a learned scale.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.LayerNorm()(tn.Input(128, 64)).shape
        (128, 64)
    """

    hyper_type = LayerNormHyper
    kind = "layer_norm"
    masking = "keep"
    hyper: LayerNormHyper

    def __init__(
        self,
        *,
        epsilon: float = LayerNormHyper.default("epsilon"),
        use_bias: bool = LayerNormHyper.default("use_bias"),
        use_scale: bool = LayerNormHyper.default("use_scale"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        params, x = self.promoted(params, xs[0])
        axes = (x.ndim - 1,)
        mean, variance = _statistics(x, axes, use_mean=True)
        return _normalize(x, mean, variance, params, axes, self.epsilon)


class RMSNorm(_Norm[*P]):
    """Each example divided by the root mean square of its last axis, then scaled per feature.

    The same computation and parameter ("scale" of ones) as `flax.nnx.RMSNorm(features)`.

    Args:
        epsilon: Added to the mean square before its square root.
        use_scale: Whether to multiply by a learned scale.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.RMSNorm(epsilon=1e-5)(tn.Input(16, 512)).shape
        (16, 512)
    """

    hyper_type = RMSNormHyper
    kind = "rms_norm"
    masking = "keep"
    hyper: RMSNormHyper

    def __init__(
        self,
        *,
        epsilon: float = RMSNormHyper.default("epsilon"),
        use_scale: bool = RMSNormHyper.default("use_scale"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def default_name(self) -> str:
        return "rms_norm"  # not "rmsnorm", which the class name's capitals would give

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        params, x = self.promoted(params, xs[0])
        axes = (x.ndim - 1,)
        mean, variance = _statistics(x, axes, use_mean=False)
        return _normalize(x, mean, variance, params, axes, self.epsilon)


class GroupNorm(_Norm[*P]):
    """The channels (last axis) split into `groups`; each group normalised over the whole example.

    The statistics of a group span every axis of the example: height, width and the
    group's channels for NHWC images, length for NLC sequences, the group's features for
    a (features,) vector. The same computation and parameters as
    `flax.nnx.GroupNorm(channels, num_groups=groups)`; `groups=1` is a LayerNorm over the
    whole example.

    Args:
        groups: The number of groups; it must divide the number of channels.
        epsilon: Added to the variance before its square root.
        use_bias: Whether to add a learned bias per channel.
        use_scale: Whether to multiply by a learned scale per channel.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GroupNorm(8)(tn.Input(32, 32, 64)).shape
        (32, 32, 64)
    """

    hyper_type = GroupNormHyper
    kind = "group_norm"
    hyper: GroupNormHyper

    def __init__(
        self,
        groups: int,
        *,
        epsilon: float = GroupNormHyper.default("epsilon"),
        use_bias: bool = GroupNormHyper.default("use_bias"),
        use_scale: bool = GroupNormHyper.default("use_scale"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        params, x = self.promoted(params, xs[0])
        groups = concrete(self.hyper.groups, f"{self!r}: groups")
        # (batch, ..., channels) -> (batch, ..., groups, channels / groups); reshape refuses
        # a channel count that the groups do not divide.
        grouped = x.reshape((*x.shape[:-1], groups, x.shape[-1] // groups))
        spatial = tuple(range(1, x.ndim - 1))
        mean, variance = _statistics(grouped, (*spatial, grouped.ndim - 1), use_mean=True)
        # One statistic per group, repeated for each of its channels: (batch, channels).
        mean = jnp.repeat(mean, x.shape[-1] // groups, axis=1)
        variance = jnp.repeat(variance, x.shape[-1] // groups, axis=1)
        return _normalize(x, mean, variance, params, spatial, self.epsilon)
