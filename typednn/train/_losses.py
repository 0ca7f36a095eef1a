"""Losses: pure functions from model outputs and targets to one loss per example.

Like optax's losses they return shape `(batch,)`; the trainer averages over the real
examples of a batch (so a ragged last batch is weighted exactly).

Classification losses take logits by default: the model's raw scores, before softmax or
sigmoid (`from_logits=True`, where Keras's default is False). A model that ends in a
softmax or sigmoid takes the losses named as Keras names them, which take probabilities
(`categorical_crossentropy`, `sparse_categorical_crossentropy`, `binary_crossentropy`),
or `from_logits=False`. Logits are the better choice: the loss is exact for any scores.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import jax
import jax.numpy as jnp
import optax

from .._errors import TypednnError
from .._words import did_you_mean


def _per_example(values: jax.Array) -> jax.Array:
    """Average over every axis but the batch axis."""
    return jnp.mean(values.reshape(values.shape[0], -1), axis=1)


def softmax_cross_entropy(logits: jax.Array, targets: jax.Array, *, from_logits: bool = True) -> jax.Array:
    """Cross-entropy of class scores against class ids or class probabilities.

    Args:
        logits: Shape `(batch, *dims, classes)`, typically `(batch, classes)`.
        targets: Integer class ids of shape `(batch, *dims)`, or one-hot vectors or
            probabilities of shape `(batch, *dims, classes)`.
        from_logits: True (the default here; Keras's is False): `logits` are raw
            scores, and the loss applies the softmax itself. False: they are
            probabilities already (a model ending in a softmax), as
            `categorical_crossentropy` takes them.

    Returns:
        Shape `(batch,)`: the mean over each example's `dims` (a sequence's positions),
        so a tagger's loss is one value per example, and the trainer's mean over the
        real examples of a ragged batch stays exact. Every position counts: padding
        positions are not masked out (yet).

    Example:
        >>> import jax.numpy as jnp
        >>> logits = jnp.array([[2.0, 0.0], [0.0, 2.0]])
        >>> softmax_cross_entropy(logits, jnp.array([0, 1])).round(4)
        Array([0.1269, 0.1269], dtype=float32)
        >>> softmax_cross_entropy(logits, jnp.array([[1.0, 0.0], [0.0, 1.0]])).round(4)
        Array([0.1269, 0.1269], dtype=float32)
    """
    if not from_logits:
        return categorical_crossentropy(logits, targets)
    if targets.ndim == logits.ndim - 1:
        return _per_example(optax.softmax_cross_entropy_with_integer_labels(logits, targets))
    return _per_example(optax.softmax_cross_entropy(logits, targets))


def binary_cross_entropy(logits: jax.Array, targets: jax.Array, *, from_logits: bool = True) -> jax.Array:
    """Sigmoid cross-entropy of logits against 0/1 (or probability) targets.

    Args:
        logits: Shape `(batch, *dims)`, typically `(batch, 1)` or one per label.
        targets: The same shape, values in [0, 1].
        from_logits: True (the default here; Keras's is False): `logits` are raw
            scores, and the loss applies the sigmoid itself. False: they are
            probabilities already (a model ending in a sigmoid), as
            `binary_crossentropy` takes them.

    Returns:
        Shape `(batch,)`: the mean over each example's labels.

    Example:
        >>> import jax.numpy as jnp
        >>> binary_cross_entropy(jnp.array([[0.0], [3.0]]), jnp.array([[1.0], [1.0]])).round(4)
        Array([0.6931, 0.0486], dtype=float32)
    """
    if not from_logits:
        return binary_crossentropy(logits, targets)
    return _per_example(optax.sigmoid_binary_cross_entropy(logits, targets.astype(logits.dtype)))


EPSILON = 1e-7
"""Probabilities are clipped to [EPSILON, 1 - EPSILON] before their log, as Keras clips them."""


def categorical_crossentropy(probabilities: jax.Array, targets: jax.Array) -> jax.Array:
    """Cross-entropy of class probabilities (a softmax's output) against class ids or one-hot targets.

    Keras's `categorical_crossentropy` and `sparse_categorical_crossentropy` in one, with
    Keras's default `from_logits=False`: for a model that ends in a softmax. Each row is
    scaled to sum to 1 and clipped to [1e-7, 1 - 1e-7] before its log, as Keras does, so
    the loss is bounded (about 16.1) where logits would give the exact value: prefer
    ending the model without the softmax, with `softmax_cross_entropy`.

    Args:
        probabilities: Shape `(batch, *dims, classes)`, each row summing to 1.
        targets: Integer class ids of shape `(batch, *dims)`, or one-hot vectors or
            probabilities of shape `(batch, *dims, classes)`.

    Returns:
        Shape `(batch,)`: the mean over each example's `dims`.

    Example:
        >>> import jax.numpy as jnp
        >>> probabilities = jnp.array([[0.75, 0.25], [0.5, 0.5]])
        >>> categorical_crossentropy(probabilities, jnp.array([0, 1])).round(4)
        Array([0.2877, 0.6931], dtype=float32)
        >>> categorical_crossentropy(probabilities, jnp.array([[1.0, 0.0], [0.0, 1.0]])).round(4)
        Array([0.2877, 0.6931], dtype=float32)
    """
    total = jnp.sum(probabilities, axis=-1, keepdims=True)
    logs = jnp.log(jnp.clip(probabilities / total, EPSILON, 1.0 - EPSILON))
    if targets.ndim == probabilities.ndim - 1:
        picked = jnp.take_along_axis(logs, targets[..., None].astype(jnp.int32), axis=-1)[..., 0]
        return _per_example(-picked)
    return _per_example(-jnp.sum(targets.astype(logs.dtype) * logs, axis=-1))


def binary_crossentropy(probabilities: jax.Array, targets: jax.Array) -> jax.Array:
    """Binary cross-entropy of probabilities (a sigmoid's output) against 0/1 (or probability) targets.

    Keras's `binary_crossentropy`, with Keras's default `from_logits=False`: for a model
    that ends in a sigmoid. Probabilities are clipped to [1e-7, 1 - 1e-7] before their
    log, as Keras does; prefer ending the model without the sigmoid, with
    `binary_cross_entropy`, which is exact.

    Args:
        probabilities: Shape `(batch, *dims)`, typically `(batch, 1)`, values in [0, 1].
        targets: The same shape, values in [0, 1].

    Returns:
        Shape `(batch,)`: the mean over each example's labels.

    Example:
        >>> import jax.numpy as jnp
        >>> binary_crossentropy(jnp.array([[0.5], [0.9]]), jnp.array([[1.0], [0.0]])).round(4)
        Array([0.6931, 2.3026], dtype=float32)
    """
    p = jnp.clip(probabilities, EPSILON, 1.0 - EPSILON)
    t = targets.astype(p.dtype)
    return _per_example(-(t * jnp.log(p) + (1.0 - t) * jnp.log1p(-p)))


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
        # Keras's names, with Keras's meaning: they take probabilities (from_logits=False).
        "categorical_crossentropy": categorical_crossentropy,
        "sparse_categorical_crossentropy": categorical_crossentropy,
        "binary_crossentropy": binary_crossentropy,
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


_SAME_SHAPE = "targets of the model's output shape"
TAKES: Mapping[Callable[..., Any], str] = MappingProxyType(
    {
        softmax_cross_entropy: "class ids, or class probabilities of the model's output shape",
        categorical_crossentropy: "class ids, or class probabilities of the model's output shape",
        binary_cross_entropy: f"{_SAME_SHAPE}, each 0 or 1 (one logit per label)",
        binary_crossentropy: f"{_SAME_SHAPE}, each 0 or 1 (one probability per label)",
        mean_squared_error: f"{_SAME_SHAPE} (values to regress)",
        mean_absolute_error: f"{_SAME_SHAPE} (values to regress)",
        huber: f"{_SAME_SHAPE} (values to regress)",
    }
)
"""What each loss takes as targets, for messages."""


def check_applies(
    loss: Callable[[jax.Array, jax.Array], jax.Array],
    *,
    classes: int | None,
    target_shape: tuple[int, ...] | None,
    output: str | None = None,
) -> None:
    """Refuse a loss that cannot take the data's targets, before anything compiles.

    The model's output fits the data already (`check_targets`): `(classes,)` scores for
    class ids, `(*positions, classes)` for class ids with positions, else the targets'
    shape. The loss is traced on abstract arrays of those
    shapes (`jax.eval_shape`, nothing is computed), so a custom loss is checked too.
    The batch size traced differs from every axis, so that no axis broadcasts
    against the batch by chance (`mean_squared_error` of `(batch, 3)` scores and
    `(batch,)` class ids would, at a batch of 3).

    Args:
        loss: The loss.
        classes: The number of classes when the targets are class ids, else None.
        target_shape: One target's shape when the targets are values; the shape of
            their positions for class ids with positions (`(seq,)`), else None.
        output: The output's name, for a model with several (the message names it).

    Raises:
        TypednnError: saying what the loss takes and what the data holds.

    Example:
        >>> check_applies(softmax_cross_entropy, classes=3, target_shape=None)
        >>> check_applies(binary_cross_entropy, classes=3, target_shape=None)
        Traceback (most recent call last):
        ...
        typednn._errors.TypednnError: binary_cross_entropy takes targets of the model's output shape, each 0 or 1 \
(one logit per label), but the data's targets are class ids (3 classes), for outputs of shape (3,)
          hint: class ids take softmax_cross_entropy (the default for them); or give the targets as one-hot vectors
        >>> check_applies(softmax_cross_entropy, classes=5, target_shape=(12,))  # a tagger's
    """
    positions = target_shape if classes is not None and target_shape else ()
    if classes is not None:
        dims: tuple[int, ...] = (*positions, classes)
        ids = f"class ids of shape {positions}" if positions else "class ids"
        holds = f"{ids} ({classes} classes), for outputs of shape {dims}"
        hint = "class ids take softmax_cross_entropy (the default for them); or give the targets as one-hot vectors"
    elif target_shape is not None:
        dims = target_shape
        holds = f"values of shape {target_shape}, the model's output shape"
        hint = "values take mean_squared_error (the default for them), mean_absolute_error or huber"
    else:
        return
    batch = max((*dims, 1)) + 1
    name = loss_name(loss)
    if output is not None:
        name = f"the output {output!r}: {name}"
    function = _function(loss)
    takes = TAKES.get(function)
    if classes is not None and takes is not None and function not in (softmax_cross_entropy, categorical_crossentropy):
        # Traced, a single class would pass: (batch, 1) scores broadcast against (batch,) ids.
        raise TypednnError(f"{name} takes {takes}, but the data's targets are {holds}", hint=hint)
    outputs = jax.ShapeDtypeStruct((batch, *dims), jnp.float32)
    if classes is not None:
        targets = jax.ShapeDtypeStruct((batch, *positions), jnp.int32)
    else:
        targets = jax.ShapeDtypeStruct((batch, *dims), jnp.float32)
    try:
        jax.eval_shape(loss, outputs, targets)  # a loss of the wrong shape is the trainer's to name
    except (TypeError, ValueError, IndexError) as error:
        found = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TypednnError(
            f"{name} cannot take the data's targets, {holds}: {found}"
            if takes is None
            else f"{name} takes {takes}, but the data's targets are {holds}",
            hint=hint,
        ) from None


def _function(loss: Callable[..., Any]) -> Callable[..., Any]:
    """The function of a loss with bound options (`functools.partial(binary_cross_entropy, from_logits=False)`)."""
    while isinstance(loss, functools.partial):
        loss = loss.func
    return loss


def loss_name(loss: Callable[..., Any]) -> str:
    """A loss as messages name it: its function's name, with the options bound to it.

    Example:
        >>> loss_name(functools.partial(binary_cross_entropy, from_logits=False))
        'binary_cross_entropy(from_logits=False)'
    """
    name = getattr(_function(loss), "__name__", None) or repr(loss)
    if isinstance(loss, functools.partial) and loss.keywords:
        name += "(" + ", ".join(f"{key}={value!r}" for key, value in loss.keywords.items()) + ")"
    return name


_TAKE_PROBABILITIES = (categorical_crossentropy, binary_crossentropy)
_TAKE_LOGITS = (softmax_cross_entropy, binary_cross_entropy)


def takes_probabilities(loss: Callable[..., Any]) -> bool | None:
    """Whether a classification loss takes probabilities (True) or logits (False); None for any other loss.

    `categorical_crossentropy` and `binary_crossentropy` take probabilities, as does
    `softmax_cross_entropy` or `binary_cross_entropy` with `from_logits=False` bound
    (`functools.partial`); those two take logits otherwise.

    Example:
        >>> takes_probabilities(softmax_cross_entropy), takes_probabilities(get("binary_crossentropy"))
        (False, True)
        >>> takes_probabilities(functools.partial(binary_cross_entropy, from_logits=False))
        True
        >>> print(takes_probabilities(mean_squared_error))
        None
    """
    function = _function(loss)
    if function in _TAKE_PROBABILITIES:
        return True
    if function not in _TAKE_LOGITS:
        return None
    from_logits = loss.keywords.get("from_logits", True) if isinstance(loss, functools.partial) else True
    return not from_logits
