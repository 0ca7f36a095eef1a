"""Losses: pure functions from model outputs and targets to one loss per example.

Like optax's losses they return shape `(batch,)`; the trainer averages over the real
examples of a batch (so a ragged last batch is weighted exactly). Classification
losses take logits: the model's raw scores, before softmax or sigmoid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import jax
import jax.numpy as jnp
import optax

from .._errors import TypednnError
from .._words import did_you_mean


def _per_example(values: jax.Array) -> jax.Array:
    """Average over every axis but the batch axis."""
    return jnp.mean(values.reshape(values.shape[0], -1), axis=1)


def softmax_cross_entropy(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Cross-entropy of class scores against class ids or class probabilities.

    Args:
        logits: Shape `(batch, *dims, classes)`, typically `(batch, classes)`.
        targets: Integer class ids of shape `(batch, *dims)`, or one-hot vectors or
            probabilities of shape `(batch, *dims, classes)`.

    Returns:
        Shape `(batch,)`: the mean over each example's `dims` (a sequence's positions).

    Example:
        >>> import jax.numpy as jnp
        >>> logits = jnp.array([[2.0, 0.0], [0.0, 2.0]])
        >>> softmax_cross_entropy(logits, jnp.array([0, 1])).round(4)
        Array([0.1269, 0.1269], dtype=float32)
        >>> softmax_cross_entropy(logits, jnp.array([[1.0, 0.0], [0.0, 1.0]])).round(4)
        Array([0.1269, 0.1269], dtype=float32)
    """
    if targets.ndim == logits.ndim - 1:
        return _per_example(optax.softmax_cross_entropy_with_integer_labels(logits, targets))
    return _per_example(optax.softmax_cross_entropy(logits, targets))


def binary_cross_entropy(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Sigmoid cross-entropy of logits against 0/1 (or probability) targets.

    Args:
        logits: Shape `(batch, *dims)`, typically `(batch, 1)` or one per label.
        targets: The same shape, values in [0, 1].

    Returns:
        Shape `(batch,)`: the mean over each example's labels.

    Example:
        >>> import jax.numpy as jnp
        >>> binary_cross_entropy(jnp.array([[0.0], [3.0]]), jnp.array([[1.0], [1.0]])).round(4)
        Array([0.6931, 0.0486], dtype=float32)
    """
    return _per_example(optax.sigmoid_binary_cross_entropy(logits, targets.astype(logits.dtype)))


def mean_squared_error(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """The mean squared difference of each example.

    Example:
        >>> import jax.numpy as jnp
        >>> mean_squared_error(jnp.array([[1.0, 3.0]]), jnp.array([[0.0, 0.0]]))
        Array([5.], dtype=float32)
    """
    return _per_example(jnp.square(predictions - targets))


def mean_absolute_error(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """The mean absolute difference of each example.

    Example:
        >>> import jax.numpy as jnp
        >>> mean_absolute_error(jnp.array([[1.0, -3.0]]), jnp.array([[0.0, 0.0]]))
        Array([2.], dtype=float32)
    """
    return _per_example(jnp.abs(predictions - targets))


def huber(predictions: jax.Array, targets: jax.Array, *, delta: float = 1.0) -> jax.Array:
    """Huber loss: squared for errors up to `delta`, linear beyond (robust to outliers).

    Args:
        predictions: Shape `(batch, *dims)`.
        targets: The same shape.
        delta: Where the loss turns from quadratic to linear; bind it with
            `functools.partial(tn.losses.huber, delta=2.0)`.

    Example:
        >>> import jax.numpy as jnp
        >>> huber(jnp.array([[0.5, 3.0]]), jnp.array([[0.0, 0.0]]))
        Array([1.3125], dtype=float32)
    """
    return _per_example(optax.huber_loss(predictions, targets, delta=delta))


BY_NAME: Mapping[str, Callable[[jax.Array, jax.Array], jax.Array]] = MappingProxyType(
    {
        "softmax_cross_entropy": softmax_cross_entropy,
        "binary_cross_entropy": binary_cross_entropy,
        "mean_squared_error": mean_squared_error,
        "mse": mean_squared_error,
        "mean_absolute_error": mean_absolute_error,
        "mae": mean_absolute_error,
        "huber": huber,
    }
)
"""The losses by the names spec files give them."""


def get(name: str) -> Callable[[jax.Array, jax.Array], jax.Array]:
    """A loss by name.

    Raises:
        TypednnError: for an unknown name, with the closest known one.

    Example:
        >>> get("mse").__name__
        'mean_squared_error'
    """
    if name not in BY_NAME:
        raise TypednnError(
            f"unknown loss {name!r}{did_you_mean(name, BY_NAME)}", hint=f"the losses are {', '.join(BY_NAME)}"
        )
    return BY_NAME[name]
