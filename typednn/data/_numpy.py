"""NumPy files: `.npz` archives and pairs of `.npy` files, read without pickle.

`np.load(..., allow_pickle=False)` refuses arrays of Python objects, whose loading would
run code from the file. `.npy` features that are float32 already stay memory-mapped.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._shapes import Shape
from .._words import did_you_mean, listed
from ._dataset import Dataset
from ._paths import FilePath
from ._schema import Schema
from ._targets import ClassesOption, Targets, typed_targets

Array = np.ndarray[Any, Any]
_SAVE_HINT = "save numeric arrays, e.g. np.savez(path, x=features.astype(np.float32), y=labels)"


def _refused(where: str, error: Exception) -> TypednnError:
    """The error for a file NumPy cannot (or must not) load."""
    # NumPy's words: "Object arrays cannot be loaded ...", "... Python objects in dtype".
    if re.search("object arrays|python objects", str(error), re.IGNORECASE):
        return TypednnError(
            f"{where} holds Python objects (dtype object); loading them would run code from the file",
            hint=_SAVE_HINT,
        )
    # Anything else that is not .npy or .npz, NumPy takes for a pickle, and refuses.
    return TypednnError(f"{where}: not a NumPy .npy or .npz file", hint=_SAVE_HINT)


def _check_features(dtype: np.dtype[Any], shape: tuple[int, ...], where: str) -> None:
    if dtype.kind not in "biuf" or len(shape) < 1:
        raise TypednnError(
            f"{where} has dtype {dtype} and shape {shape}; features must be numbers, one row per example",
            hint=_SAVE_HINT,
        )


def numeric_features(array: Array, where: str) -> Array:
    """Numeric features as float32 (a float32 memory map stays one)."""
    _check_features(array.dtype, array.shape, where)
    return array if array.dtype == np.float32 else array.astype(np.float32)


def _check_lengths(examples: int, targets: int, where: str) -> None:
    if examples != targets:
        raise TypednnError(
            f"{where}: {examples} examples of features but {targets} targets", hint="give one target per example"
        )


def _dataset(x: Array, y: Targets, where: str) -> Dataset[Any, Any]:
    _check_lengths(len(x), len(y.values), where)
    return Dataset(x, y.values, classes=y.classes, class_names=y.class_names)


def _member(archive: Any, key: str, path: Path) -> Array:
    if key not in archive.files:
        raise TypednnError(
            f"{path}: no array {key!r}{did_you_mean(key, archive.files)}", hint=f"it holds {listed(archive.files)}"
        )
    try:
        array: Array = archive[key]
    except ValueError as error:
        raise _refused(f"{path}: array {key!r}", error) from None
    return array


def _open_npz(path: Path) -> Any:
    if not path.is_file():
        raise TypednnError(f"{path}: no such file", hint="check the path")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        raise _refused(str(path), error) from None


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
    with _open_npz(path) as archive:
        x = numeric_features(_member(archive, features, path), f"{path}: array {features!r}")
        y = typed_targets(_member(archive, targets, path), classes=classes, where=f"{path}: array {targets!r}")
    return _dataset(x, y, str(path))


def _header(archive: Any, key: str, path: Path) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """An archived array's shape and dtype, from its header alone."""
    if key not in archive.files:
        _member(archive, key, path)  # raises, naming the closest array
    with archive.zip.open(f"{key}.npy") as file:
        version = np.lib.format.read_magic(file)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = reader(file)
    return tuple(shape), dtype


def _schema(source: str, shape: tuple[int, ...], targets: Targets) -> Schema:
    target = None if targets.classes is not None else Shape(tuple(targets.values.shape[1:]))
    return Schema(source, Shape(shape[1:]), targets.classes, target, shape[0], targets.class_names)


def npz_schema(path: FilePath, *, features: str, targets: str, classes: ClassesOption) -> Schema:
    """What `npz` gives: the features' header, and the targets (read whole, for the class count)."""
    path = Path(path)
    with _open_npz(path) as archive:
        shape, dtype = _header(archive, features, path)
        _check_features(dtype, shape, f"{path}: array {features!r}")
        y = typed_targets(_member(archive, targets, path), classes=classes, where=f"{path}: array {targets!r}")
    _check_lengths(shape[0], len(y.values), str(path))
    return _schema(str(path), shape, y)


def load_npy(path: Path) -> Array:
    if not path.is_file():
        raise TypednnError(f"{path}: no such file", hint="check the path")
    try:
        array: Array = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:
        raise _refused(str(path), error) from None
    return array


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
    _check_lengths(len(x), len(raw), f"{features} and {targets}")
    if raw.dtype.kind == "f" and classes is None:  # values: their shape is all the schema needs
        return Schema(str(features), Shape(x.shape[1:]), None, Shape(raw.shape[1:]), len(x))
    return _schema(str(features), x.shape, typed_targets(np.asarray(raw), classes=classes, where=str(targets)))
