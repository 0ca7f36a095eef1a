"""The weights file: tensors in the safetensors format, with every dtype it can hold.

`safetensors.numpy` knows only numpy's own dtypes: it writes bfloat16 and float8
tensors (their names reach its Rust core) but raises KeyError reading them back. Here
the table from safetensors' dtype codes to numpy dtypes is complete for the byte-sized
dtypes (ml_dtypes supplies bfloat16 and the float8 kinds), and the sub-byte ones
(F4, F6), which safetensors packs several to a byte, are refused by name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import ml_dtypes
import numpy as np
import safetensors
import safetensors.numpy

from .._errors import TypednnError
from .._reading import excerpt

DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "BOOL": np.dtype(np.bool_),
    "U8": np.dtype(np.uint8),
    "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16),
    "I16": np.dtype(np.int16),
    "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32),
    "U64": np.dtype(np.uint64),
    "I64": np.dtype(np.int64),
    "F16": np.dtype(np.float16),
    "BF16": np.dtype(ml_dtypes.bfloat16),
    "F32": np.dtype(np.float32),
    "F64": np.dtype(np.float64),
    "C64": np.dtype(np.complex64),
    "F8_E4M3": np.dtype(ml_dtypes.float8_e4m3fn),
    "F8_E5M2": np.dtype(ml_dtypes.float8_e5m2),
    "F8_E4M3FNUZ": np.dtype(ml_dtypes.float8_e4m3fnuz),
    "F8_E5M2FNUZ": np.dtype(ml_dtypes.float8_e5m2fnuz),
    "F8_E8M0": np.dtype(ml_dtypes.float8_e8m0fnu),
}
"""safetensors' dtype codes and the numpy dtypes of their tensors."""

_DETAIL = 200
"""The most characters of a safetensors error that a message quotes."""
_WRITABLE = {dtype.name for dtype in DTYPES.values()}


def encode(arrays: Mapping[str, np.ndarray[Any, Any]], *, where: str) -> bytes:
    """The safetensors file for these tensors (deterministic: the same arrays give the same bytes).

    Args:
        arrays: The tensors by name.
        where: What is being saved where, for messages.

    Raises:
        TypednnError: naming the first tensor whose dtype safetensors cannot hold
            (float64 complex, 4-bit ints, float8 kinds outside `DTYPES`).
    """
    for name, array in arrays.items():
        if array.dtype.name not in _WRITABLE:
            raise TypednnError(
                f"{where}: {name}: a parameter of dtype {array.dtype.name} cannot be stored in a safetensors file",
                hint=f"cast it to one of {', '.join(sorted(_WRITABLE))} before saving",
            )
    return safetensors.numpy.save(dict(arrays))


def decode(data: bytes, *, source: str) -> dict[str, np.ndarray[Any, Any]]:
    """The tensors of a safetensors file, each a read-only numpy array over its bytes.

    Raises:
        TypednnError: naming `source` if the file is not valid safetensors, or naming
            the tensor if its dtype is one typednn cannot load or its bytes do not fit
            its shape.
    """
    try:
        views = safetensors.deserialize(data)
    except safetensors.SafetensorError as error:
        # Its messages may quote a tensor name from the file: cut to a line's length.
        text = str(error) if len(str(error)) <= _DETAIL else str(error)[: _DETAIL - 3] + "..."
        raise TypednnError(f"{source}: not a valid safetensors file: {text}", hint="save the model again") from None
    arrays = {}
    for name, view in views:
        dtype = DTYPES.get(view["dtype"])
        if dtype is None:
            raise TypednnError(
                f"{source}: tensor {excerpt(name)} has dtype {excerpt(view['dtype'])}, which typednn cannot load"
                " (it packs several values into a byte)",
                hint=f"typednn loads the dtypes {', '.join(DTYPES)}",
            )
        shape = tuple(view["shape"])
        if math.prod(shape) * dtype.itemsize != len(view["data"]):
            raise TypednnError(
                f"{source}: tensor {excerpt(name)} holds {len(view['data'])} bytes, not the"
                f" {math.prod(shape) * dtype.itemsize} of its shape {shape} and dtype {dtype.name}",
                hint="the file is corrupted; save the model again",
            )
        arrays[name] = np.frombuffer(view["data"], dtype=dtype).reshape(shape)
    return arrays
