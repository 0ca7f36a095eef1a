"""The dtype an export stores its floating parameters in: float32 unless asked otherwise.

`tn.save(..., dtype="bfloat16")` halves the weights file of a model trained in mixed
precision (or not); spec.json records the dtype (`weights.dtype`, written only when it
is not float32, so float32 exports read as they always did), and `tn.load` hands the
parameters back in float32 unless asked for them as stored (`dtype=None`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import jax.numpy as jnp
import ml_dtypes
import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from ._weights import Spec, Table

ExportDtype = Literal["float32", "bfloat16", "float16"]
EXPORT_DTYPES: Final[tuple[ExportDtype, ...]] = ("float32", "bfloat16", "float16")
DEFAULT: Final[ExportDtype] = "float32"

_NUMPY: Final[dict[str, np.dtype[Any]]] = {
    "float32": np.dtype(np.float32),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float16": np.dtype(np.float16),
}
"""The numpy dtype of each export dtype (ml_dtypes supplies bfloat16)."""


def check_dtype(value: object, where: str, *, hint: str | None = None) -> ExportDtype:
    """`value` as an export dtype, or an error naming `where`.

    Raises:
        TypednnError: for anything but "float32", "bfloat16" or "float16".

    Example:
        >>> check_dtype("bfloat16", "tn.save")
        'bfloat16'
    """
    if isinstance(value, str) and value in EXPORT_DTYPES:
        return value
    raise TypednnError(
        f"{where}: dtype must be one of {', '.join(map(repr, EXPORT_DTYPES))}, not {excerpt(value)}",
        hint=hint or '"float32" (the default) keeps the parameters as trained; "bfloat16" or "float16" halves the file',
    )


def cast(arrays: Mapping[str, np.ndarray[Any, Any]], dtype: str) -> dict[str, np.ndarray[Any, Any]]:
    """The float32, bfloat16 and float16 tensors in `dtype`; the others (int, float64) as they are.

    float64 is left alone so that the check against the model refuses it, as before.
    """
    target = _NUMPY[dtype]
    return {
        name: array.astype(target) if array.dtype.name in _NUMPY and array.dtype != target else array
        for name, array in arrays.items()
    }


def at_dtype(tensors: Table, dtype: str) -> Table:
    """The table with its floating tensors in `dtype`: what an export of that dtype holds."""
    if dtype == DEFAULT:
        return tensors
    return {
        name: Spec(spec.shape, dtype) if jnp.issubdtype(jnp.dtype(spec.dtype), jnp.floating) else spec
        for name, spec in tensors.items()
    }
