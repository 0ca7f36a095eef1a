"""tn.losses against plain NumPy formulas, written here from the definitions.

Every loss gives one value per example: the mean over each example's other axes. The
losses run jitted, as the trainer runs them (and one compile is faster than eager ops).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from typednn import losses

Array = np.ndarray[Any, Any]
Loss = Callable[[jax.Array, jax.Array], jax.Array]

softmax_cross_entropy: Loss = jax.jit(losses.softmax_cross_entropy)
binary_cross_entropy: Loss = jax.jit(losses.binary_cross_entropy)
mean_squared_error: Loss = jax.jit(losses.mean_squared_error)
mean_absolute_error: Loss = jax.jit(losses.mean_absolute_error)
huber: Loss = jax.jit(losses.huber)


def _log_softmax(logits: Array) -> Array:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def _per_example(values: Array) -> Array:
    return np.asarray(values.reshape(len(values), -1).mean(axis=1))


def _softmax_ce_ids(logits: Array, ids: Array) -> Array:
    picked = np.take_along_axis(_log_softmax(logits), ids[..., None], axis=-1)[..., 0]
    return _per_example(-picked)


def _softmax_ce_probs(logits: Array, probs: Array) -> Array:
    return _per_example(-(probs * _log_softmax(logits)).sum(axis=-1))


def _sigmoid_ce(logits: Array, targets: Array) -> Array:
    # -y log(sigmoid(x)) - (1 - y) log(1 - sigmoid(x)), rearranged so exp never overflows.
    return _per_example(np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits))))


def _huber(predictions: Array, targets: Array, delta: float) -> Array:
    error = np.abs(predictions - targets)
    return _per_example(np.where(error <= delta, 0.5 * error**2, delta * (error - 0.5 * delta)))


def _check(actual: jax.Array, expected: Array, batch: int) -> None:
    assert actual.shape == (batch,)
    assert actual.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=1e-5, atol=1e-6)


CLASS_SHAPES = [(7, 5), (1, 2), (4, 3, 6), (3, 2, 4, 3)]  # (batch, *dims, classes)
VALUE_SHAPES = [(6,), (5, 1), (4, 3), (3, 2, 5)]  # (batch, *dims)


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_on_class_ids_is_the_log_softmax_of_the_true_class(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=shape).astype(np.float32)
    ids = rng.integers(0, shape[-1], size=shape[:-1]).astype(np.int32)
    loss = softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(ids))
    _check(loss, _softmax_ce_ids(logits.astype(np.float64), ids), shape[0])


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_on_probabilities_matches_numpy(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3.0, size=shape).astype(np.float32)
    probs = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]).astype(np.float32)
    loss = softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(probs))
    _check(loss, _softmax_ce_probs(logits.astype(np.float64), probs.astype(np.float64)), shape[0])


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_gives_the_same_loss_for_one_hot_and_class_ids(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(2)
    logits = jnp.asarray(rng.normal(size=shape), jnp.float32)
    ids = jnp.asarray(rng.integers(0, shape[-1], size=shape[:-1]), jnp.int32)
    from_ids = softmax_cross_entropy(logits, ids)
    from_one_hot = softmax_cross_entropy(logits, jax.nn.one_hot(ids, shape[-1]))
    np.testing.assert_allclose(np.asarray(from_ids), np.asarray(from_one_hot), rtol=1e-6, atol=1e-6)


def test_softmax_cross_entropy_does_not_change_when_every_logit_shifts() -> None:
    logits = jnp.asarray(np.random.default_rng(3).normal(size=(4, 5)), jnp.float32)
    ids = jnp.array([0, 1, 2, 4])
    np.testing.assert_allclose(
        np.asarray(softmax_cross_entropy(logits + 1000.0, ids)),
        np.asarray(softmax_cross_entropy(logits, ids)),
        rtol=1e-3,
    )


@pytest.mark.parametrize("shape", VALUE_SHAPES)
def test_binary_cross_entropy_is_the_stable_sigmoid_cross_entropy(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=4.0, size=shape).astype(np.float32)
    targets = rng.integers(0, 2, size=shape).astype(np.float32)
    loss = binary_cross_entropy(jnp.asarray(logits), jnp.asarray(targets))
    _check(loss, _sigmoid_ce(logits.astype(np.float64), targets.astype(np.float64)), shape[0])


def test_binary_cross_entropy_takes_probabilities_and_integer_targets() -> None:
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(6, 3)).astype(np.float32)
    soft = rng.uniform(size=(6, 3)).astype(np.float32)
    loss = binary_cross_entropy(jnp.asarray(logits), jnp.asarray(soft))
    _check(loss, _sigmoid_ce(logits.astype(np.float64), soft.astype(np.float64)), 6)
    hard = rng.integers(0, 2, size=(6, 3))
    np.testing.assert_array_equal(
        np.asarray(binary_cross_entropy(jnp.asarray(logits), jnp.asarray(hard, jnp.int32))),
        np.asarray(binary_cross_entropy(jnp.asarray(logits), jnp.asarray(hard, jnp.float32))),
    )


@pytest.mark.parametrize("shape", VALUE_SHAPES)
def test_mean_squared_and_absolute_errors_match_numpy(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(6)
    predictions = rng.normal(scale=2.0, size=shape).astype(np.float32)
    targets = rng.normal(scale=2.0, size=shape).astype(np.float32)
    difference = predictions.astype(np.float64) - targets
    p, t = jnp.asarray(predictions), jnp.asarray(targets)
    _check(mean_squared_error(p, t), _per_example(difference**2), shape[0])
    _check(mean_absolute_error(p, t), _per_example(np.abs(difference)), shape[0])


@pytest.mark.parametrize("shape", VALUE_SHAPES)
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_huber_matches_numpy_with_delta_bound_by_partial(shape: tuple[int, ...], delta: float) -> None:
    rng = np.random.default_rng(7)
    predictions = rng.normal(scale=2.0, size=shape).astype(np.float32)
    targets = rng.normal(scale=2.0, size=shape).astype(np.float32)
    loss: Loss = jax.jit(functools.partial(losses.huber, delta=delta))
    actual = loss(jnp.asarray(predictions), jnp.asarray(targets))
    _check(actual, _huber(predictions.astype(np.float64), targets.astype(np.float64), delta), shape[0])


def test_huber_defaults_to_delta_one_and_tends_to_half_the_squared_error_for_a_large_delta() -> None:
    rng = np.random.default_rng(8)
    p = jnp.asarray(rng.normal(size=(5, 4)), jnp.float32)
    t = jnp.asarray(rng.normal(size=(5, 4)), jnp.float32)
    _check(huber(p, t), _huber(np.asarray(p, np.float64), np.asarray(t, np.float64), 1.0), 5)
    wide: Loss = jax.jit(functools.partial(losses.huber, delta=1e6))
    np.testing.assert_allclose(np.asarray(wide(p, t)), np.asarray(0.5 * mean_squared_error(p, t)), rtol=1e-6)


EXTREME = np.array([[100.0, -100.0, 0.0], [-100.0, 100.0, 100.0], [-100.0, -100.0, -100.0]], np.float32)


@pytest.mark.parametrize("targets", ["ids", "one_hot"])
def test_softmax_cross_entropy_is_finite_with_finite_gradients_at_extreme_logits(targets: str) -> None:
    ids = jnp.array([1, 0, 2])  # the true class is the lowest logit in the first two rows
    y = ids if targets == "ids" else jax.nn.one_hot(ids, 3)

    def mean_loss(logits: jax.Array) -> jax.Array:
        return jnp.mean(softmax_cross_entropy(logits, y))

    value, grad = jax.jit(jax.value_and_grad(mean_loss))(jnp.asarray(EXTREME))
    np.testing.assert_allclose(
        np.asarray(softmax_cross_entropy(jnp.asarray(EXTREME), y)),
        _softmax_ce_ids(EXTREME.astype(np.float64), np.asarray(ids)),
        rtol=1e-5,
    )
    assert np.isfinite(float(value)) and np.isfinite(np.asarray(grad)).all()
    # The gradient is (softmax - one_hot) / 3 over the batch of 3: saturated, not vanishing or overflowing.
    np.testing.assert_allclose(np.asarray(grad)[0], [1 / 3, -1 / 3, 0.0], atol=1e-6)


@pytest.mark.parametrize("logit", [100.0, -100.0])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_binary_cross_entropy_is_finite_with_finite_gradients_at_extreme_logits(logit: float, target: float) -> None:
    logits = jnp.full((2, 1), logit)
    targets = jnp.full((2, 1), target)

    def mean_loss(x: jax.Array) -> jax.Array:
        return jnp.mean(binary_cross_entropy(x, targets))

    value, grad = jax.jit(jax.value_and_grad(mean_loss))(logits)
    wrong = (logit > 0) != (target > 0.5)
    # About 100 when the logit points the wrong way, about e^-100 (0 in float32) when right.
    np.testing.assert_allclose(float(value), 100.0 if wrong else 0.0, atol=1e-5)
    # The gradient is (sigmoid(x) - y) / 2 over the batch of two.
    np.testing.assert_allclose(np.abs(np.asarray(grad)), 0.5 if wrong else 0.0, atol=1e-6)


def test_regression_losses_have_finite_gradients_far_from_the_target() -> None:
    predictions = jnp.array([[100.0, -100.0], [1e4, 0.5]])
    targets = jnp.zeros((2, 2))

    def gradient(loss: Loss) -> Array:
        return np.asarray(jax.jit(jax.grad(lambda p: jnp.sum(loss(p, targets))))(predictions))

    np.testing.assert_allclose(gradient(mean_squared_error), [[100.0, -100.0], [1e4, 0.5]])  # 2 * error / 2
    np.testing.assert_allclose(gradient(mean_absolute_error), [[0.5, -0.5], [0.5, 0.5]])
    # Huber's gradient is the error up to delta (here 1) and delta beyond, halved by the mean over two labels.
    np.testing.assert_allclose(gradient(huber), [[0.5, -0.5], [0.5, 0.25]])
