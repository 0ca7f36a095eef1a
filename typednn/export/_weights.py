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

from .._errors import TypednnError
from .._model import Model
from .._reading import excerpt, read_regular
from ..lower import Params
from ._safetensors import decode


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


_LISTED = 20
"""How many disagreeing tensors a message lists."""
_NAME = 80
"""The longest tensor name a message shows whole."""


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
        # Names come from files too: shown whole only when short and printable.
        shown = name if len(name) <= _NAME and name.isprintable() else excerpt(name, length=_NAME)
        if name not in have:
            problems.append(f"{shown}: {want_side} {want_verb} {want[name]}, but {have_side} has no such tensor")
        elif name not in want:
            problems.append(f"{shown}: {have_side} {have_verb} {have[name]}, but {want_side} has no such tensor")
        elif have[name] != want[name]:
            problems.append(f"{shown}: {have_side} {have_verb} {have[name]}, {want_side} {want_verb} {want[name]}")
    if problems:
        # A tampered file may list thousands of tensors; the first few make the point.
        shown = problems[:_LISTED] + ([f"and {len(problems) - _LISTED} more"] if len(problems) > _LISTED else [])
        raise TypednnError(f"{where}: " + "\n  ".join(shown), hint=hint)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(path: Path, digest: str) -> dict[str, np.ndarray[Any, Any]]:
    """The tensors of a safetensors file whose sha256 must be `digest`.

    Raises:
        TypednnError: naming the file if it is missing, not a regular file, changed,
            truncated or unreadable (naming the tensor where one is at fault).
    """
    if not path.exists() and not path.is_symlink():
        raise TypednnError(
            f"{path}: no such file; the export is incomplete", hint="save the model again, or copy the whole directory"
        )
    # No cap: a model's weights may be any size; the file's own size bounds the read.
    data = read_regular(path, what="weights file", limit=None)
    actual = sha256(data)
    if actual != digest:
        try:
            decode(data, source=str(path))
            unreadable = ""
        except TypednnError as error:
            unreadable = "; safetensors cannot read it: " + error.message.removeprefix(f"{path}: ").removeprefix(
                "not a valid safetensors file: "
            )
        raise TypednnError(
            f"{path}: the file ({len(data)} bytes, sha256 {actual}) is not the one spec.json records"
            f" (sha256 {digest}){unreadable}",
            hint="the file is truncated or corrupted, or belongs to another export; save the model again",
        )
    return decode(data, source=str(path))
