"""Keras model import: `tn.import_keras("model.keras")` gives a typednn model and its parameters.

Keras is not imported, and nothing from the file runs: the config is JSON, the weights
are read with h5py, and every layer is rebuilt from typednn's own layers (the table in
`_layers.py`), its shapes checked by typednn's rules. A layer or option typednn has no
exact twin for is refused by name, never approximated.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Self

import jax.numpy as jnp

from .._errors import TypednnError
from .._model import Model
from ..lower import Params
from . import _archive, _weights
from ._graph import Builder
from ._layers import Arrays

__all__ = ["import_keras"]


def import_keras(path: str | os.PathLike[str]) -> tuple[Model[Any, Any], Params]:
    """A Keras 3 model as a typednn model and its parameters.

    Args:
        path: A `.keras` archive (`model.save("model.keras")`), a legacy full-model
            `.h5`/`.hdf5` file (`model.save("model.h5")`), or a `.json` config
            (`model.to_json()`) with its weights beside it as `<name>.weights.h5`.

    Returns:
        The model (inputs and outputs named as in Keras) and `{layer: {param: array}}`;
        `tn.save(model, params, directory)` writes them as a typednn export.

    Raises:
        TypednnError: for an unreadable or hostile file, a layer (`Lambda`, a custom
            class, a class with no typednn twin) or an option typednn cannot compute
            exactly, naming the file, the layer, its class and the option.

    Example:
        >>> import typednn as tn
        >>> model, params = tn.import_keras("model.keras")  # doctest: +SKIP
        >>> tn.save(model, params, "imported")  # doctest: +SKIP
    """
    archive = _archive.read(path)
    with _Weights(archive) as weights:
        builder = Builder(archive.source, weights.read)
        keras_model = builder.model(archive.config, prefix="", h5_prefix="")
        inputs = builder.inputs(keras_model)
        outputs = builder.call(keras_model, inputs)
        try:
            model: Model[Any, Any] = Model(
                inputs[0] if len(inputs) == 1 else tuple(inputs),
                outputs[0] if len(outputs) == 1 else tuple(outputs),
                name=keras_model.name,
            )
        except TypednnError as error:
            raise TypednnError(f"{archive.source}: {error.message}", hint=error.hint) from None
        return model, _params(model, builder, weights)


class _Weights:
    """The archive's weights file, opened and checked once, when first read.

    Most models read it only after the graph is built (so a config refused by name is
    refused before the weights are looked at); a converter that builds its twin from
    variables (an adapted Normalization) reads it while the graph is built.
    """

    def __init__(self, archive: _archive.Archive) -> None:
        self.archive = archive
        self._stack = contextlib.ExitStack()
        self._h5: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self._stack.close()

    def file(self) -> Any:
        """The open weights file (an `h5py.File`, or a `_weights.Legacy`), checked on opening."""
        if self._h5 is None:
            h5 = self._stack.enter_context(_archive.h5_file(self.archive))
            _weights.check_file(h5, self.archive.source, len(self.archive.weights))
            self._h5 = h5
        return self._h5

    def read(self, h5_path: str, names: tuple[str, ...], where: str) -> Arrays:
        """A layer's variables by name (`_weights.read_variables`)."""
        return _weights.read_variables(self.file(), h5_path, names, where=where, source=self.archive.source)


def _params(model: Model[Any, Any], builder: Builder, weights: _Weights) -> Params:
    """Every twin's parameters from the weights file, checked against what the model needs."""
    needed = model.param_shapes()
    params: Params = {}
    archive = weights.archive
    weights.file()  # opened and checked even when no twin has parameters, as ever
    for entry, where in builder.converted:
        converted = entry.converted
        assert converted is not None  # builder.converted lists twins only
        name = converted.layer.name
        if name is None or (name not in needed and not converted.variables):
            continue
        arrays = weights.read(entry.h5_path, converted.variables, where)
        params[name] = {key: jnp.asarray(value) for key, value in converted.convert(arrays).items()}
    for name, shapes in needed.items():
        got = {key: tuple(value.shape) for key, value in params.get(name, {}).items()}
        wanted = {key: tuple(value.shape) for key, value in shapes.items()}
        if got != wanted:
            raise TypednnError(
                f"{archive.source}: layer {name!r} needs the parameters {wanted}, but its Keras weights give {got}",
                hint="the config and the weights file disagree; save the model again with Keras",
            )
    return {name: value for name, value in params.items() if name in needed}
