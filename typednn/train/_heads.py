"""What training optimizes and reports, per model output: a loss, its weight, its metrics.

A model with one output has one head, and its history says `loss`, `accuracy`...; a
model with several (Keras's functional API) has one head per output, named by the
output, and its history says `loss` (the weighted sum), `label_loss`, `box_loss`,
`label_accuracy`..., as Keras names them.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp

from .._errors import TypednnError
from .._model import Model
from ._metrics import Metric, State, get, mean_init, mean_result, mean_update

Loss = Callable[[jax.Array, jax.Array], jax.Array]
MetricStates = dict[str, State]
Masks: TypeAlias = tuple[jax.Array | None, ...]
"""Each output's padding mask (`Lowered.forward`), or None; empty when no output has one."""
Metrics: TypeAlias = Sequence[str | Metric]
"""Metrics, or their names (`"accuracy"`, `tn.metrics.TopKAccuracy(k=3)`)."""


@dataclass(frozen=True)
class Head:
    """One output's loss, its weight in the total, and its metrics.

    Attributes:
        name: The output's name; it prefixes the metric names when there are several.
        loss: The per-example loss.
        weight: The loss's weight in the total that training minimizes.
        metrics: The metrics of this output.
        shape: One example's output shape, a named dim counted 1 (metric states are
            sized from it).
    """

    name: str
    loss: Loss
    weight: float
    metrics: tuple[Metric, ...]
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Heads:
    """The heads of a model, and the arithmetic of its loss and metrics.

    Outputs and targets are one array for a model with one output, a tuple of arrays
    (in the order of the model's outputs) for several.
    """

    heads: tuple[Head, ...]

    @property
    def several(self) -> bool:
        return len(self.heads) > 1

    def names(self) -> list[str]:
        """The keys of `results`, in order: `loss`, then each head's."""
        names = ["loss"]
        for head in self.heads:
            if self.several:
                names.append(f"{head.name}_loss")
            names.extend(self._key(head, metric) for metric in head.metrics)
        return names

    def _key(self, head: Head, metric: Metric) -> str:
        return f"{head.name}_{metric.name}" if self.several else metric.name

    def _parts(self, values: Any) -> tuple[jax.Array, ...]:
        return tuple(values) if self.several else (values,)

    def loss(
        self,
        outputs: Any,
        targets: Any,
        weights: jax.Array,
        masks: Masks = (),
        *,
        sample: jax.Array | None = None,
    ) -> tuple[jax.Array, tuple[jax.Array, ...]]:
        """The weighted mean of the total loss, and each head's per-example loss.

        `masks` (the lowering's, one per output; empty for none) leave the padded
        positions of an output out: its per-example loss is the mean over real positions.
        `sample` weighs each example's loss (`fit(sample_weight=...)`): the mean is then
        `sum(sample * loss) / real examples`, Keras's `sum_over_batch_size`.
        """
        parts = tuple(
            _per_example(head.loss, output, target, weights, mask)
            for head, output, target, mask in zip(
                self.heads, self._parts(outputs), self._parts(targets), masks or (None,) * len(self.heads)
            )
        )
        total = self._total(parts) if sample is None else self._total(parts) * sample
        return jnp.sum(total * weights) / jnp.maximum(jnp.sum(weights), 1.0), parts

    def _total(self, losses: tuple[jax.Array, ...]) -> jax.Array:
        """Each example's weighted sum of the heads' losses (a weight of 1 multiplies nothing)."""
        weighted = [part if head.weight == 1.0 else head.weight * part for head, part in zip(self.heads, losses)]
        return functools.reduce(operator.add, weighted)

    def init_metrics(self) -> MetricStates:
        states = {"loss": mean_init()}
        for head in self.heads:
            if self.several:
                states[f"{head.name}_loss"] = mean_init()
            states |= {self._key(head, metric): metric.init(head.shape) for metric in head.metrics}
        return states

    def update(
        self,
        states: MetricStates,
        outputs: Any,
        targets: Any,
        weights: jax.Array,
        losses: tuple[jax.Array, ...],
        masks: Masks = (),
        *,
        sample: jax.Array | None = None,
    ) -> MetricStates:
        """The metric states after a batch; `losses` are each head's per-example losses.

        A masked output's metrics count its real positions, each as one example. With
        `sample` weights (see `loss`), the losses are `sum(sample * loss) / examples`, as
        Keras reports them; the metrics stay unweighted, as Keras's `compile(metrics=...)`
        (only its `weighted_metrics=` see the weights).
        """
        if sample is not None:
            losses = tuple(part * sample for part in losses)
        updated = {"loss": mean_update(states["loss"], self._total(losses), weights)}
        for head, output, target, part, mask in zip(
            self.heads,
            self._parts(outputs),
            self._parts(targets),
            losses,
            masks or (None,) * len(self.heads),
        ):
            if self.several:
                updated[f"{head.name}_loss"] = mean_update(states[f"{head.name}_loss"], part, weights)
            seen = (output, target, weights) if mask is None else _positions(output, target, weights, mask)
            for metric in head.metrics:
                key = self._key(head, metric)
                updated[key] = metric.update(states[key], *seen)
        return updated

    def results(self, states: MetricStates) -> dict[str, float]:
        """The metric values of host-side states (after `jax.device_get`)."""
        values = {"loss": float(mean_result(states["loss"]))}
        for head in self.heads:
            if self.several:
                values[f"{head.name}_loss"] = float(mean_result(states[f"{head.name}_loss"]))
            values |= {self._key(head, m): float(m.result(states[self._key(head, m)])) for m in head.metrics}
        return values


def _positions(
    outputs: jax.Array, targets: jax.Array, weights: jax.Array, mask: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Each position of a masked output as an example of its own, weighted by the mask.

    A loss or a metric of `(batch, *positions, ...)` then sees `(batch * positions, ...)`,
    and a padded position (or a padding example of a ragged batch) weighs 0, as Keras
    turns a mask into per-position sample weights.
    """
    if outputs.shape[: mask.ndim] != mask.shape or targets.shape[: mask.ndim] != mask.shape:
        raise TypednnError(
            f"a padding mask of shape {mask.shape[1:]} per example does not cover the output {outputs.shape[1:]}"
            f" and its targets {targets.shape[1:]}",
            hint="a masked output keeps the positions of its token ids; pool them away, or drop mask_zero=True",
        )
    count = mask.size
    flat_outputs = outputs.reshape(count, *outputs.shape[mask.ndim :])
    flat_targets = targets.reshape(count, *targets.shape[mask.ndim :])
    per_position = mask.astype(weights.dtype) * weights.reshape(weights.shape + (1,) * (mask.ndim - 1))
    return flat_outputs, flat_targets, per_position.reshape(count)


def _per_example(
    loss: Loss, outputs: jax.Array, targets: jax.Array, weights: jax.Array, mask: jax.Array | None = None
) -> jax.Array:
    if mask is not None:
        # The mean of the loss over each example's real positions (an all-padding one is 0).
        flat_outputs, flat_targets, _ = _positions(outputs, targets, jnp.ones_like(weights), mask)
        per_position = _per_example(loss, flat_outputs, flat_targets, jnp.ones(mask.size)).reshape(mask.shape)
        real = mask.reshape(mask.shape[0], -1)
        total = jnp.sum(jnp.where(real, per_position.reshape(real.shape), 0.0), axis=1)
        return total / jnp.maximum(jnp.sum(real, axis=1), 1)
    per_example = loss(outputs, targets)
    if per_example.shape != weights.shape:
        raise TypednnError(
            f"the loss returned shape {per_example.shape}, "
            f"but the trainer needs one value per example: {weights.shape}",
            hint="return per-example losses, as optax's losses and tn.losses do; the trainer averages them",
        )
    return per_example


def metrics_of(names: Metrics) -> tuple[Metric, ...]:
    """Metrics from metrics or their names; the names distinct, and none `"loss"`."""
    metrics = tuple(get(m) for m in names)
    keys = [m.name for m in metrics]
    if len(set(keys)) != len(keys) or "loss" in keys:
        raise TypednnError(f"metric names must be distinct and not 'loss': {keys}")
    return metrics


def heads_of(
    model: Model[Any, Any],
    *,
    loss: Loss | Sequence[Loss] | Mapping[str, Loss],
    metrics: Metrics | Sequence[Metrics] | Mapping[str, Metrics] = (),
    loss_weights: Sequence[float] | Mapping[str, float] | None = None,
    what: str = "Trainer",
) -> Heads:
    """The heads of `model`: one loss, weight and metrics per output, as Keras's `compile` takes them.

    Args:
        model: The model.
        loss: One loss (for every output), or one per output: a sequence in the order
            of the outputs, or a dict by output name.
        metrics: Metrics for the one output; for several, one sequence per output (in
            order) or a dict by output name (outputs left out get none).
        loss_weights: Each output's weight in the total loss (default 1 each, also for an
            output a dict leaves out).
        what: Who asks, for messages.

    Raises:
        TypednnError: for a sequence of another length than the outputs, a dict naming
            an output the model does not have, or a flat list of metrics for several outputs.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> two = tn.Model(x, (x >> nn.Dense(3, name="label"), x >> nn.Dense(2, name="box")))
        >>> heads = heads_of(two, loss=(tn.losses.softmax_cross_entropy, tn.losses.mean_squared_error),
        ...                  metrics={"label": ["accuracy"]}, loss_weights={"box": 0.5})
        >>> heads.names()
        ['loss', 'label_loss', 'label_accuracy', 'box_loss']
    """
    names = model.output_names
    shapes = [tuple(d if isinstance(d, int) else 1 for d in t.shape.dims) for t in model.graph.outputs]
    losses = _per_output(loss, names, "loss", what, one=callable(loss))
    weights = (
        [1.0] * len(names)
        if loss_weights is None
        else _per_output(loss_weights, names, "loss_weights", what, default=1.0)
    )
    for name, weight in zip(names, weights):
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
            raise TypednnError(
                f"{what}: the loss weight of {name!r} must be a number of at least 0, not {weight!r}",
                hint="e.g. loss_weights={'box': 0.5}",
            )
    if len(names) == 1:
        per_output: list[Metrics] = [_flat(metrics, what)]
    elif isinstance(metrics, Mapping):
        per_output = _per_output(metrics, names, "metrics", what, default=())
    elif not metrics:
        per_output = [()] * len(names)
    elif all(isinstance(m, (str, Metric)) for m in metrics):
        raise TypednnError(
            f"{what}: the model has {len(names)} outputs ({', '.join(names)}): give metrics per output",
            hint=f"e.g. metrics={{{names[0]!r}: ['accuracy']}}, or a list of lists in the order of the outputs",
        )
    else:
        per_output = _per_output(metrics, names, "metrics", what)
    return Heads(
        tuple(
            Head(name, loss_, float(weight), metrics_of(_flat(found, what)), shape)
            for name, loss_, weight, found, shape in zip(names, losses, weights, per_output, shapes)
        )
    )


def _flat(metrics: Any, what: str) -> Metrics:
    if isinstance(metrics, (str, Metric)) or not isinstance(metrics, Sequence):
        raise TypednnError(f"{what}: metrics must be a list, not {metrics!r}", hint="e.g. metrics=['accuracy']")
    return metrics


def _per_output(
    value: Any, names: tuple[str, ...], argument: str, what: str, *, one: bool = False, default: Any = None
) -> list[Any]:
    """One value per output, from one value (`one`), a sequence in order, or a dict by name."""
    if one:
        return [value] * len(names)
    if isinstance(value, Mapping):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise TypednnError(
                f"{what}: {argument} names {', '.join(map(repr, unknown))}, but the model's outputs are"
                f" {', '.join(map(repr, names))}",
                hint="key it by the names of the layers that compute the outputs (their name=)",
            )
        missing = [name for name in names if name not in value]
        if missing and default is None:
            raise TypednnError(
                f"{what}: {argument} gives nothing for the output(s) {', '.join(map(repr, missing))}",
                hint="give one entry per output",
            )
        return [value.get(name, default) for name in names]
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != len(names):
            raise TypednnError(
                f"{what}: {argument} has {len(value)} entries, but the model has {len(names)} outputs"
                f" ({', '.join(names)})",
                hint="give one entry per output, in order, or a dict by output name",
            )
        return list(value)
    raise TypednnError(
        f"{what}: {argument} must be one per output (a list, or a dict by output name), not {value!r}",
        hint="e.g. a list in the order of the outputs",
    )
