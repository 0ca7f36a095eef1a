"""Losses: pure functions from model outputs and targets to a mean loss."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax


def softmax_cross_entropy(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Mean cross-entropy of class scores against class ids or class probabilities.

    Args:
        logits: Shape `(batch, classes)`.
        targets: Class ids of shape `(batch,)`, or one-hot/probabilities of shape
            `(batch, classes)`.
    """
    if targets.ndim == logits.ndim - 1:
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, targets))
    return jnp.mean(optax.softmax_cross_entropy(logits, targets))


def mean_squared_error(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """Mean of the squared differences."""
    return jnp.mean(jnp.square(predictions - targets))
