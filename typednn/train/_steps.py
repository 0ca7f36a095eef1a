"""The compiled work of training: many optimizer steps per dispatch, with `lax.scan`.

One dispatch runs a chunk of steps. Each step takes a batch of example indices and
their weights (1 for a real example, 0 for the padding of a ragged last batch), so
every batch has one shape and the loss and metrics are exact. The batch is gathered on
device from the whole dataset when it is there, or read from arrays the host feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import optax

from .._errors import TypednnError
from ..distributed import Placement
from ..lower import Lowered, Params
from ._metrics import Metric, State, mean_init, mean_result, mean_update

Loss = Callable[[jax.Array, jax.Array], jax.Array]
Apply = Callable[..., Any]
MetricStates = dict[str, State]
C = TypeVar("C")
X = TypeVar("X")
Y = TypeVar("Y")


def _mean_loss(loss: Loss, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The loss of each example and their weighted mean."""
    per_example = loss(outputs, targets)
    if per_example.shape != weights.shape:
        raise TypednnError(
            f"the loss returned shape {per_example.shape}, "
            f"but the trainer needs one value per example: {weights.shape}",
            hint="return per-example losses, as optax's losses and tn.losses do; the trainer averages them",
        )
    return jnp.sum(per_example * weights) / jnp.maximum(jnp.sum(weights), 1.0), per_example


def scan(body: Callable[[C, X], tuple[C, Y]], carry: C, xs: X, *, unroll: bool) -> tuple[C, Y]:
    """`lax.scan`, unrolled into straight-line code when asked, and for a single step.

    XLA:CPU runs convolution gradients several times slower inside a loop body than
    outside one (jax-ml/jax#12868), so convolutional models on CPU unroll their chunks
    of steps (and a one-step chunk must not be a one-trip loop either).
    """
    if jax.tree.leaves(xs)[0].shape[0] != 1:
        return jax.lax.scan(body, carry, xs, unroll=unroll)
    carry, y = body(carry, jax.tree.map(lambda x: x[0], xs))
    stacked: Y = jax.tree.map(lambda v: v[None], y)
    return carry, stacked


class Compiled:
    """Builds and caches the jitted chunk functions for one model, loss and optimizer.

    Args:
        apply: The lowered model's `apply(params, x, key=, training=)`.
        loss: Per-example loss.
        optimizer: The optax transformation.
        metrics: Metrics computed while training and evaluating.
        output_shape: One example's output shape (metric states are sized from it).
        unroll: Unroll each chunk of training steps into straight-line code (see `scan`;
            only gradients suffer in loops, so evaluation keeps its loop).
        lowered: The lowered model, for models with state (BatchNorm's running statistics):
            their training steps optimise `lowered.split(params)[0]` and take the state
            from `lowered.apply_updating`. The optimizer state must be made from that split.
        placement: Batches split over a mesh's devices: each chunk's outputs keep the
            state's layout, and what the host reads (losses, metrics) is replicated.
    """

    def __init__(
        self,
        apply: Apply,
        loss: Loss,
        optimizer: optax.GradientTransformation,
        metrics: Sequence[Metric],
        output_shape: tuple[int, ...],
        *,
        unroll: bool = False,
        lowered: Lowered | None = None,
        placement: Placement | None = None,
    ) -> None:
        self.apply = apply
        self.lowered = lowered
        self.placement = placement
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = tuple(metrics)
        self.output_shape = output_shape
        self.unroll = unroll
        # params and optimizer state are donated: each chunk updates them in place. The
        # metric states are small and are read by the host after the next dispatch.
        self.train_on_device = jax.jit(self._train_on_device, donate_argnums=(0, 1), static_argnames="padded")
        self.train_fed = jax.jit(self._train_fed, donate_argnums=(0, 1), static_argnames="padded")
        self.evaluate_on_device = jax.jit(self._evaluate_on_device)
        self.evaluate_fed = jax.jit(self._evaluate_fed)
        self.predict_fed = jax.jit(self._predict_fed)

    def padded(self, weights: Any) -> bool:
        """Whether a chunk's padding must be masked out of BatchNorm's batch statistics.

        Only a model with state needs the mask, and only for a chunk holding a ragged
        batch: full batches compile without it (a masked mean costs compile time).
        """
        return self.lowered is not None and self.lowered.has_state and bool((weights == 0).any())

    def init_metrics(self) -> MetricStates:
        return {"loss": mean_init()} | {metric.name: metric.init(self.output_shape) for metric in self.metrics}

    def results(self, states: MetricStates) -> dict[str, float]:
        """The metric values of host-side states (after `jax.device_get`)."""
        values = {"loss": float(mean_result(states["loss"]))}
        return values | {metric.name: float(metric.result(states[metric.name])) for metric in self.metrics}

    def _update_metrics(
        self, states: MetricStates, outputs: jax.Array, targets: jax.Array, weights: jax.Array, per_example: jax.Array
    ) -> MetricStates:
        updated = {m.name: m.update(states[m.name], outputs, targets, weights) for m in self.metrics}
        return {"loss": mean_update(states["loss"], per_example, weights)} | updated

    def _train_step(
        self,
        carry: tuple[Params, Any, MetricStates],
        x: jax.Array,
        y: jax.Array,
        w: jax.Array,
        key: jax.Array,
        padded: bool,
    ) -> tuple[tuple[Params, Any, MetricStates], jax.Array]:
        if self.lowered is not None and self.lowered.has_state:
            return self._train_step_with_state(self.lowered, carry, x, y, w, key, padded)
        params, opt_state, states = carry

        def objective(p: Params) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
            outputs = self.apply(p, x, key=key, training=True)
            mean, per_example = _mean_loss(self.loss, outputs, y, w)
            return mean, (outputs, per_example)

        (mean, (outputs, per_example)), grads = jax.value_and_grad(objective, has_aux=True)(params)
        updates, opt_state = self.optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        states = self._update_metrics(states, jax.lax.stop_gradient(outputs), y, w, per_example)
        return (params, opt_state, states), mean

    def _train_step_with_state(
        self,
        lowered: Lowered,
        carry: tuple[Params, Any, MetricStates],
        x: jax.Array,
        y: jax.Array,
        w: jax.Array,
        key: jax.Array,
        padded: bool,
    ) -> tuple[tuple[Params, Any, MetricStates], jax.Array]:
        """A step of a model with state (BatchNorm): the optimizer sees only trainable parameters.

        Gradients are taken of the trainable parameters alone; the state comes back from
        the forward pass (`apply_updating`). Kept apart from `_train_step` so that models
        without state compile exactly as before.
        """
        params, opt_state, states = carry
        trainable, state = lowered.split(params)

        def objective(p: Params) -> tuple[jax.Array, tuple[jax.Array, jax.Array, Params]]:
            # The padding of a ragged last batch stays out of the batch statistics.
            mask = w > 0 if padded else None
            outputs, updated = lowered.apply_updating(lowered.merge(p, state), x, key=key, training=True, mask=mask)
            mean, per_example = _mean_loss(self.loss, outputs, y, w)
            return mean, (outputs, per_example, updated)

        (mean, (outputs, per_example, updated)), grads = jax.value_and_grad(objective, has_aux=True)(trainable)
        updates, opt_state = self.optimizer.update(grads, opt_state, trainable)
        trainable = optax.apply_updates(trainable, updates)
        params = lowered.merge(trainable, updated)
        states = self._update_metrics(states, jax.lax.stop_gradient(outputs), y, w, per_example)
        return (params, opt_state, states), mean

    def _train_on_device(
        self,
        params: Params,
        opt_state: Any,
        states: MetricStates,
        features: jax.Array,
        targets: jax.Array,
        index: jax.Array,
        weights: jax.Array,
        steps: jax.Array,
        key: jax.Array,
        padded: bool = False,
    ) -> tuple[Params, Any, MetricStates, jax.Array]:
        # Only the indices travel; the chunk's batches are gathered on device.
        x, y = features[index], targets[index]
        return self._train_fed(params, opt_state, states, x, y, weights, steps, key, padded)

    def _train_fed(
        self,
        params: Params,
        opt_state: Any,
        states: MetricStates,
        x: jax.Array,
        y: jax.Array,
        weights: jax.Array,
        steps: jax.Array,
        key: jax.Array,
        padded: bool = False,
    ) -> tuple[Params, Any, MetricStates, jax.Array]:
        """`padded`: the chunk holds a ragged batch (see `padded`); a static argument."""

        def body(
            carry: tuple[Params, Any, MetricStates], xs: tuple[jax.Array, jax.Array, jax.Array, jax.Array]
        ) -> tuple[tuple[Params, Any, MetricStates], jax.Array]:
            bx, by, w, step = xs
            return self._train_step(carry, bx, by, w, jax.random.fold_in(key, step), padded)

        (params, opt_state, states), losses = scan(
            body, (params, opt_state, states), (x, y, weights, steps), unroll=self.unroll
        )
        if self.placement is not None:
            params, opt_state = self.placement.constrain((params, opt_state))
            states, losses = self.placement.constrain_replicated((states, losses))
        return params, opt_state, states, losses

    def _evaluate_step(
        self, params: Params, states: MetricStates, x: jax.Array, y: jax.Array, w: jax.Array
    ) -> MetricStates:
        outputs = self.apply(params, x)
        _, per_example = _mean_loss(self.loss, outputs, y, w)
        return self._update_metrics(states, outputs, y, w, per_example)

    def _evaluate_on_device(
        self,
        params: Params,
        states: MetricStates,
        features: jax.Array,
        targets: jax.Array,
        index: jax.Array,
        weights: jax.Array,
    ) -> MetricStates:
        return self._evaluate_fed(params, states, features[index], targets[index], weights)

    def _evaluate_fed(
        self, params: Params, states: MetricStates, x: jax.Array, y: jax.Array, weights: jax.Array
    ) -> MetricStates:
        def body(states: MetricStates, xs: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[MetricStates, None]:
            bx, by, w = xs
            return self._evaluate_step(params, states, bx, by, w), None

        states = scan(body, states, (x, y, weights), unroll=False)[0]
        return states if self.placement is None else self.placement.constrain_replicated(states)

    def _predict_fed(self, params: Params, x: jax.Array) -> jax.Array:
        def body(carry: None, bx: jax.Array) -> tuple[None, jax.Array]:
            return None, self.apply(params, bx)

        outputs: jax.Array = scan(body, None, x, unroll=False)[1]
        return outputs
