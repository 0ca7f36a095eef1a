"""A request's values as arrays, checked as `predict` checks its inputs, with the same words.

The checks are `predict`'s own (`Model.arrays`, `check_features_all`,
`check_token_ids`), so a request gets the message a Python caller would; the server
adds what a Python caller cannot send: text, true/false values, ragged lists, and NaN or
infinity (JSON's `NaN`, or a `.npy` of them), which the model would turn into NaN outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import TypednnError
from .._model import Model
from .._shapes import Shape, ShapeError
from .._shapes._bindings import Bindings
from .._shapes._data import check_features_all
from ..export._contract import TensorSpec
from ..train._tokens import check_token_ids

Array = np.ndarray[Any, Any]
METHOD = "POST /v1/predict"
"""How messages name what checks the request (as `predict` names itself)."""

_INT32 = np.iinfo(np.int32)
_FOUND = {"U": "text", "S": "bytes", "b": "true/false values", "O": "null, objects or numbers out of range"}


def what(model: Model[Any, Any], name: str) -> str:
    """How messages name an input: `inputs` for a model's only one, else `input 'name'`."""
    return "inputs" if len(model.input_names) == 1 else f"input {name!r}"


def numbers(value: Any, spec: TensorSpec, where: str) -> Array:
    """`value` (nested lists, or an array) as an array of the input's dtype.

    Raises:
        TypednnError: for ragged lists, values that are not numbers, or floats (or ints
            out of int32's range) given for int32 token ids.
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):  # NumPy refuses lists of differing lengths
        raise _refused(f"{where}: its lists differ in length; expected", spec) from None
    kind = array.dtype.kind
    if kind not in "iuf":
        raise _refused(f"{where} holds {_FOUND.get(kind, str(array.dtype))}; expected", spec)
    if spec.dtype == "int32":
        if kind == "f" and not bool(np.all(np.isfinite(array) & (array == np.round(array)))):
            raise _refused(f"{where} holds numbers that are not whole; token ids are", spec)
        if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
            raise _refused(f"{where} holds numbers beyond int32; token ids are", spec)
        return array.astype(np.int32)
    # Values beyond float32's range become infinity, as NumPy casts them; the finite check names them.
    with np.errstate(over="ignore", invalid="ignore"):
        return array.astype(np.float32)


def _refused(problem: str, spec: TensorSpec) -> TypednnError:
    """`problem` followed by what the input takes (made only for a refused request: off the hot path)."""
    expected = f"a nested list of {spec.dtype} numbers of shape (batch, {', '.join(map(str, spec.shape))})"
    return TypednnError(f"{problem} {expected}", hint=f"send {expected}, one example per row")


def checked(model: Model[Any, Any], arrays: tuple[Array, ...]) -> tuple[Array, ...]:
    """The input arrays, once they fit the model: shapes, lengths, token ids, finite floats.

    Raises:
        ShapeError: if an example's shape differs from its input's.
        TypednnError: for no examples, inputs of different lengths, a token id outside
            the vocabulary, or a float that is NaN or infinite (naming the row).
    """
    names = model.input_names
    if any(x.ndim == 0 for x in arrays):
        raise ShapeError(
            METHOD,
            "an array of examples, (examples, *input_dims)",
            "a single number",
            hint="send a batch: a list of examples, one per row",
        )
    if len({len(x) for x in arrays}) > 1:
        raise TypednnError(
            f"{METHOD}: the inputs differ in length: "
            + ", ".join(f"{name} {len(x)}" for name, x in zip(names, arrays)),
            hint="give every input as many examples",
        )
    if len(arrays[0]) == 0:
        raise TypednnError(f"{METHOD}: the request holds no examples", hint="send at least one example per input")
    tensors = model.graph.inputs
    check_features_all(
        tuple(x.shape for x in tensors),
        tuple(Shape(tuple(x.shape[1:]), tokens=None) for x in arrays),
        method=METHOD,
        input_names=names,
        bound=Bindings(),
    )
    for tensor, x, name in zip(tensors, arrays, names):
        if tensor.shape.tokens:
            check_token_ids(model, x, what=what(model, name), x=tensor)
        else:
            _check_finite(x, what(model, name))
    return arrays


def _check_finite(x: Array, where: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        row, *axes = (int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
        position = "" if not axes else f", position {axes[0] if len(axes) == 1 else tuple(axes)}"
        raise TypednnError(
            f"{where} row {row}{position}: {float(x[(row, *axes)])} is not a finite number",
            hint="NaN and infinity make NaN outputs: replace them (impute missing values) before sending",
        )
