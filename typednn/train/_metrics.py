"""Metrics: streaming, exact over a ragged last batch.

A metric is a small frozen object with three pure functions: `init()` gives a state of
zeros, `update(state, outputs, targets, weights)` folds in a batch (`weights` is 1 for
a real example and 0 for the padding of a ragged batch), and `result(state)` gives the
value. The trainer runs `update` inside its compiled steps.

Outputs may have extra axes before the class axis, `(batch, *dims, classes)` with
targets `(batch, *dims)` or `(batch, *dims, classes)` (a class per sequence position):
a mean metric (accuracy, mse...) averages each example's positions first, and
precision, recall and F1 count every position.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import jax
import jax.numpy as jnp

from .._errors import TypednnError
from .._reading import excerpt
from .._shapes._dims import MAX_SIZE

State = dict[str, jax.Array]


def predicted_classes(
    outputs: jax.Array, targets: jax.Array, *, probabilities: bool | None = None
) -> tuple[jax.Array, jax.Array]:
    """Predicted and true class ids, for class-id, one-hot and binary targets.

    One output per example (`(batch, 1)`) is a binary classifier's: class 1 when its
    logit is above 0, or, with `probabilities=True` (a sigmoid's output), when its
    probability is above 0.5. Binary targets of shape `(batch,)` count too (Keras's
    habit). With several scores per example the highest is the class either way.
    """
    if outputs.shape[-1] == 1 and targets.ndim in (outputs.ndim, outputs.ndim - 1):
        threshold = 0.5 if probabilities else 0.0
        truth = targets[..., 0] if targets.ndim == outputs.ndim else targets
        return (outputs[..., 0] > threshold).astype(jnp.int32), (truth > 0.5).astype(jnp.int32)
    truth = targets if targets.ndim == outputs.ndim - 1 else jnp.argmax(targets, axis=-1)
    return jnp.argmax(outputs, axis=-1), truth.astype(jnp.int32)


class Metric:
    """The base of metrics; `name` is its key in logs and in `evaluate`'s result."""

    label: ClassVar[str]

    @property
    def name(self) -> str:
        return self.label

    def init(self, output_shape: tuple[int, ...]) -> State:
        """A state of zeros, for outputs of shape `(batch, *output_shape)`."""
        raise NotImplementedError

    def update(self, state: State, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> State:
        raise NotImplementedError

    def result(self, state: State) -> jax.Array:
        raise NotImplementedError


def mean_init() -> State:
    """The state of a weighted mean: a running total and count."""
    return {"total": jnp.zeros((), jnp.float32), "count": jnp.zeros((), jnp.float32)}


def mean_update(state: State, values: jax.Array, weights: jax.Array) -> State:
    """Fold in one value per example, `(batch,)`, weighted by `weights`."""
    # `where`, not only the product: a padding row that overflows (inf * 0 is NaN) must not count.
    weighted = jnp.where(weights > 0, values.astype(jnp.float32) * weights, 0.0)
    return {"total": state["total"] + jnp.sum(weighted), "count": state["count"] + jnp.sum(weights)}


def mean_result(state: State) -> jax.Array:
    return state["total"] / jnp.maximum(state["count"], 1.0)


class MeanMetric(Metric):
    """A metric that is the mean of one value per example."""

    def values(self, outputs: jax.Array, targets: jax.Array) -> jax.Array:
        """Shape `(batch, *dims)`: one value per example, or per element of it (averaged per example)."""
        raise NotImplementedError

    def init(self, output_shape: tuple[int, ...]) -> State:
        return mean_init()

    def update(self, state: State, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> State:
        values = self.values(outputs, targets).astype(jnp.float32)
        return mean_update(state, jnp.mean(values.reshape(values.shape[0], -1), axis=1), weights)

    def result(self, state: State) -> jax.Array:
        return mean_result(state)


@dataclass(frozen=True)
class Accuracy(MeanMetric):
    """The share of examples whose predicted class is the true one.

    Works with class-id targets, one-hot targets, and binary classifiers with one
    output per example (a logit, or a probability: see `probabilities`).

    Args:
        probabilities: Whether a one-unit output is a probability (a sigmoid's output:
            class 1 above 0.5) rather than a logit (class 1 above 0). None, the
            default, is a logit, unless the trainer finds otherwise: `tn.Trainer` sets
            it when the output's last layer is a sigmoid (`nn.sigmoid`, or
            `activation="sigmoid"`) or its loss takes probabilities
            (`binary_crossentropy`, `from_logits=False`). Outputs of several classes
            take their highest score either way.

    Example:
        >>> import jax.numpy as jnp
        >>> outputs, targets = jnp.array([[0.3], [0.7]]), jnp.array([1.0, 1.0])
        >>> Accuracy().values(outputs, targets), Accuracy(probabilities=True).values(outputs, targets)
        (Array([ True,  True], dtype=bool), Array([False,  True], dtype=bool))
    """

    probabilities: bool | None = field(default=None, repr=False)
    label: ClassVar[str] = "accuracy"

    def values(self, outputs: jax.Array, targets: jax.Array) -> jax.Array:
        predicted, truth = predicted_classes(outputs, targets, probabilities=self.probabilities)
        return predicted == truth


@dataclass(frozen=True)
class TopKAccuracy(MeanMetric):
    """The share of examples whose true class is among the `k` highest scores.

    Its name holds `k` (`top_3_accuracy`), and `get` takes that name back. A score tied
    with the true class's does not push it out of the top `k` (as `tf.math.in_top_k`).

    Args:
        k: How many of the highest scores count as a hit.
    """

    k: int = 5
    label: ClassVar[str] = "top_k_accuracy"

    @property
    def name(self) -> str:
        return f"top_{self.k}_accuracy"

    def __post_init__(self) -> None:
        if not isinstance(self.k, int) or not 1 <= self.k <= MAX_SIZE:
            raise TypednnError(
                f"TopKAccuracy needs an integer k from 1 to {MAX_SIZE:,}, not {excerpt(self.k)}",
                hint="k is how many of the highest scores count as a hit",
            )

    def values(self, outputs: jax.Array, targets: jax.Array) -> jax.Array:
        truth = targets if targets.ndim == outputs.ndim - 1 else jnp.argmax(targets, axis=-1)
        true_score = jnp.take_along_axis(outputs, truth[..., None].astype(jnp.int32), axis=-1)
        return jnp.sum(outputs > true_score, axis=-1) < self.k


@dataclass(frozen=True)
class MeanSquaredError(MeanMetric):
    """The mean squared difference of outputs and targets."""

    label: ClassVar[str] = "mse"

    def values(self, outputs: jax.Array, targets: jax.Array) -> jax.Array:
        return jnp.square(outputs - targets)


@dataclass(frozen=True)
class MeanAbsoluteError(MeanMetric):
    """The mean absolute difference of outputs and targets."""

    label: ClassVar[str] = "mae"

    def values(self, outputs: jax.Array, targets: jax.Array) -> jax.Array:
        return jnp.abs(outputs - targets)


@dataclass(frozen=True)
class _Counts(Metric):
    """Precision, recall and F1 from counts of true and false positives per class.

    A class that is predicted but never true scores 0 recall, one that is true but never
    predicted scores 0 precision, and either way 0 F1. A class that is neither (absent
    from the data and never predicted) says nothing about the classifier and is left out
    of the macro average, as scikit-learn and torchmetrics do; with no examples at all
    the score is 0.

    Args:
        average: `"macro"` averages the per-class scores (each class counts the same);
            `"micro"` pools the counts (each example counts the same). A binary
            classifier (one output per example) scores class 1 either way.
        probabilities: Whether a one-unit output is a probability (class 1 above 0.5)
            rather than a logit (class 1 above 0); None, the default, is a logit unless
            the trainer finds a sigmoid output or a loss of probabilities (as `Accuracy`).
    """

    average: Literal["macro", "micro"] = "macro"
    probabilities: bool | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.average not in ("macro", "micro"):
            raise TypednnError(
                f"{type(self).__name__} average must be 'macro' or 'micro', not {self.average!r}",
                hint="'macro' weighs each class the same, 'micro' each example",
            )

    def init(self, output_shape: tuple[int, ...]) -> State:
        classes = output_shape[-1] if output_shape and output_shape[-1] > 1 else 1
        return {name: jnp.zeros((classes,), jnp.float32) for name in ("tp", "fp", "fn")}

    def update(self, state: State, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> State:
        predicted, truth = predicted_classes(outputs, targets, probabilities=self.probabilities)
        binary = outputs.shape[-1] == 1
        classes = jnp.arange(1, 2) if binary else jnp.arange(outputs.shape[-1])
        # Equal ranks, so this runs with jax_numpy_rank_promotion="raise". Every position of an
        # example counts (outputs of shape `(batch, *dims, classes)`).
        classes = classes.reshape((1,) * predicted.ndim + (-1,))
        weights = weights.reshape(weights.shape + (1,) * predicted.ndim)
        is_predicted = predicted[..., None] == classes
        is_true = truth[..., None] == classes
        axes = tuple(range(predicted.ndim))
        counts = {
            "tp": jnp.sum((is_predicted & is_true) * weights, axis=axes),
            "fp": jnp.sum((is_predicted & ~is_true) * weights, axis=axes),
            "fn": jnp.sum((~is_predicted & is_true) * weights, axis=axes),
        }
        return {name: state[name] + counts[name] for name in counts}

    def result(self, state: State) -> jax.Array:
        tp, fp, fn = state["tp"], state["fp"], state["fn"]
        if self.average == "micro":
            tp, fp, fn = (jnp.sum(value, keepdims=True) for value in (tp, fp, fn))
        # Leave out classes neither true nor predicted: a perfect classifier scores 1 on data lacking a class.
        seen = tp + fp + fn > 0
        scores = jnp.where(seen, self.score(tp, fp, fn), 0.0)
        return jnp.sum(scores) / jnp.maximum(jnp.sum(seen, dtype=jnp.float32), 1.0)

    @staticmethod
    def score(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
        raise NotImplementedError


def _ratio(numerator: jax.Array, denominator: jax.Array) -> jax.Array:
    return jnp.where(denominator > 0, numerator / jnp.maximum(denominator, 1e-12), 0.0)


@dataclass(frozen=True)
class Precision(_Counts):
    """Of the examples predicted as a class, the share that belong to it."""

    label: ClassVar[str] = "precision"

    @staticmethod
    def score(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
        return _ratio(tp, tp + fp)


@dataclass(frozen=True)
class Recall(_Counts):
    """Of the examples of a class, the share predicted as it."""

    label: ClassVar[str] = "recall"

    @staticmethod
    def score(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
        return _ratio(tp, tp + fn)


@dataclass(frozen=True)
class F1(_Counts):
    """The harmonic mean of precision and recall."""

    label: ClassVar[str] = "f1"

    @staticmethod
    def score(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
        return _ratio(2 * tp, 2 * tp + fp + fn)


_BY_NAME: dict[str, type[Metric]] = {
    cls.label: cls for cls in (Accuracy, TopKAccuracy, Precision, Recall, F1, MeanSquaredError, MeanAbsoluteError)
}
_BY_NAME |= {"mean_squared_error": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError}
_TOP_K = re.compile(r"top_([1-9][0-9]*)_accuracy")


def get(metric: str | Metric) -> Metric:
    """A metric object from itself or its name (`"accuracy"`, `"f1"`, `"mse"`...).

    Every metric's `name` is a name `get` takes: `"top_3_accuracy"` is `TopKAccuracy(k=3)`.

    Raises:
        TypednnError: for an unknown name, with the closest known one, or for anything
            that is neither a name nor a metric object.

    Example:
        >>> get("accuracy")
        Accuracy()
        >>> get("top_3_accuracy")
        TopKAccuracy(k=3)
    """
    if isinstance(metric, Metric):
        return metric
    given: object = metric  # callers without mypy pass anything, e.g. the class `tn.metrics.F1`
    if isinstance(given, type) and issubclass(given, Metric):
        raise TypednnError(
            f"a metric must be a name or a metric object, not the class {given.__name__}",
            hint=f"call the class: {given.__name__}()",
        )
    if not isinstance(given, str):
        raise TypednnError(
            f"a metric must be a name or a metric object, not {given!r}", hint="e.g. 'accuracy' or tn.metrics.F1()"
        )
    if metric in _BY_NAME:
        return _BY_NAME[metric]()
    if top_k := _TOP_K.fullmatch(metric):
        digits = top_k.group(1)
        if len(digits) > len(str(MAX_SIZE)):  # int() would refuse more than 4,300 digits
            raise TypednnError(
                f"metric {excerpt(metric)}: k has {len(digits):,} digits, more than any number of classes",
                hint="k is how many of the highest scores count as a hit, at most the number of classes",
            )
        return TopKAccuracy(k=int(digits))
    close = difflib.get_close_matches(metric, _BY_NAME, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known metrics: {', '.join(sorted(_BY_NAME))}"
    raise TypednnError(f"unknown metric {metric!r}", hint=hint)
