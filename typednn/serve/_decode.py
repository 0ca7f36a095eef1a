"""Request bodies as input arrays: JSON, one `.npy` array, or raw CSV rows through the saved transforms.

Nothing in a body is executed: JSON is parsed as data, a `.npy` body is read by typednn's
checked reader (no pickle: an array of Python objects is refused), and CSV is read as
text by `tn.data.table`.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._model import Model
from ..data._npy import read_data, read_header
from ..export._contract import Contract
from ._status import RequestError
from ._values import Array, numbers, what

if TYPE_CHECKING:
    from ..data.transforms import Columns

JSON = "application/json"
NPY = "application/x-npy"
CSV = "text/csv"
MEDIA_TYPES = (JSON, NPY, CSV)
BODY = "request body"
"""How messages name the body (a CSV body's temporary file is never named)."""


def media_type(header: str | None) -> str:
    """The media type of a Content-Type header, lower case, without parameters; JSON when there is none."""
    return (header or JSON).split(";")[0].strip().lower() or JSON


def decode(
    body: bytes, media: str, model: Model[Any, Any], contract: Contract, transform: Columns[Any] | None
) -> tuple[Array, ...]:
    """One array per model input, in order, from a body of media type `media`.

    Raises:
        RequestError: 400 for a body that is not JSON, 415 for a media type the model does not take.
        TypednnError: for JSON that is not `{"inputs": {name: nested list}}` (or
            `{"instances": [...]}`), or values that are not numbers.
    """
    if media == JSON:
        values = _json_inputs(body, model)
        found = model.arrays(values)  # the same check, and words, as predict's: a value per input name
        return tuple(
            numbers(value, spec, f"{BODY}: {what(model, spec.name)}") for value, spec in zip(found, contract.inputs)
        )
    if media == NPY:
        if len(contract.inputs) > 1:
            raise RequestError(
                415,
                f"{BODY}: one .npy array is the inputs of a model with one input, but this one has"
                f" {len(contract.inputs)} ({', '.join(model.input_names)})",
                hint=f'send JSON: {{"inputs": {{{", ".join(f"{n!r}: [...]" for n in model.input_names)}}}}}',
            )
        return (numbers(_npy(body), contract.inputs[0], f"{BODY}: the .npy array"),)
    if media == CSV:
        if transform is None:
            raise RequestError(
                415,
                f"{BODY}: CSV rows go through the column transforms saved with a model, and this one has none",
                hint="send JSON or .npy inputs; save the model with tn.save(..., transform=prep) to take raw rows",
            )
        return (_csv(body, transform),)
    raise RequestError(
        415,
        f"{BODY}: media type {media!r} is not one the server reads",
        hint=f"send Content-Type: {', '.join(MEDIA_TYPES[:2])} or {MEDIA_TYPES[2]}",
    )


def _json_inputs(body: bytes, model: Model[Any, Any]) -> Any:
    """The `inputs` object of a JSON body (an `instances` list stands for a one-input model's)."""
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        raise RequestError(400, f"{BODY}: not JSON: not UTF-8 text", hint="send JSON text in UTF-8") from None
    except json.JSONDecodeError as error:
        raise RequestError(
            400,
            f"{BODY}: not JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            hint='send {"inputs": {name: nested list}} as JSON',
        ) from None
    example = "{" + ", ".join(f'"{name}": [...]' for name in model.input_names) + "}"
    if not isinstance(document, dict) or len(document) != 1 or not {"inputs", "instances"} & set(document):
        keys = f"the keys {', '.join(map(repr, document))}" if isinstance(document, dict) else type(document).__name__
        raise TypednnError(
            f'{BODY}: expected an object with one key, "inputs" (or "instances"), found {keys:.200}',
            hint=f'send {{"inputs": {example}}}',
        )
    if "instances" in document:
        if len(model.input_names) > 1:
            raise TypednnError(
                f'{BODY}: "instances" are the examples of a model with one input, but this one has'
                f" {len(model.input_names)} ({', '.join(model.input_names)})",
                hint=f'send {{"inputs": {example}}}',
            )
        return {model.input_names[0]: document["instances"]}
    inputs = document["inputs"]
    if not isinstance(inputs, dict):
        raise TypednnError(
            f'{BODY}: "inputs" must be an object keyed by input name, found {type(inputs).__name__}',
            hint=f'send {{"inputs": {example}}}',
        )
    return inputs


def _npy(body: bytes) -> Array:
    file = io.BytesIO(body)
    return read_data(file, read_header(file, BODY, len(body)), BODY)


def _csv(body: bytes, transform: Columns[Any]) -> Array:
    """The features the saved transforms make of a CSV body's raw rows (read as `typednn predict` reads a file)."""
    from ..data import table  # noqa: PLC0415 - pyarrow's CSV reader, only for CSV bodies

    with tempfile.TemporaryDirectory(prefix="typednn-serve-") as folder:
        path = Path(folder) / "request.csv"
        path.write_bytes(body)
        try:
            features: Array = transform.features(table(path))
        except TypednnError as error:  # the file is the server's own: name the body instead
            raise TypednnError(
                error.message.replace(str(path), BODY), hint=error.hint and error.hint.replace(str(path), BODY)
            ) from None
    return features
