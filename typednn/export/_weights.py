"""Parameters as named tensors (`dense/kernel`), checked against what a model needs.

The tables here compare three views of the same tensors: what a model's `init` makes,
what spec.json records, and what weights.safetensors holds. Each disagreement is named
by tensor, with both sides' shape and dtype.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
import safetensors
import safetensors.numpy

from .._errors import TypednnError
from .._model import Model
from ..lower import Params


@dataclass(frozen=True)
class Spec:
    """A tensor's shape and dtype (a numpy dtype name, such as ``"float32"``)."""

    shape: tuple[int, ...]
    dtype: str

    def __str__(self) -> str:
        return f"{self.shape!r} {self.dtype}"


Table = dict[str, Spec]
"""Tensors by name, `layer/param`."""


def tensor_name(layer: str, param: str) -> str:
    return f"{layer}/{param}"


def needed(model: Model[Any, Any]) -> Table:
    """The tensors the model's `init` makes, computed without making them."""
    shapes = model.param_shapes()
    return {
        tensor_name(layer, param): Spec(tuple(array.shape), str(array.dtype))
        for layer, arrays in shapes.items()
        for param, array in arrays.items()
    }


def flatten(params: object) -> dict[str, np.ndarray[Any, Any]]:
    """Parameters as host arrays by tensor name, sorted by name.

    Raises:
        TypednnError: if `params` is not `{layer: {param: array}}`.
    """
    if not isinstance(params, Mapping) or not all(isinstance(arrays, Mapping) for arrays in params.values()):
        raise TypednnError(
            f"params must be a dict from layer name to a dict of arrays, not {type(params).__name__}",
            hint="pass what model.init (or training) returned",
        )
    flat = {
        tensor_name(layer, param): np.ascontiguousarray(np.asarray(array))
        for layer, arrays in params.items()
        for param, array in arrays.items()
    }
    return dict(sorted(flat.items()))


def unflatten(arrays: Mapping[str, np.ndarray[Any, Any]]) -> Params:
    """`{layer: {param: array}}` from tensors named `layer/param`, as JAX arrays."""
    params: Params = {}
    for name, array in arrays.items():
        layer, _, param = name.rpartition("/")  # a layer name may hold "/", a param name does not
        params.setdefault(layer, {})[param] = jnp.asarray(array)
    return params


def table(arrays: Mapping[str, np.ndarray[Any, Any]]) -> Table:
    return {name: Spec(tuple(array.shape), str(array.dtype)) for name, array in arrays.items()}


def compare(have: Table, want: Table, *, sides: tuple[str, str], verbs: tuple[str, str], where: str, hint: str) -> None:
    """Refuse unless both tables list the same tensors with the same shapes and dtypes.

    Args:
        have: The tensors being checked.
        want: The tensors they must be.
        sides: Who holds each table, e.g. ``("spec.json", "the model")``.
        verbs: How each speaks, e.g. ``("says", "needs")``.
        where: The file, for the message.
        hint: How to fix it.

    Raises:
        TypednnError: listing every disagreeing, missing and unexpected tensor.
    """
    (have_side, want_side), (have_verb, want_verb) = sides, verbs
    problems = []
    for name in sorted(want.keys() | have.keys()):
        if name not in have:
            problems.append(f"{name}: {want_side} {want_verb} {want[name]}, but {have_side} has no such tensor")
        elif name not in want:
            problems.append(f"{name}: {have_side} {have_verb} {have[name]}, but {want_side} has no such tensor")
        elif have[name] != want[name]:
            problems.append(f"{name}: {have_side} {have_verb} {have[name]}, {want_side} {want_verb} {want[name]}")
    if problems:
        raise TypednnError(f"{where}: " + "\n  ".join(problems), hint=hint)


def encode(arrays: Mapping[str, np.ndarray[Any, Any]]) -> bytes:
    """The safetensors file for these tensors (deterministic: the same arrays give the same bytes)."""
    return safetensors.numpy.save(dict(arrays))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(path: Path, digest: str) -> dict[str, np.ndarray[Any, Any]]:
    """The tensors of a safetensors file whose sha256 must be `digest`.

    Raises:
        TypednnError: naming the file if it is missing, changed, truncated or unreadable.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TypednnError(
            f"{path}: no such file; the export is incomplete", hint="save the model again, or copy the whole directory"
        ) from None
    except OSError as error:
        raise TypednnError(f"{path}: cannot be read: {error.strerror}") from None
    try:
        arrays: dict[str, np.ndarray[Any, Any]] = safetensors.numpy.load(data)
        unreadable = None
    except safetensors.SafetensorError as error:
        arrays, unreadable = {}, str(error)
    actual = sha256(data)
    if actual != digest:
        raise TypednnError(
            f"{path}: the file ({len(data)} bytes, sha256 {actual}) is not the one spec.json records"
            f" (sha256 {digest})" + (f"; safetensors cannot read it: {unreadable}" if unreadable else ""),
            hint="the file is truncated or corrupted, or belongs to another export; save the model again",
        )
    if unreadable:
        raise TypednnError(f"{path}: not a valid safetensors file: {unreadable}", hint="save the model again")
    return arrays
