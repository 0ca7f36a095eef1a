"""Inputs without targets, for prediction: a CSV file of feature columns, or a `.npy` file."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape
from ._csv_plan import plan
from ._csv_read import read_arrays
from ._npy import load_npy
from ._numpy import numeric_features
from ._paths import FilePath

Array = np.ndarray[Any, Any]


def read_inputs(path: FilePath, *, shape: Shape | Sequence[int] | None = None) -> Array:
    r"""Examples to predict on, float32 `(examples, *shape)`.

    A `.csv` file has a header and one example per row, every column a number (checked
    as `csv` checks features); a `.npy` file holds an array of numbers.

    Args:
        path: The file.
        shape: One example's shape (a model's input): rows of as many values are
            reshaped to it; by default the file's own shape.

    Raises:
        TypednnError: for another kind of file, a bad cell (with its row and column),
            or examples whose size differs from `shape`'s.

    Example:
        >>> import tempfile
        >>> inputs_file = Path(tempfile.mkdtemp()) / "inputs.csv"
        >>> _ = inputs_file.write_text("a,b,c,d\n1,2,3,4\n")
        >>> read_inputs(inputs_file, shape=[2, 2]).tolist()
        [[[1.0, 2.0], [3.0, 4.0]]]
    """
    file = Path(path)
    if file.suffix.lower() == ".csv":
        found = plan(
            file,
            label=None,
            features=None,
            shape=None,
            classes=None,
            task=None,
            delimiter=",",
            header=True,
            encoding="utf-8",
            labelled=False,
        )
        inputs, _ = read_arrays(found)
    elif file.suffix.lower() == ".npy":
        inputs = np.asarray(numeric_features(load_npy(file, what="inputs file"), str(file)))
    else:
        raise TypednnError(f"{file}: inputs are read from .csv or .npy files", hint="save them with np.save(...)")
    if shape is None:
        return inputs
    given = tuple(shape.dims) if isinstance(shape, Shape) else tuple(shape)
    dims = tuple(d for d in given if isinstance(d, int))
    if len(dims) != len(given) or inputs.shape[1:] == dims:
        return inputs  # symbolic sizes: the model checks them
    size = math.prod(dims)
    if math.prod(inputs.shape[1:]) != size:
        raise TypednnError(
            f"{file}: each example holds {math.prod(inputs.shape[1:])} values {inputs.shape[1:]},"
            f" but the input shape {Shape(dims)!r} takes {size}",
            hint="give one example per row, with as many values as the model's input",
        )
    return inputs.reshape(len(inputs), *dims)
