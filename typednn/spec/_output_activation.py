"""The double-softmax warning of `fit`, given by `typednn check` at the spec's line and column.

A spec whose output ends in a softmax or sigmoid, trained with a loss that takes logits
(`softmax_cross_entropy`, the usual loss for class ids), trains to a worse model and
fails nowhere. `fit` warns about it; `check` gives the same warning before anything
runs. The rule is `activation_mismatches`'s alone: this module only says where.
"""

from __future__ import annotations

from typing import Any

from .._errors import TypednnError
from ..data._schema import Schema
from ..train import _losses
from ..train._keras_checks import activation_mismatches
from ._load import Spec


def activation_warnings(spec: Spec, schema: Schema | None = None) -> list[tuple[str, TypednnError]]:
    r"""`fit`'s warnings about an output's activation and its loss, each at the output's layer entry.

    Args:
        spec: The spec, read.
        schema: Its data's schema, which decides the loss where the train section names
            none (`softmax_cross_entropy` for class ids); without it only named losses
            are compared.

    Returns:
        One warning per output whose activation and loss disagree, in the order of the
        outputs: where its layer entry is (`file:line:col (output)`), and `fit`'s
        warning itself (message and hint), which the caller prints after it.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> from typednn.spec import read
        >>> file = Path(tempfile.mkdtemp()) / "spec.yaml"
        >>> _ = file.write_text(
        ...     "model:\n  input: [4]\n  layers: [{dense: {units: 3, activation: softmax}}]\n"
        ...     "train: {loss: softmax_cross_entropy}\n"
        ... )
        >>> ((where, warning),) = activation_warnings(read(file))
        >>> where.endswith("spec.yaml:3:12 (dense)")
        True
        >>> warning.message.split(", but")[0]
        "the output 'dense' ends in a softmax"
    """
    model = spec.model
    found = []
    for name, loss in _losses_by_output(spec, schema).items():
        # One output at a time, so each warning is placed at its own output's entry.
        where = _output_entry(spec, name)
        found += [(where, error) for error in activation_mismatches(model, {name: _losses.get(loss)})]
    return found


def _losses_by_output(spec: Spec, schema: Schema | None) -> dict[str, str]:
    """Each output's loss by name, where the spec (or its data) decides it."""
    if schema is not None:
        return spec.losses(schema)
    loss = spec.train.loss
    if isinstance(loss, str):
        return dict.fromkeys(spec.model.output_names, loss)
    return {name: value for name, value in (loss or {}).items() if isinstance(value, str)}


def _output_entry(spec: Spec, output: str) -> str:
    """`file:line:col (output)` of the layer entry that gives an output: the named one, else the last."""
    section: Any = spec.document.value["model"]
    layers = section["layers"]
    index = len(layers) - 1
    if section.get("outputs") is not None:
        index = next((i for i, entry in enumerate(layers) if _entry_name(entry) == output), index)
    return f"{spec.where('model', 'layers', index)} ({output})"


def _entry_name(entry: object) -> str | None:
    """The `name` a one-key layer entry gives itself (`{dense: {units: 3, name: probs}}`), if any."""
    if isinstance(entry, dict) and len(entry) == 1:
        options = next(iter(entry.values()))
        if isinstance(options, dict) and isinstance(options.get("name"), str):
            return str(options["name"])
    return None
