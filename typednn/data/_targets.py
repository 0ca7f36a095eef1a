"""Targets from arrays: class ids (int32) with their count and names, or values (float32).

The rules every array source shares (`from_arrays`, npz, npy, pickle):

- integers, one per example: class ids, `0 <= id < classes` (`classes` defaults to the
  largest id + 1);
- integers of shape `(examples, *positions)` with `classes=` given: class ids per
  position (a tagger's or a language model's targets, `tn.Classes[L[10], Seq]`). Without
  `classes=` such integers stay values, as any array of more than one axis does;
- text (NumPy `str` arrays): class names, sorted, each mapped to its index; or, when
  `classes` lists names, mapped to its position in that list;
- anything else numeric: values, float32, of any shape (regression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from .._words import listed
from ._show import names as read_names
from ._show import quoted, suggest

Array = np.ndarray[Any, Any]
ClassesOption = int | Sequence[str] | None
"""The `classes=` option: a count, the class names in id order, or None (inferred)."""

# Targets are int32: the compiled steps index one-hot scores with them.
MAX_CLASSES = 2**31 - 1


@dataclass(frozen=True)
class Targets:
    """Typed targets: `values` are int32 ids when `classes` is set, else float32."""

    values: Array
    classes: int | None
    class_names: tuple[str, ...] | None = None


def names_option(classes: ClassesOption, where: str) -> tuple[str, ...] | None:
    """The class names `classes=` lists, checked; None when it is a count or absent.

    Raises:
        TypednnError: if a name is listed twice, or the list is empty.
    """
    if classes is None or isinstance(classes, int):
        if isinstance(classes, int) and not 0 < classes <= MAX_CLASSES:
            raise TypednnError(f"{where}: classes={classes} is not a class count", hint="give a count >= 1")
        return None
    names = (classes,) if isinstance(classes, str) else tuple(str(name) for name in classes)
    if not names:
        raise TypednnError(f"{where}: classes=[] lists no class", hint="list the class names in id order")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise TypednnError(f"{where}: classes lists {listed(twice)} more than once", hint="list each class once")
    return names


def class_count(classes: ClassesOption) -> int | None:
    """The count `classes=` gives: the number itself, or the number of names."""
    if classes is None or isinstance(classes, int):
        return classes
    return 1 if isinstance(classes, str) else len(classes)


def checked_ids(ids: Array, classes: ClassesOption, where: str) -> Targets:
    """Integer class ids, one per example (or per position of one), checked against `classes`.

    Args:
        ids: Integers of shape `(examples,)`, or `(examples, *positions)`.
        classes: The class count or names, or None for the largest id + 1.
        where: How messages name the array, e.g. `data.npz: 'y'`.

    Raises:
        TypednnError: naming the first id out of range (its row, and position when the
            ids have positions: `targets[3, 7]`).

    Example:
        >>> checked_ids(np.array([[0, 2], [1, 0]]), 3, "tags").classes
        3
        >>> checked_ids(np.array([[0, 2], [1, 5]]), 3, "tags")
        Traceback (most recent call last):
        ...
        typednn._errors.TypednnError: tags[1, 1] holds class id 5, but classes=3 allows ids 0..2
          hint: give the right class count, or fix the id
    """
    names = names_option(classes, where)
    limit = class_count(classes)
    if ids.size and int(ids.min()) < 0:
        at = _first(ids < 0)
        raise TypednnError(
            f"{where}[{_index(at)}] holds class id {int(ids[at])}; class ids must be >= 0",
            hint="number the classes 0, 1, 2, ...",
        )
    top = int(ids.max()) if ids.size else -1
    if limit is not None and top >= limit:
        at = _first(ids >= limit)
        allowed = f"classes={limit}" if names is None else f"the {limit} names of classes="
        raise TypednnError(
            f"{where}[{_index(at)}] holds class id {int(ids[at])}, but {allowed} allows ids 0..{limit - 1}",
            hint="give the right class count, or fix the id",
        )
    if top >= MAX_CLASSES:
        raise TypednnError(f"{where}: class id {top} is too large for int32 targets")
    return Targets(ids.astype(np.int32), limit if limit is not None else top + 1, names)


def _first(found: Array) -> tuple[int, ...]:
    """The index of the first true element: `(row,)`, or `(row, position...)` for ids with positions."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(found)), found.shape))


def _index(at: tuple[int, ...]) -> str:
    return ", ".join(map(str, at))


def named_ids(labels: Array, classes: ClassesOption, where: str) -> Targets:
    """Class names (a NumPy `str` array) as ids: sorted, or in the order `classes` lists them.

    Raises:
        TypednnError: for a name that `classes` does not list, or more names than `classes`.
    """
    given = names_option(classes, where)
    found, inverse = np.unique(labels, return_inverse=True)
    if given is None:
        names = tuple(str(name) for name in found)
        limit = class_count(classes)
        if limit is not None and len(names) != limit:
            raise TypednnError(
                f"{where} holds {len(names)} class names ({read_names(names)}), but classes={limit}",
                hint="give the right class count, or list the names: classes=[...]",
            )
        return Targets(inverse.reshape(-1).astype(np.int32), limit or len(names), names)
    position = {name: index for index, name in enumerate(given)}
    unknown = [str(name) for name in found if str(name) not in position]
    if unknown:
        at = int(np.argmax(labels == unknown[0]))
        raise TypednnError(
            f"{where}[{at}] holds {quoted(unknown[0])}, which classes= does not list{suggest(unknown[0], given)}",
            hint=f"the classes are {listed(given)}",
        )
    lookup = np.array([position[str(name)] for name in found], np.int32)
    return Targets(lookup[inverse.reshape(-1)], len(given), given)


def typed_targets(targets: Array, *, classes: ClassesOption, where: str) -> Targets:
    """Class ids, class names or values, by the array's type (see the module's docstring).

    Integers of more than one axis are class ids with positions when `classes` is given
    (`(examples, seq)` tags), else values.

    Raises:
        TypednnError: when `classes` is given but the targets are not class ids or names,
            or an id is out of range.

    Example:
        >>> found = typed_targets(np.array(["b", "a", "b"]), classes=None, where="y")
        >>> found.values.tolist(), found.classes, found.class_names
        ([1, 0, 1], 2, ('a', 'b'))
    """
    kind = targets.dtype.kind
    if kind not in "biufU":
        raise TypednnError(
            f"{where} has dtype {excerpt(str(targets.dtype))}; targets must be numbers or text (str)",
            hint="convert them, e.g. y.astype(np.int64) or y.astype(str)",
        )
    if targets.ndim < 1:
        raise TypednnError(f"{where} is a single value, not one target per example", hint="give one target per example")
    if kind == "U":
        if targets.ndim != 1:
            raise TypednnError(f"{where}: class names must be one per example, not of shape {targets.shape}")
        return named_ids(targets, classes, where)
    if kind in "iu" and (targets.ndim == 1 or classes is not None):
        # More axes are positions (a tagger's targets), only when `classes=` says these are ids:
        # unmarked, they stay values, as they always were.
        return checked_ids(targets, classes, where)
    if classes is not None:
        # Integers returned above: what is left here is floats (or booleans).
        raise TypednnError(
            f"{where}: classes={classes!r} asks for class ids, but the targets have dtype {targets.dtype}",
            hint="class ids are integers of shape (examples,), or (examples, *positions); leave classes out"
            " for float targets",
        )
    # Values beyond float32's range become infinity, as NumPy casts them, without a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        return Targets(targets.astype(np.float32, copy=False), None)
