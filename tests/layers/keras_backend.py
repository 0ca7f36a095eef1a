"""Keras 3 on its JAX backend, for tests that hold typednn's numbers to Keras's own."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn


def keras_on_jax(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The `keras` module on JAX; the test is skipped where Keras (a test dependency) is missing.

    Keras reads its backend once, on import: JAX, unless something imported it before.
    """
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras: ModuleType = pytest.importorskip("keras", reason="Keras (a test dependency) is not installed")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras was imported with another backend")
    return keras


def run(
    layer: tn.Layer[*tuple[Any, ...]], params: dict[str, jax.Array], *xs: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """One layer of typednn applied to a batch (one array per input), with these parameters."""
    inputs = [tn.Input(*x.shape[1:]) for x in xs]
    model = tn.Model(inputs[0] if len(inputs) == 1 else tuple(inputs), layer(*inputs))
    given = {model.graph.name(layer): params} if params else {}
    return np.asarray(model.apply(given, xs[0] if len(xs) == 1 else xs))


def keras_call(layer: Any, *xs: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A Keras layer's output as a numpy array (rank promotion allowed: Keras broadcasts biases implicitly)."""
    with jax.numpy_rank_promotion("allow"):
        return np.asarray(layer(xs[0] if len(xs) == 1 else list(xs)))
