"""Pickle files: refused unless the caller trusts the file.

Loading a pickle runs whatever code the file holds, so typednn loads one only when the
call says so (`allow_pickle=True`), which only Python code or the `typednn` command's
`--allow-pickle` flag can do: a spec file has no such option.
"""

from __future__ import annotations

import pickle as pickle_module
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._reading import open_regular
from ._dataset import Dataset
from ._paths import FilePath
from ._schema import Schema
from ._show import names, suggest
from ._targets import ClassesOption, typed_targets

REFUSAL_HINT = (
    "convert the data to .npz (np.savez) or CSV, which load safely; if you trust this file, pass"
    " allow_pickle=True in Python or run typednn with --allow-pickle (a spec file cannot allow it)"
)


def _pair(path: Path, loaded: object, features: str, targets: str) -> tuple[Any, Any]:
    if isinstance(loaded, tuple | list) and len(loaded) == 2:
        return loaded[0], loaded[1]
    if isinstance(loaded, dict):
        for key in (features, targets):
            if key not in loaded:
                keys = [str(k) for k in loaded]
                raise TypednnError(
                    f"{path}: the pickled dict has no key {key!r}{suggest(key, keys)}",
                    hint=f"its keys are {names(keys)}",
                )
        return loaded[features], loaded[targets]
    raise TypednnError(
        f"{path}: the pickle holds a {type(loaded).__name__}; expected a (features, targets) pair or a dict",
        hint=f"pickle (x, y) or {{{features!r}: x, {targets!r}: y}}",
    )


def pickle(
    path: FilePath,
    *,
    features: str = "x",
    targets: str = "y",
    classes: ClassesOption = None,
    allow_pickle: bool = False,
) -> Dataset[Any, Any]:
    """A dataset from a pickle holding a `(features, targets)` pair or a dict of them.

    Refused unless `allow_pickle=True`: loading a pickle runs any code inside the file.

    Args:
        path: The file.
        features: The dict key of the features (for a pickled dict).
        targets: The dict key of the targets.
        classes: The number of classes, or the class names in id order.
        allow_pickle: Trust the file. The `typednn` command's `--allow-pickle` flag is
            the only way to set it from the command line; a spec file cannot.

    Raises:
        TypednnError: without `allow_pickle`; or for contents that are not arrays of numbers.
    """
    path = Path(path)
    if not allow_pickle:
        raise TypednnError(
            f"{path}: refusing to load a pickle: loading one runs any code inside the file,"
            " so a pickle from someone else can take over this machine",
            hint=REFUSAL_HINT,
        )
    try:
        with open_regular(path, what="pickle file") as file:
            loaded = pickle_module.load(file)  # trusted by the caller: see the check above
    except (pickle_module.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError) as error:
        raise TypednnError(f"{path}: not a readable pickle ({error})") from None
    x, y = _pair(path, loaded, features, targets)
    try:
        x = np.asarray(x, dtype=np.float32)
    except (ValueError, TypeError) as error:
        raise TypednnError(f"{path}: the features are not an array of numbers ({error})") from None
    if x.ndim < 1:
        raise TypednnError(f"{path}: the features are a single number, not one row per example")
    found = typed_targets(np.asarray(y), classes=classes, where=f"{path}: targets")
    if len(x) != len(found.values):
        raise TypednnError(f"{path}: {len(x)} examples of features but {len(found.values)} targets")
    return Dataset(x, found.values, classes=found.classes, class_names=found.class_names)


def pickle_schema(path: FilePath, *, features: str, targets: str, classes: ClassesOption, allow_pickle: bool) -> Schema:
    """What `pickle` gives; a pickle can only be known by loading it (so only when allowed)."""
    return pickle(path, features=features, targets=targets, classes=classes, allow_pickle=allow_pickle).schema(
        str(path)
    )
