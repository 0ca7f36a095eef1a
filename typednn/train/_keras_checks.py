"""Keras's habits that would go wrong silently: an output's activation against its loss and metrics.

A Keras model often ends in a softmax or a sigmoid, and Keras's losses take
probabilities (`from_logits=False`). typednn's `softmax_cross_entropy` and
`binary_cross_entropy` take logits, so a kept final softmax is applied twice: training
runs, but worse (0.886 accuracy where 0.958 is reached without it), and nothing fails.
These checks look at each output's last layer before training:

- a softmax or sigmoid output with a loss that takes logits is warned about
  (`OutputActivationWarning`), saying the two ways out;
- a loss that takes probabilities on an output with no softmax or sigmoid is warned
  about too (it takes the log of raw scores, clipped);
- `"accuracy"` (and precision, recall, F1) on a one-unit output is told the output is a
  probability, threshold 0.5, when the output ends in a sigmoid or its loss takes
  probabilities; else the output is a logit, threshold 0 (`Accuracy(probabilities=)`);
- binary labels as Keras takes them, int or float `(n,)` for a one-unit output, become
  the `(n, 1)` values that output is compared with (`binary_targets`).

Warnings, not errors: such a model trains, as it did before these checks.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._shapes import ActivationHyper, Hyper
from ..data._dataset import Dataset
from ._heads import Head, Heads, Loss
from ._losses import loss_name, takes_probabilities
from ._metrics import Metric

AnyModel = Model[Any, Any]

PROBABILITY_ACTIVATIONS = ("softmax", "sigmoid")
"""The activations whose outputs are probabilities (log_softmax's are log-probabilities: logits to a softmax)."""

# Layers that move or drop values but leave probabilities probabilities: looked through
# to find an output's activation (`Conv2D(1, activation="sigmoid") >> Reshape(...)`).
_LOOKED_THROUGH = frozenset({"dropout", "reshape", "flatten"})


class OutputActivationWarning(UserWarning):
    """A model output's activation and its loss disagree on logits and probabilities."""


def output_activation(model: AnyModel, index: int = 0) -> str | None:
    """The activation an output ends in, by name (`"softmax"`), or None for none.

    Found on the layer that computes the output: an `Activation` layer (`nn.softmax`), or
    a layer's `activation=` argument (`nn.Dense(10, activation="softmax")`), or the layer
    a wrapper holds (`TimeDistributed`); Dropout, Reshape and Flatten are looked through.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> output_activation(tn.Model(x, x >> nn.Dense(3) >> nn.softmax))
        'softmax'
        >>> output_activation(tn.Model(x, x >> nn.Dense(1, activation="sigmoid") >> nn.Dropout(0.1)))
        'sigmoid'
        >>> print(output_activation(tn.Model(x, x >> nn.Dense(3))))
        None
    """
    node = model.graph.outputs[index].node
    while (layer := node.layer) is not None:
        if getattr(type(layer), "kind", None) in _LOOKED_THROUGH and len(node.inputs) == 1:
            node = node.inputs[0].node
            continue
        return _activation_of(layer.hyper)
    return None


def _activation_of(hyper: Hyper) -> str | None:
    if isinstance(hyper, ActivationHyper):
        return hyper.function
    activation = getattr(hyper, "activation", None)
    if isinstance(activation, str):
        return activation
    wrapped = [value for value in hyper.values().values() if isinstance(value, Hyper)]
    return _activation_of(wrapped[0]) if len(wrapped) == 1 else None


def activation_mismatches(model: AnyModel, losses: Mapping[str, Loss]) -> list[TypednnError]:
    """Each output whose last activation and loss disagree on logits and probabilities.

    Args:
        model: The model.
        losses: Each output's loss, by output name (`model.output_names`).

    Returns:
        One error per output that disagrees (message and hint), in the order of the
        outputs; empty when all agree. The caller warns with them, or raises one.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3, activation="softmax", name="probs"))
        >>> (found,) = activation_mismatches(model, {"probs": tn.losses.softmax_cross_entropy})
        >>> print(found)
        the output 'probs' ends in a softmax, but its loss softmax_cross_entropy takes logits and applies the \
softmax again: training runs, to a worse model
          hint: drop the final softmax (Dense(...) without activation=; the loss is exact on logits),\
 or give a loss that takes probabilities: categorical_crossentropy
        >>> activation_mismatches(model, {"probs": tn.losses.categorical_crossentropy})
        []
    """
    found = []
    for index, name in enumerate(model.output_names):
        loss = losses.get(name)
        probabilities = None if loss is None else takes_probabilities(loss)
        if loss is None or probabilities is None:
            continue  # a regression or custom loss: nothing to compare
        activation = output_activation(model, index)
        output = f"the output {name!r}"
        if activation in PROBABILITY_ACTIVATIONS and not probabilities:
            instead = "categorical_crossentropy" if activation == "softmax" else "binary_crossentropy"
            found.append(
                TypednnError(
                    f"{output} ends in a {activation}, but its loss {loss_name(loss)} takes logits and applies"
                    f" the {activation} again: training runs, to a worse model",
                    hint=f"drop the final {activation} (Dense(...) without activation=; the loss is exact on"
                    f" logits), or give a loss that takes probabilities: {instead}",
                )
            )
        elif probabilities and activation not in PROBABILITY_ACTIVATIONS:
            ends = "no activation" if activation is None else f"a {activation}"
            found.append(
                TypednnError(
                    f"{output} ends in {ends}, but its loss {loss_name(loss)} takes probabilities (from_logits=False):"
                    " it would take the log of raw scores",
                    hint="give a loss that takes logits (softmax_cross_entropy or binary_cross_entropy),"
                    " or end the output in a softmax or sigmoid",
                )
            )
    return found


def _outputs_probabilities(model: AnyModel, index: int, loss: Loss) -> bool:
    """Whether an output gives probabilities: it ends in a sigmoid or softmax, or its loss takes them."""
    return output_activation(model, index) in PROBABILITY_ACTIVATIONS or bool(takes_probabilities(loss))


def _told(metric: Metric, probabilities: bool) -> Metric:
    """The metric, told whether its outputs are probabilities, unless the user said so."""
    # A user's own metric class may have no such field, or be no dataclass at all.
    fields: set[str] = {f.name for f in dataclasses.fields(metric)} if dataclasses.is_dataclass(metric) else set()
    if "probabilities" not in fields or getattr(metric, "probabilities") is not None:  # noqa: B009
        return metric
    return dataclasses.replace(metric, probabilities=probabilities)  # type: ignore[type-var]  # a dataclass, checked above


def check_heads(model: AnyModel, heads: Heads, *, stacklevel: int = 3) -> Heads:
    """Warn about an output activation its loss disagrees with; tell the metrics what the outputs are.

    What `tn.Trainer` runs on its heads before training (see the module's docstring).

    Args:
        model: The model.
        heads: Its heads (`heads_of`): each output's loss and metrics.
        stacklevel: Where the warning points: 3 is the caller of the caller
            (the user's `tn.Trainer(...)` line when `Trainer.__init__` calls this).

    Returns:
        The heads, each metric with `probabilities` unset told whether its output is a
        probability (a one-unit sigmoid output's accuracy thresholds at 0.5).

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> from typednn.train._heads import heads_of
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(1, activation="sigmoid"))
        >>> heads = heads_of(model, loss=tn.losses.binary_crossentropy, metrics=["accuracy"])
        >>> check_heads(model, heads).heads[0].metrics[0].probabilities
        True
    """
    losses = {head.name: head.loss for head in heads.heads}
    for error in activation_mismatches(model, losses):
        warnings.warn(str(error), OutputActivationWarning, stacklevel=stacklevel)
    told: list[Head] = []
    for index, head in enumerate(heads.heads):
        probabilities = _outputs_probabilities(model, index, head.loss)
        told.append(dataclasses.replace(head, metrics=tuple(_told(m, probabilities) for m in head.metrics)))
    return dataclasses.replace(heads, heads=tuple(told))


def binary_targets(model: AnyModel, dataset: Dataset[Any, Any]) -> Dataset[Any, Any]:
    """Keras's binary labels for a one-unit output: int or float `(n,)` targets, as `(n, 1)` values.

    A model whose output is `(1,)` (a binary classifier's logit or probability) is
    compared with targets of shape `(1,)`. Keras also takes `(n,)` labels: 0/1 ints
    (which `from_arrays` reads as class ids of 2 classes) or floats. Such targets are
    given the unit axis, as values (no classes), so `binary_cross_entropy` and
    `"accuracy"` take them; anything else is returned as it is, for the shape check to
    judge. A file-backed dataset is left as it is (its arrays are not copied).

    Args:
        model: The model.
        dataset: The data, its arrays in the order of the model's outputs (`in_order`).

    Returns:
        The dataset, with such targets reshaped; the same object when there are none.

    Example:
        >>> import numpy as np
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(3)
        >>> data = tn.data.from_arrays(np.zeros((4, 3), np.float32), np.array([0, 1, 1, 0]))
        >>> data.classes, data.target_shape
        (2, None)
        >>> fixed = binary_targets(tn.Model(x, x >> nn.Dense(1)), data)
        >>> fixed.classes, fixed.target_shape
        (None, (1,))
    """
    several = dataset.several[1]
    if dataset.file_backed or len(model.graph.outputs) != len(dataset.target_classes):
        return dataset
    ys = dataset.targets if several else (dataset.targets,)
    classes = list(dataset.target_classes)
    names = list(dataset.target_class_names)
    changed = False
    targets = list(ys)
    for i, (output, y) in enumerate(zip(model.graph.outputs, ys)):
        shape = output.shape
        if shape.open or shape.dims != (1,) or np.ndim(y) != 1 or classes[i] not in (None, 1, 2):
            continue
        targets[i], classes[i], names[i], changed = np.asarray(y).reshape(-1, 1), None, None, True
    if not changed:
        return dataset
    return Dataset(
        dataset.features,
        tuple(targets) if several else targets[0],
        classes=tuple(classes) if several else classes[0],
        class_names=tuple(names) if several else names[0],
        feature_names=dataset.feature_names,
        target_names=dataset.target_names,
    )
