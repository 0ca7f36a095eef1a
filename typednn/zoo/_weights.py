"""`weights=` of the zoo: trained parameters from an export folder or the registry, checked against the architecture.

A typednn `Model` holds no parameters (`init(key)` makes them), so a zoo model built
with weights is a `Pretrained` model: the same graph, whose `init` gives the loaded
parameters (copies, whatever the key). `tn.Trainer(model, ...)` then starts from them,
as a Keras model built with `weights=` does.
"""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp

from .._errors import TypednnError
from .._model import Model
from ..export._graph_json import graph_to_dict
from ..lower import Params
from ._top import Weights


class Pretrained(Model[Any, Any]):
    """A model whose `init` gives trained parameters (a zoo model built with `weights=`).

    Attributes:
        source: Where the parameters came from: the folder or the `NAME:TAG` given.
    """

    def __init__(self, inputs: Any, outputs: Any, *, name: str, params: Params, source: str) -> None:
        super().__init__(inputs, outputs, name=name)
        self._params = params
        self.source = source

    def init(self, key: jax.Array) -> Params:
        """The trained parameters, copied (`key` is unused): a trainer updates its own copy."""
        copied: Params = jax.tree.map(jnp.array, self._params)
        return copied


def build(inputs: Any, outputs: Any, *, name: str, weights: Weights, arguments: dict[str, Any]) -> Model[Any, Any]:
    """The zoo model `name` on `inputs` -> `outputs`, with the parameters `weights` names (None: fresh ones).

    Args:
        inputs: The model's input tensor.
        outputs: Its output tensor.
        name: The zoo function's name (the model's).
        weights: None, a typednn export folder, or a registry reference `"NAME:TAG"`.
        arguments: The zoo function's arguments, for messages.

    Raises:
        TypednnError: when the weights cannot be loaded, or are of another architecture
            (naming the first layer that differs).
    """
    if weights is None:
        return Model(inputs, outputs, name=name)
    if not isinstance(weights, (str, os.PathLike)):
        raise TypednnError(
            f"zoo.{name}: weights= must be None, an export folder or a registry reference NAME:TAG, not {weights!r}"
        )
    source = os.fspath(weights)
    if os.path.isdir(source):
        from ..export import load  # noqa: PLC0415 - the export module, only when weights are asked for

        saved, params = load(source)
    elif ":" in source and not os.path.exists(source):
        from .. import hub  # noqa: PLC0415 - the registry, only when a reference is given

        saved, params = hub.load(source)
    else:
        raise TypednnError(
            f"zoo.{name}: weights={source!r} is neither an export folder nor a registry reference NAME:TAG",
            hint="an export is a folder that tn.save or `typednn export` wrote",
        )
    model = Pretrained(inputs, outputs, name=name, params=params, source=source)
    _check_architecture(model, saved, name=name, source=source, arguments=arguments)
    return model


def _check_architecture(
    model: Model[Any, Any], saved: Model[Any, Any], *, name: str, source: str, arguments: dict[str, Any]
) -> None:
    """Refuse weights of another graph, naming the first layer (or the input) that differs."""
    wanted, found = graph_to_dict(model.graph), graph_to_dict(saved.graph)
    if wanted == found:
        return
    given = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    hint = (
        f"the weights are of a model {saved.signature()} ({len(found.get('layers', []))} layers); "
        f"build zoo.{name} with the arguments they were saved with"
    )
    where = f"zoo.{name}({given}): the weights {source!r} are of another architecture"
    if wanted.get("input") != found.get("input") or ("layers" not in wanted) != ("layers" not in found):
        raise TypednnError(
            f"{where}: input {found.get('input')} where the model takes {wanted.get('input')}", hint=hint
        )
    layers, saved_layers = wanted.get("layers", []), found.get("layers", [])
    for index, (mine, theirs) in enumerate(zip(layers, saved_layers)):
        if mine != theirs:
            raise TypednnError(
                f"{where}: layer {index + 1} is {_layer(theirs)} where the model has {_layer(mine)}", hint=hint
            )
    raise TypednnError(f"{where}: {len(saved_layers)} layers where the model has {len(layers)}", hint=hint)


def _layer(entry: dict[str, Any]) -> str:
    """A spec layer entry as a message shows it: `conv2d 'conv2d_3' {filters: 64, ...}`."""
    ((kind, options),) = entry.items()
    shown = ", ".join(f"{k}: {v!r}" for k, v in options.items() if k != "name")
    return f"{kind} {options.get('name')!r} {{{shown}}}"
