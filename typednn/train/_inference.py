"""Evaluation and prediction: pure functions of a model, its parameters and data.

`evaluate` and `predict` need no optimizer and no trainer: `Trainer.evaluate` and
`Trainer.predict` run the same code with the trainer's parameters (and its mesh), and
so do the `typednn evaluate` and `typednn predict` commands with an exported model's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._reading import excerpt
from .._shapes import Shape, ShapeError
from .._shapes._bindings import Bindings
from .._shapes._data import check_features_all, check_fit_all
from .._words import given
from ..data import Dataset
from ..distributed import Placement
from ..layers import Tensor
from ..lower import Params
from ._feed import Feed, chunks, feed_for, steps_per_chunk
from ._heads import Heads, Loss, Metrics, MetricStates, heads_of
from ._keras_checks import binary_targets, check_heads
from ._parts import PartsFed
from ._tokens import check_token_ids

Apply = Callable[..., Any]
Forward = Callable[..., tuple[Any, Any, tuple[jax.Array | None, ...]]]
C = TypeVar("C")
X = TypeVar("X")
Y = TypeVar("Y")

PREDICT_STEPS = 32
"""Batches per dispatch of `predict`."""

Weights = jax.Array | tuple[jax.Array, jax.Array]
"""A batch's weights (`Chunk.batch_weights`): 1 per real example and 0 per padding,
or that and each example's weight in the loss (`fit(sample_weight=..., class_weight=...)`)."""


def unpack_weights(weights: Weights) -> tuple[jax.Array, jax.Array | None]:
    """The padding weights (1 real, 0 padding) and the sample weights, None without them."""
    if isinstance(weights, tuple):
        return weights
    return weights, None


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


class Inference:
    """The jitted evaluation of one model and its heads (`Compiled` adds training).

    Args:
        forward: The lowered model's `forward(params, *xs)`: its outputs, state and padding masks.
        heads: Each output's loss, weight and metrics.
        placement: Batches split over a mesh's devices: what the host reads (the metric
            states) is replicated.
    """

    def __init__(self, forward: Forward, heads: Heads, *, placement: Placement | None = None) -> None:
        self.forward = forward
        self.heads = heads
        self.placement = placement
        self.evaluate_on_device = jax.jit(self._evaluate_on_device)
        self.evaluate_fed = jax.jit(self._evaluate_fed)

    def init_metrics(self) -> MetricStates:
        return self.heads.init_metrics()

    def results(self, states: MetricStates) -> dict[str, float]:
        """The metric values of host-side states (after `jax.device_get`)."""
        return self.heads.results(states)

    def _evaluate_step(self, params: Params, states: MetricStates, x: Any, y: Any, w: Weights) -> MetricStates:
        outputs, _, masks = self.forward(params, *inputs(x))
        real, sample = unpack_weights(w)
        _, losses = self.heads.loss(outputs, y, real, masks, sample=sample)
        return self.heads.update(states, outputs, y, real, losses, masks, sample=sample)

    def _evaluate_on_device(
        self,
        params: Params,
        states: MetricStates,
        features: Any,
        targets: Any,
        index: jax.Array,
        weights: Weights,
    ) -> MetricStates:
        x, y = gather((features, targets), index)
        return self._evaluate_fed(params, states, x, y, weights)

    def _evaluate_fed(self, params: Params, states: MetricStates, x: Any, y: Any, weights: Weights) -> MetricStates:
        def body(states: MetricStates, xs: tuple[Any, Any, Weights]) -> tuple[MetricStates, None]:
            bx, by, w = xs
            return self._evaluate_step(params, states, bx, by, w), None

        states = scan(body, states, (x, y, weights), unroll=False)[0]
        return states if self.placement is None else self.placement.constrain_replicated(states)


def inputs(x: Any) -> tuple[jax.Array, ...]:
    """A batch's input arrays as `apply` takes them: one, or a tuple for several inputs."""
    return tuple(x) if isinstance(x, tuple) else (x,)


def gather(arrays: Any, index: jax.Array) -> Any:
    """The batches at `index` of each array (features and targets may be tuples of arrays)."""
    return jax.tree.map(lambda array: array[index], arrays)


def _predict_chunk(apply: Apply, params: Params, xs: tuple[jax.Array, ...]) -> Any:
    def body(carry: None, bx: tuple[jax.Array, ...]) -> tuple[None, Any]:
        return None, apply(params, *bx)

    return scan(body, None, xs, unroll=False)[1]


# One program per model (its `lowered.apply` is the static argument), kept by jit's cache.
_predict_chunk_jit = jax.jit(_predict_chunk, static_argnums=0)


def evaluate(
    model: Model[Any, Any],
    params: Params,
    data: Dataset[Any, Any],
    *,
    loss: Loss | Sequence[Loss] | Mapping[str, Loss],
    metrics: Metrics | Sequence[Metrics] | Mapping[str, Metrics] = (),
    loss_weights: Sequence[float] | Mapping[str, float] | None = None,
    batch_size: int = 256,
) -> dict[str, float]:
    """The loss and each metric of `model` with `params` over `data`, exact over a ragged last batch.

    What `Trainer.evaluate` computes, without a trainer: no optimizer state is made.
    Each call compiles anew; a trainer keeps its compiled evaluation between calls.

    Args:
        model: The model.
        params: Its parameters, from `model.init`, training or `tn.load`.
        data: The examples.
        loss: The per-example loss, e.g. `tn.losses.softmax_cross_entropy`; for a model
            with several outputs, one per output (a list in order, or a dict by name).
        metrics: Metrics or their names (`"accuracy"`, `tn.metrics.TopKAccuracy(k=3)`);
            for several outputs, one list per output, or a dict by output name.
        loss_weights: Each output's weight in the total loss (default 1 each).
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
    heads = check_heads(model, heads_of(model, loss=loss, metrics=metrics, loss_weights=loss_weights, what="evaluate"))
    checked = check_data(model, data, "evaluate")
    programs = Inference(model.lowered.forward, heads)
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
    if isinstance(feed, PartsFed):  # `examples` are the job's; this process feeds its own rows
        stream = feed.stream(batch_size=batch_size, steps_per_chunk=per_chunk)
    else:
        stream = chunks(np.arange(examples), batch_size=batch_size, steps_per_chunk=per_chunk)
    for _, batches in feed.chunks(stream):
        states = run(params, states, *batches)
    return programs.results(jax.device_get(states))


@overload
def predict(
    model: Model[Any, Tensor[*tuple[Any, ...]]], params: Params, inputs: Any, *, batch_size: int = ...
) -> jax.Array: ...
@overload
def predict(model: Model[Any, Any], params: Params, inputs: Any, *, batch_size: int = ...) -> tuple[jax.Array, ...]: ...
def predict(model: Model[Any, Any], params: Params, inputs: Any, *, batch_size: int = 256) -> Any:
    """The outputs of `model` with `params` for an array of inputs, `(examples, *input_dims)`, or a dataset's features.

    For a model with several inputs, `inputs` is a tuple of such arrays (or a dict by
    input name), and for several outputs the result is a tuple of arrays.

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


def predict_as(model: Model[Any, Any], params: Params, inputs: Any, batch_size: int, *, method: str) -> Any:
    """`predict`, its errors naming `method` (`Trainer.predict` for the trainer's)."""
    _check_batch_size(batch_size, method)
    if isinstance(inputs, Dataset):
        names = inputs.feature_names
        inputs = inputs.features if names is None else dict(zip(names, inputs.features))
    tensors = model.graph.inputs
    xs = tuple(
        np.asarray(array, dtype=np.int32 if x.shape.tokens else np.float32)
        for x, array in zip(tensors, model.arrays(inputs))
    )
    if any(x.ndim == 0 for x in xs):
        raise ShapeError(method, "an array of examples, (examples, *input_dims)", "a single number")
    if len({len(x) for x in xs}) > 1:
        raise TypednnError(
            f"{method}: the inputs differ in length: "
            + ", ".join(f"{name} {len(x)}" for name, x in zip(model.input_names, xs)),
            hint="give every input as many examples",
        )
    bound = Bindings()  # a named dim of the output has the size the inputs give it
    check_features_all(
        tuple(x.shape for x in tensors),
        tuple(Shape(tuple(x.shape[1:]), tokens=None) for x in xs),
        method=method,
        input_names=model.input_names,
        bound=bound,
    )
    for tensor, x, name in zip(tensors, xs, model.input_names):
        check_token_ids(model, x, what="inputs" if len(xs) == 1 else f"input {name!r}", x=tensor)
    several = len(model.graph.outputs) > 1
    if len(xs[0]) == 0:
        empty = tuple(
            jnp.zeros((0, *(n if isinstance(n, int) else 1 for n in map(bound.value, y.shape.dims))), jnp.float32)
            for y in model.graph.outputs
        )
        return empty if several else empty[0]
    batch_size = min(batch_size, len(xs[0]))
    parts = [
        _predict_chunk_jit(model.lowered.apply, params, tuple(jnp.asarray(x[chunk.index]) for x in xs))
        for chunk in chunks(np.arange(len(xs[0])), batch_size=batch_size, steps_per_chunk=PREDICT_STEPS)
    ]
    outputs = jax.tree.map(lambda *p: jnp.concatenate([a.reshape(-1, *a.shape[2:]) for a in p])[: len(xs[0])], *parts)
    return outputs


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
    given = as_dataset(data, method, argument)
    dataset = binary_targets(model, given.in_order(model.input_names, model.output_names))
    dataset.part = given.part  # still this process's part of its source (`_parts`), if it is one
    inputs, outputs = model.graph.inputs, model.graph.outputs
    try:
        check_fit_all(
            tuple(x.shape for x in inputs),
            tuple(y.shape for y in outputs),
            dataset.feature_shapes,
            dataset.target_shapes,
            dataset.target_classes,
            method=method,
            input_names=model.input_names,
            output_names=model.output_names,
        )
    except ShapeError as error:
        raise (error if argument == "data" else error.at(f"{argument} data")) from None
    tokens = [i for i, x in enumerate(inputs) if x.shape.tokens]
    if tokens:  # `features` gathers a file-backed subset: only when needed
        features = dataset.features if len(inputs) > 1 else (dataset.features,)
        for i in tokens:
            what = "data" if len(inputs) == 1 else f"data (input {model.input_names[i]!r})"
            check_token_ids(model, features[i], what=what, x=inputs[i])
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
