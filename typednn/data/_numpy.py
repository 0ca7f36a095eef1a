"""NumPy files: `.npz` archives and pairs of `.npy` files, read without pickle.

Arrays of Python objects are refused: loading them would run code from the file. Every
header is checked before an array is mapped or allocated (`_npy`). `.npy` features that
are float32 already stay memory-mapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from .._shapes import Shape
from ._dataset import Dataset
from ._npy import SAVE_HINT, Archive, load_npy
from ._paths import FilePath
from ._schema import Schema
from ._show import names, suggest
from ._targets import ClassesOption, Targets, typed_targets

Array = np.ndarray[Any, Any]


def _check_features(dtype: np.dtype[Any], shape: tuple[int, ...], where: str) -> None:
    if dtype.kind not in "biuf" or len(shape) < 1:
        raise TypednnError(
            f"{where} has dtype {excerpt(str(dtype))} and shape {shape}; features must be numbers, one row per example",
            hint=SAVE_HINT,
        )


def numeric_features(array: Array, where: str) -> Array:
    """Numeric features as float32 (a float32 memory map stays one)."""
    _check_features(array.dtype, array.shape, where)
    if array.dtype == np.float32:
        return array
    # Values beyond float32's range become infinity, as NumPy casts them, without a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        return array.astype(np.float32)


def _check_lengths(examples: int, targets: int, where: str) -> None:
    if examples != targets:
        raise TypednnError(
            f"{where}: {examples} examples of features but {targets} targets", hint="give one target per example"
        )


def _dataset(x: Array, y: Targets, where: str) -> Dataset[Any, Any]:
    _check_lengths(len(x), len(y.values), where)
    return Dataset(x, y.values, classes=y.classes, class_names=y.class_names)


def _known(archive: Archive, key: str) -> None:
    if key not in archive.members:
        raise TypednnError(
            f"{archive.path}: no array {key!r}{suggest(key, archive.files)}", hint=f"it holds {names(archive.files)}"
        )


def _member(archive: Archive, key: str) -> Array:
    _known(archive, key)
    return archive.array(key)


def npz(path: FilePath, *, features: str = "x", targets: str = "y", classes: ClassesOption = None) -> Dataset[Any, Any]:
    """A dataset from a `.npz` archive (`np.savez`) holding features and targets.

    Args:
        path: The archive.
        features: The name of the features array, `(examples, *feature_dims)`.
        targets: The name of the targets array: integer class ids, class names
            (`str`), or float targets.
        classes: The number of classes, or the class names in id order.

    Raises:
        TypednnError: for a missing array (with the closest name), object arrays,
            non-numeric features, lengths that differ, class ids out of range.

    Example:
        >>> import tempfile
        >>> tiny_file = Path(tempfile.mkdtemp()) / "tiny.npz"
        >>> np.savez(tiny_file, x=np.zeros((3, 2)), y=np.array([0, 1, 1]))
        >>> data = npz(tiny_file)
        >>> data.features.shape, data.classes
        ((3, 2), 2)
    """
    path = Path(path)
    with Archive(path) as archive:
        x = numeric_features(_member(archive, features), f"{path}: array {features!r}")
        y = typed_targets(_member(archive, targets), classes=classes, where=f"{path}: array {targets!r}")
    return _dataset(x, y, str(path))


def _schema(source: str, shape: tuple[int, ...], targets: Targets) -> Schema:
    # Class ids have a shape too when they are one per position (a tagger's).
    one_id = targets.classes is not None and targets.values.ndim == 1
    target = None if one_id else Shape(tuple(targets.values.shape[1:]))
    return Schema(source, Shape(shape[1:]), targets.classes, target, shape[0], targets.class_names)


def npz_schema(path: FilePath, *, features: str, targets: str, classes: ClassesOption) -> Schema:
    """What `npz` gives: the features' header, and the targets (read whole, for the class count)."""
    path = Path(path)
    with Archive(path) as archive:
        _known(archive, features)
        header = archive.header(features)
        shape = header.shape
        _check_features(header.dtype, shape, f"{path}: array {features!r}")
        y = typed_targets(_member(archive, targets), classes=classes, where=f"{path}: array {targets!r}")
    _check_lengths(shape[0], len(y.values), str(path))
    return _schema(str(path), shape, y)


def npy(features: FilePath, targets: FilePath, *, classes: ClassesOption = None) -> Dataset[Any, Any]:
    """A dataset from two `.npy` files (`np.save`): features and targets.

    Features stored as float32 stay memory-mapped: the dataset reads them from the file
    as training needs them, so they may be larger than memory. Other dtypes are
    converted into memory.

    Args:
        features: The features file, `(examples, *feature_dims)`.
        targets: The targets file: integer class ids, class names (`str`), or floats.
        classes: The number of classes, or the class names in id order.

    Raises:
        TypednnError: for object arrays, non-numeric features, lengths that differ,
            class ids out of range.
    """
    x = numeric_features(load_npy(Path(features)), str(features))
    y = typed_targets(np.asarray(load_npy(Path(targets))), classes=classes, where=str(targets))
    return _dataset(x, y, f"{features} and {targets}")


def npy_schema(features: FilePath, targets: FilePath, *, classes: ClassesOption) -> Schema:
    """What `npy` gives: shapes from the memory-mapped headers; targets read for the class count."""
    x = load_npy(Path(features))
    _check_features(x.dtype, x.shape, str(features))
    raw = load_npy(Path(targets))
    if raw.ndim < 1:
        typed_targets(raw, classes=classes, where=str(targets))  # raises: one target per example
    _check_lengths(len(x), len(raw), f"{features} and {targets}")
    if raw.dtype.kind == "f" and classes is None:  # values: their shape is all the schema needs
        return Schema(str(features), Shape(x.shape[1:]), None, Shape(raw.shape[1:]), len(x))
    return _schema(str(features), x.shape, typed_targets(np.asarray(raw), classes=classes, where=str(targets)))
