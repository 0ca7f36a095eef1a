"""Real datasets shipped with typednn, so examples and tests run offline."""

from __future__ import annotations

import gzip
from importlib import resources
from typing import Any, Literal

import numpy as np

from ..layers import Tensor
from ._dataset import Classes, Dataset

_BUNDLED = resources.files("typednn.data") / "_bundled"


def _rows(name: str, *, header: bool) -> np.ndarray[Any, Any]:
    raw = (_BUNDLED / name).read_bytes()
    text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
    return np.loadtxt(text.splitlines(), delimiter=",", dtype=np.float32, skiprows=int(header))


def digits() -> Dataset[Tensor[Literal[8], Literal[8], Literal[1]], Classes[Literal[10]]]:
    """The 8x8 handwritten digits (UCI; 1797 images of 10 classes).

    Pixels are scaled from 0..16 to 0..1; each image is `(8, 8, 1)` (height, width,
    channels) and its target the digit.

    Example:
        >>> data = digits()
        >>> len(data), data.features.shape[1:], data.classes
        (1797, (8, 8, 1), 10)
    """
    rows = _rows("digits.csv.gz", header=False)
    return Dataset(rows[:, :64].reshape(-1, 8, 8, 1) / 16.0, rows[:, 64].astype(np.int32), classes=10)


def iris() -> Dataset[Tensor[Literal[4]], Classes[Literal[3]]]:
    """Fisher's iris flowers: 150 examples of 4 measurements (cm), 3 species.

    Example:
        >>> data = iris()
        >>> len(data), data.features.shape[1:], data.classes
        (150, (4,), 3)
    """
    rows = _rows("iris.csv", header=True)
    return Dataset(rows[:, :4], rows[:, 4].astype(np.int32), classes=3)
