"""Real datasets shipped with typednn, so examples and tests run offline."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape
from .._words import did_you_mean, listed
from ._dataset import Classes, Dataset
from ._schema import Schema

if TYPE_CHECKING:  # only the types name layers: loading data needs no JAX
    from ..layers import Tensor

_BUNDLED = resources.files("typednn.data") / "_bundled"


def _text(name: str) -> list[str]:
    raw = (_BUNDLED / name).read_bytes()
    return (gzip.decompress(raw) if name.endswith(".gz") else raw).decode().splitlines()


def digits() -> Dataset[Tensor[Literal[8], Literal[8], Literal[1]], Classes[Literal[10]]]:
    """The 8x8 handwritten digits (UCI; 1797 images of 10 classes).

    Pixels are scaled from 0..16 to 0..1; each image is `(8, 8, 1)` (height, width,
    channels) and its target the digit.

    Example:
        >>> data = digits()
        >>> len(data), data.features.shape[1:], data.classes
        (1797, (8, 8, 1), 10)
    """
    rows = np.loadtxt(_text("digits.csv.gz"), delimiter=",", dtype=np.float32)
    return Dataset(rows[:, :64].reshape(-1, 8, 8, 1) / 16.0, rows[:, 64].astype(np.int32), classes=10)


def iris() -> Dataset[Tensor[Literal[4]], Classes[Literal[3]]]:
    """Fisher's iris flowers: 150 examples of 4 measurements (cm), 3 species.

    Example:
        >>> data = iris()
        >>> len(data), data.features.shape[1:], data.classes, data.class_names
        (150, (4,), 3, ('setosa', 'versicolor', 'virginica'))
    """
    lines = _text("iris.csv")
    names = lines[0].split(",")[2:]  # the header: examples, features, then the species
    rows = np.loadtxt(lines[1:], delimiter=",", dtype=np.float32)
    return Dataset(rows[:, :4], rows[:, 4].astype(np.int32), classes=3, class_names=names)


BuiltinName = Literal["digits", "iris"]
"""The name of a bundled dataset (what `builtin` and `source: {builtin: ...}` accept)."""

# What each bundled dataset holds, known without loading it (a test checks it against the data).
BUILTINS: dict[str, tuple[Callable[[], Dataset[Any, Any]], Schema]] = {
    "digits": (digits, Schema("digits", Shape((8, 8, 1)), 10, None, 1797)),
    "iris": (iris, Schema("iris", Shape((4,)), 3, None, 150, ("setosa", "versicolor", "virginica"))),
}


def _known(name: str) -> tuple[Callable[[], Dataset[Any, Any]], Schema]:
    if name not in BUILTINS:
        raise TypednnError(
            f"no bundled dataset {name!r}{did_you_mean(name, BUILTINS)}", hint=f"the datasets are {listed(BUILTINS)}"
        )
    return BUILTINS[name]


def builtin(name: BuiltinName) -> Dataset[Any, Any]:
    """A bundled dataset by name: `builtin("digits")` is `digits()`.

    Args:
        name: The dataset: `digits` (8x8 handwritten digits) or `iris` (Fisher's flowers).

    Raises:
        TypednnError: for an unknown name, with the closest one.

    Example:
        >>> len(builtin("iris"))
        150
    """
    return _known(name)[0]()


def builtin_schema(name: BuiltinName) -> Schema:
    """What `builtin(name)` gives, without loading it."""
    return _known(name)[1]
