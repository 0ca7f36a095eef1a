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
from ._npy import Archive, load_npy
from ._numpy import numeric_features
from ._paths import FilePath
from ._show import names as show_names
from ._show import suggest

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


def read_input_arrays(paths: Sequence[FilePath], names: Sequence[str], shapes: Sequence[Shape]) -> dict[str, Array]:
    """Examples to predict on for a model's inputs: one file per input, or one `.npz` holding them all.

    Args:
        paths: One `.csv`/`.npy` file per input, in the order of `names`; or one `.npz`
            archive whose arrays are named as the inputs.
        names: The model's input names.
        shapes: One example's shape for each input.

    Returns:
        Each input's examples, by name.

    Raises:
        TypednnError: for another number of files than inputs, an archive without an
            array for an input, or a file `read_inputs` refuses.
    """
    if len(paths) == 1 and Path(paths[0]).suffix.lower() == ".npz":
        path = Path(paths[0])
        found = {}
        with Archive(path) as archive:
            for name in names:
                if name not in archive.members:
                    raise TypednnError(
                        f"{path}: no array {name!r} for the model's input {name!r}{suggest(name, archive.files)}",
                        hint=f"name its arrays as the model's inputs; it holds {show_names(archive.files)}",
                    )
                found[name] = np.asarray(numeric_features(archive.array(name), f"{path}: array {name!r}"))
        return found
    if len(paths) != len(names):
        raise TypednnError(
            f"the model has {len(names)} inputs ({', '.join(names)}), but {len(paths)} input files are given",
            hint="give one file per input, in this order, or one .npz archive with an array per input name",
        )
    return {name: read_inputs(path, shape=shape) for name, path, shape in zip(names, paths, shapes)}
