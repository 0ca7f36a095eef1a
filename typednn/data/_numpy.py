"""NumPy files: `.npz` archives and pairs of `.npy` files, read without pickle.

Arrays of Python objects are refused: loading them would run code from the file. Every
header is checked before an array is mapped or allocated (`_npy`). `.npy` features that
are float32 already stay memory-mapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from .._shapes import Shape
from ._dataset import Dataset
from ._npy import SAVE_HINT, Archive, load_npy
from ._paths import FilePath, Location, location
from ._schema import Schema
from ._shard import Shard, rows
from ._shard_read import marked, rows_of, shard_option, sharded
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


def _part(raw: Array, y: Targets, where: str, shard: Shard) -> Dataset[Any, Any]:
    """The part `shard` of the dataset of features `raw` (as stored) and targets `y` (typed over every row).

    Only the part's rows of the features are converted (a float32 memory map stays one, a
    view of those rows); the targets, typed over all rows so that class ids and names are
    the whole source's, are cut to the part's rows.
    """
    span = rows(shard, len(raw))
    x = numeric_features(rows_of(raw, span), where)
    part: Dataset[Any, Any] = Dataset(x, rows_of(y.values, span), classes=y.classes, class_names=y.class_names)
    return marked(part, shard, len(raw))


def _known(archive: Archive, key: str) -> None:
    if key not in archive.members:
        raise TypednnError(
            f"{archive.path}: no array {key!r}{suggest(key, archive.files)}", hint=f"it holds {names(archive.files)}"
        )


def _member(archive: Archive, key: str) -> Array:
    _known(archive, key)
    return archive.array(key)


def npz(
    path: FilePath,
    *,
    features: str | list[str] = "x",
    targets: str | list[str] = "y",
    classes: ClassesOption | dict[str, ClassesOption] = None,
    shard: Shard | None = None,
) -> Dataset[Any, Any]:
    """A dataset from a `.npz` archive (`np.savez`) holding features and targets.

    For a model with several inputs or outputs, `features` and `targets` list the
    arrays by name: the names are the model's input and output names, which the trainer
    matches (`np.savez(path, image=..., meta=..., label=..., box=...)`).

    Args:
        path: The archive.
        features: The name of the features array, `(examples, *feature_dims)`; or a list
            of names, one array per model input.
        targets: The name of the targets array: integer class ids, class names
            (`str`), or float targets; or a list of names, one per model output.
        classes: The number of classes, or the class names in id order; with several
            targets, a dict by target name (targets it leaves out: inferred).
        shard: `(index, count)`: only this process's part of the examples, exactly
            `npz(path).shard(index, count)`. The features of an uncompressed archive
            (`np.savez`) are memory-mapped and only the part's rows read; a compressed
            member (`np.savez_compressed`), and arrays by name (several), are read whole
            and cut. The targets are read whole (the class count is the whole file's).
            Never a spec option: `typednn train` sets it per process.

    Raises:
        TypednnError: for a missing array (with the closest name), object arrays,
            non-numeric features, lengths that differ, class ids out of range, a bad `shard`.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> tiny_file = Path(tempfile.mkdtemp()) / "tiny.npz"
        >>> np.savez(tiny_file, x=np.zeros((3, 2)), y=np.array([0, 1, 1]))
        >>> data = npz(tiny_file)
        >>> data.features.shape, data.classes
        ((3, 2), 2)
        >>> np.savez(tiny_file, a=np.zeros((3, 2)), b=np.zeros((3, 4)), y=np.array([0, 1, 1]))
        >>> npz(tiny_file, features=["a", "b"], targets=["y"]).schema().several.feature_shapes
        ((2,), (4,))
    """
    path = location(path)
    part = shard_option(shard)
    if isinstance(features, list) or isinstance(targets, list) or isinstance(classes, dict):
        return sharded(_several(path, features, targets, classes), part)
    with Archive(path) as archive:
        where = f"{path}: array {features!r}"
        if part is None:
            x = numeric_features(_member(archive, features), where)
        else:
            _known(archive, features)
            # Mapped when stored uncompressed: only the part's rows are ever read.
            x = archive.mapped(features)
            if x is None:
                x = archive.array(features)
            _check_features(x.dtype, x.shape, where)
        y = typed_targets(_member(archive, targets), classes=classes, where=f"{path}: array {targets!r}")
    if part is None:
        return _dataset(x, y, str(path))
    _check_lengths(len(x), len(y.values), str(path))
    return _part(x, y, where, part)


def _several(
    path: Location,
    features: str | list[str],
    targets: str | list[str],
    classes: ClassesOption | dict[str, ClassesOption],
) -> Dataset[Any, Any]:
    """`npz` for arrays by name, several of them: the names go with the arrays, for the trainer to match."""
    xs = [features] if isinstance(features, str) else features
    ys = [targets] if isinstance(targets, str) else targets
    for what, listed in (("features", xs), ("targets", ys)):
        if not listed or len(set(listed)) != len(listed):
            raise TypednnError(
                f"{path}: {what} must list one or more distinct array names, not {listed!r}",
                hint="e.g. features: [image, meta]",
            )
    per_target = classes if isinstance(classes, dict) else dict.fromkeys(ys, classes)
    unknown = [name for name in per_target if name not in ys]
    if unknown:
        raise TypednnError(
            f"{path}: classes names {', '.join(map(repr, unknown))}, which are not among the targets {ys!r}",
            hint="key classes by the names of target arrays",
        )
    with Archive(path) as archive:
        found_x = {name: numeric_features(_member(archive, name), f"{path}: array {name!r}") for name in xs}
        found_y = {
            name: typed_targets(_member(archive, name), classes=per_target.get(name), where=f"{path}: array {name!r}")
            for name in ys
        }
    for name, y in found_y.items():
        _check_lengths(len(next(iter(found_x.values()))), len(y.values), f"{path}: array {name!r}")
    return Dataset(
        tuple(found_x.values()),
        tuple(y.values for y in found_y.values()),
        classes=tuple(y.classes for y in found_y.values()),
        class_names=tuple(y.class_names for y in found_y.values()),
        feature_names=tuple(xs),
        target_names=tuple(ys),
    )


def _schema(source: str, shape: tuple[int, ...], targets: Targets) -> Schema:
    # Class ids have a shape too when they are one per position (a tagger's).
    one_id = targets.classes is not None and targets.values.ndim == 1
    target = None if one_id else Shape(tuple(targets.values.shape[1:]))
    return Schema(source, Shape(shape[1:]), targets.classes, target, shape[0], targets.class_names)


def npz_schema(
    path: FilePath,
    *,
    features: str | list[str],
    targets: str | list[str],
    classes: ClassesOption | dict[str, ClassesOption],
    shard: Shard | None = None,
) -> Schema:
    """What `npz` gives: the features' header, and the targets (read whole, for the class count).

    Several arrays are read whole (an archive holds them in memory anyway). With `shard`,
    the example count is the part's.
    """
    path = location(path)
    if isinstance(features, list) or isinstance(targets, list) or isinstance(classes, dict):
        return sharded(_several(path, features, targets, classes), shard_option(shard)).schema(str(path))
    with Archive(path) as archive:
        _known(archive, features)
        header = archive.header(features)
        shape = header.shape
        _check_features(header.dtype, shape, f"{path}: array {features!r}")
        y = typed_targets(_member(archive, targets), classes=classes, where=f"{path}: array {targets!r}")
    _check_lengths(shape[0], len(y.values), str(path))
    return _schema(str(path), _part_shape(shape, shard), y)


def _part_shape(shape: tuple[int, ...], shard: Shard | None) -> tuple[int, ...]:
    """The features' shape, its row count the part's when `shard` is given."""
    part = shard_option(shard)
    return shape if part is None else (len(rows(part, shape[0])), *shape[1:])


def npy(
    features: FilePath, targets: FilePath, *, classes: ClassesOption = None, shard: Shard | None = None
) -> Dataset[Any, Any]:
    """A dataset from two `.npy` files (`np.save`): features and targets.

    Features stored as float32 stay memory-mapped: the dataset reads them from the file
    as training needs them, so they may be larger than memory. Other dtypes are
    converted into memory, and so is a URL's file (`s3://...`, `https://...`), which
    cannot be mapped.

    Args:
        features: The features file, `(examples, *feature_dims)`.
        targets: The targets file: integer class ids, class names (`str`), or floats.
        classes: The number of classes, or the class names in id order.
        shard: `(index, count)`: only this process's part of the examples, exactly
            `npy(features, targets).shard(index, count)`, reading only its rows of the
            features (a view of the memory-mapped file; a URL's file is read whole). The
            targets are read whole: the class count is the whole file's. Never a spec
            option: `typednn train` sets it per process.

    Raises:
        TypednnError: for object arrays, non-numeric features, lengths that differ,
            class ids out of range, a bad `shard`.
    """
    part = shard_option(shard)
    raw = load_npy(location(features))
    if part is None:
        x = numeric_features(raw, str(features))
        y = typed_targets(np.asarray(load_npy(location(targets))), classes=classes, where=str(targets))
        return _dataset(x, y, f"{features} and {targets}")
    _check_features(raw.dtype, raw.shape, str(features))
    y = typed_targets(np.asarray(load_npy(location(targets))), classes=classes, where=str(targets))
    _check_lengths(len(raw), len(y.values), f"{features} and {targets}")
    return _part(raw, y, str(features), part)


def npy_schema(features: FilePath, targets: FilePath, *, classes: ClassesOption, shard: Shard | None = None) -> Schema:
    """What `npy` gives: shapes from the memory-mapped headers; targets read for the class count.

    With `shard`, the example count is the part's.
    """
    x = load_npy(location(features))
    _check_features(x.dtype, x.shape, str(features))
    raw = load_npy(location(targets))
    if raw.ndim < 1:
        typed_targets(raw, classes=classes, where=str(targets))  # raises: one target per example
    _check_lengths(len(x), len(raw), f"{features} and {targets}")
    shape = _part_shape(x.shape, shard)
    if raw.dtype.kind == "f" and classes is None:  # values: their shape is all the schema needs
        return Schema(str(features), Shape(x.shape[1:]), None, Shape(raw.shape[1:]), shape[0])
    return _schema(str(features), shape, typed_targets(np.asarray(raw), classes=classes, where=str(targets)))
