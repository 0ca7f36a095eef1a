"""BatchNorm: normalised with the batch's statistics while training, running ones at inference."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import BatchNormHyper, Shape
from ._base import P, ParamTree
from ._lowering import concrete
from ._norm import _Norm, _normalize, _statistics


def _batch_statistics(x: jax.Array, axes: tuple[int, ...], mask: jax.Array | None) -> tuple[jax.Array, jax.Array]:
    """Mean and (fast) variance over `axes`, counting only the examples `mask` keeps.

    flax.nnx's `_compute_stats` with its `mask`: at least float32, E[x^2] - E[x]^2
    clipped at zero. Without a mask it is `_norm._statistics`.
    """
    if mask is None:
        return _statistics(x, axes, use_mean=True)
    x = jnp.asarray(x, jnp.promote_types(x.dtype, jnp.float32))
    where = jnp.broadcast_to(mask.reshape(mask.shape + (1,) * (x.ndim - 1)), x.shape)
    mean = x.mean(axes, where=where)
    variance = jnp.maximum(0.0, lax.square(x).mean(axes, where=where) - lax.square(mean))
    return mean, variance


def _low(y: jax.Array, x: jax.Array) -> jax.Array:
    """`y` in `x`'s dtype when that is half precision (mixed precision, `train._precision`).

    The float32 running statistics promote a bfloat16 or float16 input to float32, so
    the normalisation runs in float32; its output goes back to the input's dtype, as
    Keras's BatchNormalization does under a mixed policy. float32 inputs are untouched.
    """
    return y.astype(x.dtype) if x.dtype in (jnp.bfloat16, jnp.float16) else y


class BatchNorm(_Norm[*P]):
    """Each feature (the last axis) normalised over the batch and every other axis.

    While training it uses the batch's mean and variance and moves its running
    statistics toward them: `mean = momentum * mean + (1 - momentum) * batch_mean`
    (the same for `var`). At inference it uses the running statistics. Its arrays are
    those of `flax.nnx.BatchNorm(features)`: the parameters "scale" (ones) and "bias"
    (zeros), and the state "mean" (zeros) and "var" (ones), which the trainer updates
    each step and the optimizer never sees. The defaults are Keras's (flax's epsilon
    is 1e-5); the computation is flax.nnx's (`use_running_average=not training`).

    Args:
        momentum: The share of the running statistics kept at each training step.
        epsilon: Added to the variance before its square root.
        use_bias: Whether to add a learned bias.
        use_scale: Whether to multiply by a learned scale.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.BatchNorm()(tn.Input(32, 32, 16)).shape
        (32, 32, 16)
    """

    hyper_type = BatchNormHyper
    kind = "batch_norm"
    hyper: BatchNormHyper
    state_names = ("mean", "var")

    def __init__(
        self,
        *,
        momentum: float = BatchNormHyper.default("momentum"),
        epsilon: float = BatchNormHyper.default("epsilon"),
        use_bias: bool = BatchNormHyper.default("use_bias"),
        use_scale: bool = BatchNormHyper.default("use_scale"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init_state(self, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        features = (concrete(x.last, f"{self!r}: the features"),)
        return {"mean": jnp.zeros(features, jnp.float32), "var": jnp.ones(features, jnp.float32)}

    def apply_with_state(
        self,
        params: ParamTree,
        state: ParamTree,
        *xs: jax.Array,
        key: jax.Array | None,
        training: bool,
        mask: jax.Array | None = None,
    ) -> tuple[jax.Array, ParamTree]:
        # flax.nnx promotes the input, the statistics and the parameters to one dtype.
        promoted, x = self.promoted(params | state, xs[0])
        params = {name: promoted[name] for name in params}
        reduced = tuple(range(x.ndim - 1))
        if not training:
            return _low(_normalize(x, promoted["mean"], promoted["var"], params, reduced, self.epsilon), xs[0]), state
        mean, variance = _batch_statistics(x, reduced, mask)
        momentum = float(self.hyper.values()["momentum"])
        # The statistics take no gradient, as flax.nnx stops it on its BatchStat update.
        updated = {
            "mean": jax.lax.stop_gradient(momentum * promoted["mean"] + (1 - momentum) * mean),
            "var": jax.lax.stop_gradient(momentum * promoted["var"] + (1 - momentum) * variance),
        }
        return _low(_normalize(x, mean, variance, params, reduced, self.epsilon), xs[0]), updated

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        """The output alone, from the layer's entry in `params` (parameters and state together)."""
        own = {k: v for k, v in params.items() if k not in self.state_names}
        state = {k: params[k] for k in self.state_names}
        return self.apply_with_state(own, state, *xs, key=key, training=training)[0]
