"""Activations and Dropout: layers that keep the shape."""

from __future__ import annotations

from collections.abc import Callable

import jax

from .._errors import TypednnError
from .._shapes import ActivationHyper, DropoutHyper
from ._base import Layer, P, ParamTree


class Activation(Layer[*P]):
    """A pointwise nonlinearity by name; `nn.relu` and friends are ready-made ones.

    Args:
        function: One of relu, gelu, tanh, sigmoid, softmax, log_softmax, silu, elu,
            leaky_relu, softplus, relu6, hard_sigmoid, hard_swish (softmax and
            log_softmax act on the last axis; the last three are Keras 3's, for MobileNets).
        name: The layer's name in the model.
    """

    hyper_type = ActivationHyper
    kind = "activation"
    masking = "keep"
    hyper: ActivationHyper

    def __init__(self, function: str, *, name: str | None = None) -> None:
        self._init_from(locals())

    def default_name(self) -> str:
        return self.hyper.function

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return activate(self.hyper.function, xs[0])


def activate(function: str | None, x: jax.Array) -> jax.Array:
    """`x` through the activation named `function` (None: `x` itself).

    The one table of activations: `Activation` and every layer's `activation=` argument
    (Keras's `Dense(10, activation="relu")`) call it, so both give the same graph.

    Example:
        >>> import jax.numpy as jnp
        >>> activate("relu", jnp.array([-1.0, 2.0]))
        Array([0., 2.], dtype=float32)
    """
    if function is None:
        return x
    # Every name in _shapes.ACTIVATIONS (the one list, validated at construction) is a jax.nn function.
    found: Callable[[jax.Array], jax.Array] = getattr(jax.nn, function)
    return found(x)


class Dropout(Layer[*P]):
    """Zeroes each value with probability `rate` while training, scaling the rest up.

    Args:
        rate: The fraction of values to drop, in [0, 1).
        name: The layer's name in the model.
    """

    hyper_type = DropoutHyper
    kind = "dropout"
    masking = "keep"
    hyper: DropoutHyper

    def __init__(self, rate: float, *, name: str | None = None) -> None:
        self._init_from(locals())

    @property
    def stochastic(self) -> bool:
        return True

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        rate = self.hyper.rate
        if not training or rate == 0:
            return x
        if key is None:
            raise TypednnError(
                f"{self!r} needs a random key while training",
                hint="pass key=jax.random.key(...) to apply(..., training=True); tn.Trainer does this for you",
            )
        keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
        return jax.numpy.where(keep, x / (1.0 - rate), 0.0)
