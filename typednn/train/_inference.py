"""Evaluation and prediction: pure functions of a model, its parameters and data.

`evaluate` and `predict` need no optimizer and no trainer: `Trainer.evaluate` and
`Trainer.predict` run the same code with the trainer's parameters (and its mesh), and
so do the `typednn evaluate` and `typednn predict` commands with an exported model's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._reading import excerpt
from .._shapes import Shape, ShapeError, check_fit
from .._shapes._data import Bindings, check_features
from .._words import given
from ..data import Dataset
from ..distributed import Placement
from ..lower import Params
from ._feed import Feed, chunks, feed_for, steps_per_chunk
from ._metrics import Metric, State, get, mean_init, mean_result, mean_update
from ._tokens import check_token_ids

Loss = Callable[[jax.Array, jax.Array], jax.Array]
Apply = Callable[..., Any]
MetricStates = dict[str, State]
C = TypeVar("C")
X = TypeVar("X")
Y = TypeVar("Y")

PREDICT_STEPS = 32
"""Batches per dispatch of `predict`."""


def mean_loss(loss: Loss, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> tuple[jax.Array, jax.Array]:
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
    of training steps (and a one-step chunk must not be a one-trip loop either).
    """
    if jax.tree.leaves(xs)[0].shape[0] != 1:
        return jax.lax.scan(body, carry, xs, unroll=unroll)
    carry, y = body(carry, jax.tree.map(lambda x: x[0], xs))
    stacked: Y = jax.tree.map(lambda v: v[None], y)
    return carry, stacked


def output_shape(model: Model[Any, Any]) -> tuple[int, ...]:
    """One example's output shape, a named dim counted 1 (metric states are sized from it)."""
    return tuple(d if isinstance(d, int) else 1 for d in model.outputs.shape.dims)


class Inference:
    """The jitted evaluation of one model, loss and metrics (`Compiled` adds training).

    Args:
        apply: The lowered model's `apply(params, x, key=, training=)`.
        loss: Per-example loss.
        metrics: Metrics computed beside the loss.
        output_shape: One example's output shape (metric states are sized from it).
        placement: Batches split over a mesh's devices: what the host reads (the metric
            states) is replicated.
    """

    def __init__(
        self,
        apply: Apply,
        loss: Loss,
        metrics: Sequence[Metric],
        output_shape: tuple[int, ...],
        *,
        placement: Placement | None = None,
    ) -> None:
        self.apply = apply
        self.loss = loss
        self.metrics = tuple(metrics)
        self.output_shape = output_shape
        self.placement = placement
        self.evaluate_on_device = jax.jit(self._evaluate_on_device)
        self.evaluate_fed = jax.jit(self._evaluate_fed)

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

    def _evaluate_step(
        self, params: Params, states: MetricStates, x: jax.Array, y: jax.Array, w: jax.Array
    ) -> MetricStates:
        outputs = self.apply(params, x)
        _, per_example = mean_loss(self.loss, outputs, y, w)
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


def _predict_chunk(apply: Apply, params: Params, x: jax.Array) -> jax.Array:
    def body(carry: None, bx: jax.Array) -> tuple[None, jax.Array]:
        return None, apply(params, bx)

    outputs: jax.Array = scan(body, None, x, unroll=False)[1]
    return outputs


# One program per model (its `lowered.apply` is the static argument), kept by jit's cache.
_predict_chunk_jit = jax.jit(_predict_chunk, static_argnums=0)


def metrics_of(names: Sequence[str | Metric]) -> tuple[Metric, ...]:
    """Metrics from metrics or their names; the names distinct, and none `"loss"`."""
    metrics = tuple(get(m) for m in names)
    keys = [m.name for m in metrics]
    if len(set(keys)) != len(keys) or "loss" in keys:
        raise TypednnError(f"metric names must be distinct and not 'loss': {keys}")
    return metrics


def evaluate(
    model: Model[Any, Any],
    params: Params,
    data: Dataset[Any, Any],
    *,
    loss: Loss,
    metrics: Sequence[str | Metric] = (),
    batch_size: int = 256,
) -> dict[str, float]:
    """The loss and each metric of `model` with `params` over `data`, exact over a ragged last batch.

    What `Trainer.evaluate` computes, without a trainer: no optimizer state is made.
    Each call compiles anew; a trainer keeps its compiled evaluation between calls.

    Args:
        model: The model.
        params: Its parameters, from `model.init`, training or `tn.load`.
        data: The examples.
        loss: The per-example loss, e.g. `tn.losses.softmax_cross_entropy`.
        metrics: Metrics or their names (`"accuracy"`, `tn.metrics.TopKAccuracy(k=3)`).
        batch_size: Examples per compiled step.

    Returns:
        `{"loss": .., "accuracy": .., ...}`.

    Raises:
        TypednnError: if `data` is not a `tn.data.Dataset` or is empty, or a metric is unknown.
        ShapeError: if the data does not fit the model.

    Example:
        >>> import jax, numpy as np
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> data = tn.data.from_arrays(np.ones((10, 4)), np.arange(10) % 3)
        >>> from typednn.train import evaluate
        >>> scores = evaluate(model, model.init(jax.random.key(0)), data,
        ...                   loss=tn.losses.softmax_cross_entropy, metrics=["accuracy"])
        >>> sorted(scores)
        ['accuracy', 'loss']
    """
    checked = check_data(model, data, "evaluate")
    programs = Inference(model.lowered.apply, loss, metrics_of(metrics), output_shape(model))
    feed = feed_for(checked, None, None)
    try:
        return evaluate_feed(programs, params, feed, len(checked), batch_size)
    finally:
        feed.close()


def evaluate_feed(
    programs: Inference,
    params: Params,
    feed: Feed,
    examples: int,
    batch_size: int,
    *,
    steps_per_dispatch: int | None = None,
    method: str = "evaluate",
) -> dict[str, float]:
    """The loss and metrics over the `examples` a feed holds (see `evaluate`); errors name `method`."""
    _check_batch_size(batch_size, method)
    if examples == 0:
        raise TypednnError("cannot evaluate on an empty dataset")
    batch_size = min(batch_size, examples)
    if programs.placement is not None:  # a share for each device; the padding weighs 0
        batch_size = -(-batch_size // programs.placement.devices) * programs.placement.devices
    # Evaluation has no gradients, so its loop is fast everywhere: no unrolling.
    per_chunk = steps_per_chunk(math.ceil(examples / batch_size), steps_per_dispatch)
    run = programs.evaluate_on_device if feed.on_device else programs.evaluate_fed
    states = programs.init_metrics()
    stream = chunks(np.arange(examples), batch_size=batch_size, steps_per_chunk=per_chunk)
    for _, batches in feed.chunks(stream):
        states = run(params, states, *batches)
    return programs.results(jax.device_get(states))


def predict(model: Model[Any, Any], params: Params, inputs: Any, *, batch_size: int = 256) -> jax.Array:
    """The outputs of `model` with `params` for an array of inputs, `(examples, *input_dims)`, or a dataset's features.

    What `Trainer.predict` computes, without a trainer. The program is compiled once
    per model and batch size.

    Args:
        model: The model.
        params: Its parameters (host arrays), from `model.init`, training or `tn.load`.
        inputs: An array of examples, or a `tn.data.Dataset`.
        batch_size: Examples per compiled step.

    Returns:
        The outputs, `(examples, *output_dims)`.

    Raises:
        ShapeError: if the inputs do not match the model's input shape.
        TypednnError: for token ids outside the vocabulary, or a batch size below 1.

    Example:
        >>> import jax, numpy as np
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> from typednn.train import predict
        >>> predict(model, model.init(jax.random.key(0)), np.ones((5, 4))).shape
        (5, 3)
    """
    return predict_as(model, params, inputs, batch_size, method="predict")


def predict_as(model: Model[Any, Any], params: Params, inputs: Any, batch_size: int, *, method: str) -> jax.Array:
    """`predict`, its errors naming `method` (`Trainer.predict` for the trainer's)."""
    model.one_to_one(method)
    _check_batch_size(batch_size, method)
    if isinstance(inputs, Dataset):
        inputs = inputs.features
    x = np.asarray(inputs, dtype=np.int32 if model.inputs.shape.tokens else np.float32)
    if x.ndim == 0:
        raise ShapeError(method, "an array of examples, (examples, *input_dims)", "a single number")
    bound = Bindings()  # a named dim of the output has the size the inputs give it
    check_features(model.inputs.shape, Shape(tuple(x.shape[1:]), tokens=None), method=method, bound=bound)
    check_token_ids(model, x, what="inputs")
    if len(x) == 0:
        sizes = (bound.value(d) for d in model.outputs.shape.dims)
        return jnp.zeros((0, *(n if isinstance(n, int) else 1 for n in sizes)), jnp.float32)
    batch_size = min(batch_size, len(x))
    parts = [
        _predict_chunk_jit(model.lowered.apply, params, jnp.asarray(x[chunk.index]))
        for chunk in chunks(np.arange(len(x)), batch_size=batch_size, steps_per_chunk=PREDICT_STEPS)
    ]
    outputs = jnp.concatenate([p.reshape(-1, *p.shape[2:]) for p in parts])
    return outputs[: len(x)]


def _check_batch_size(batch_size: int, method: str) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise TypednnError(
            f"{method}: batch_size must be a whole number of at least 1, not {excerpt(batch_size)}",
            hint="pass batch_size=256, or as many examples as fit in the device's memory",
        )


def check_data(model: Model[Any, Any], data: object, method: str, *, argument: str = "data") -> Dataset[Any, Any]:
    """`data` as a dataset that fits `model`: its shapes, classes and token ids.

    A named dim of the model's input or output (`tn.Input(Seq, 4)`) takes the size
    the data has on its axis, one size throughout the dataset.

    Raises:
        TypednnError: if `data` is not a `tn.data.Dataset` (saying how to make one), or
            holds a token id outside the vocabulary (naming the row).
        ShapeError: if its shapes do not fit the model.
    """
    model.one_to_one(method)
    dataset = as_dataset(data, method, argument)
    try:
        check_fit(
            model.inputs.shape,
            model.outputs.shape,
            dataset.feature_shape,
            dataset.target_shape,
            dataset.classes,
            method=method,
        )
    except ShapeError as error:
        raise (error if argument == "data" else error.at(f"{argument} data")) from None
    if model.inputs.shape.tokens:  # `features` gathers a file-backed subset: only when needed
        check_token_ids(model, dataset.features)
    return dataset


# The reader of each kind of file a dataset is often kept in, for the hint.
_READERS = {".csv": "csv", ".npz": "npz", ".npy": "npy", ".jsonl": "jsonl"}


def as_dataset(data: object, method: str, argument: str = "data") -> Dataset[Any, Any]:
    """`data` itself when it is a `Dataset`; else an error saying how to make one of what was given."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        reader = _READERS.get(os.path.splitext(path)[1].lower())
        hint = (
            f"read the file first: tn.data.{reader}({path!r})"
            if reader
            else "read the file first, e.g. with tn.data.csv(path), npz, npy, jsonl or images"
        )
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        hint = "wrap the arrays: tn.data.from_arrays(features, targets)"
    elif isinstance(data, Iterator):
        hint = "an iterator can be read only once: collect its arrays and pass tn.data.from_arrays(features, targets)"
    else:
        hint = "make one with tn.data.from_arrays(features, targets), or read a file with tn.data.csv(path)"
    expected = "a tn.data.Dataset" if argument == "data" else "a tn.data.Dataset (or the share of data to hold out)"
    raise TypednnError(f"{method} expects {expected} as {argument}, but receives {given(data)}", hint=hint)
