"""Helpers for the Keras import tests: Keras 3 on its JAX backend, as the reference."""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"  # before Keras is imported: the backend is chosen once

from pathlib import Path
from typing import Any

import jax
import keras  # type: ignore[import-untyped]  # Keras ships no types
import numpy as np

import typednn as tn

TOLERANCE = 1e-5
"""The largest difference accepted, relative to the outputs' scale (the issue's bound)."""


def randomize(model: keras.Model, seed: int = 0) -> None:
    """Give every variable random values (variances positive), so each one matters to the output."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        positive = "variance" in variable.path
        value = rng.uniform(0.5, 1.5, shape) if positive else rng.normal(0.0, 0.5, shape)
        variable.assign(value.astype(np.float32))


def keras_outputs(model: keras.Model, inputs: list[np.ndarray[Any, Any]]) -> list[np.ndarray[Any, Any]]:
    """Keras's own inference outputs (its JAX code broadcasts by rank, which the tests forbid elsewhere)."""
    with jax.numpy_rank_promotion("allow"):
        result = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    outputs = result if isinstance(result, list | tuple) else [result]
    return [np.asarray(output) for output in outputs]


def difference(model: keras.Model, folder: Path, inputs: list[np.ndarray[Any, Any]]) -> float:
    """Save `model`, import it, and return the largest difference of the outputs relative to their scale."""
    path = folder / "model.keras"
    model.save(path)
    imported, params = tn.import_keras(path)
    got: Any = imported.apply(params, inputs[0] if len(inputs) == 1 else tuple(inputs))
    produced = [np.asarray(output) for output in (got if isinstance(got, tuple) else (got,))]
    expected = keras_outputs(model, inputs)
    assert [output.shape for output in produced] == [output.shape for output in expected]
    return max(
        float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max()))) for a, b in zip(produced, expected, strict=True)
    )


def data(*shapes: tuple[int, ...], seed: int = 1) -> list[np.ndarray[Any, Any]]:
    """Random float32 inputs, a batch of 3 of each shape."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, *shape)).astype(np.float32) for shape in shapes]
