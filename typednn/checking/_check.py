"""The typeguard checker of `tn.Tensor[...]`: a value's shape against the annotation's axes.

A concrete array has shape `(batch, *dims)`: the batch axis is implicit, as everywhere in
typednn. A symbolic `tn.Tensor` (what `tn.Input` and layer calls return) is checked too:
its `.shape` lists one example's axes already, with the same nominal rules the shape
rules use (a named axis never equals a literal size).
"""

from __future__ import annotations

import sys
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from typeguard import TypeCheckError, TypeCheckMemo
from typeguard import _functions as typeguard_functions

from .._shapes._dims import Size, Unknown, linear, same_size
from ._pattern import Derived, Exact, Pattern, Spec, Var, pattern_of


@dataclass(frozen=True)
class Binding:
    """The size a named dim took in this call, and which value gave it (`argument "a"`)."""

    size: Size
    where: str


class _CallScope(ChainMap[str, Any]):
    """A checked call's `memo.locals`, seen through a view that also holds its dim bindings.

    typeguard makes one `TypeCheckMemo` per call and passes it to every check of that
    call (arguments, annotated assignments, yields, return value), so state kept on the
    memo lives exactly as long as the call and is never shared between calls or threads.
    `TypeCheckMemo` has `__slots__` without `__weakref__`, so it can neither take an
    attribute nor key a `WeakKeyDictionary`. Its `locals` slot, which typeguard only
    reads as the local namespace for resolving forward references, can hold this view:
    it looks every name up in the original mapping, unchanged.
    """

    def __init__(self, names: dict[str, Any]) -> None:
        super().__init__(names)
        self.bindings: dict[object, Binding] = {}


def bindings_of(memo: TypeCheckMemo) -> dict[object, Binding]:
    """The named-dim bindings of the call `memo` belongs to (made on first use)."""
    current: object = memo.locals  # typeguard types it as a dict: it is one until this swaps it
    if isinstance(current, _CallScope):
        return current.bindings
    scope = _CallScope(memo.locals)
    memo.locals = scope  # type: ignore[assignment]  # a Mapping: all typeguard needs (see _CallScope)
    return scope.bindings


def check_tensor(value: Any, origin_type: Any, args: tuple[Any, ...], memo: TypeCheckMemo) -> None:
    """Check `value` against `tn.Tensor[*args]` (typeguard's checker signature).

    Raises:
        TypeCheckError: if the value is not an array, or its shape does not match; the
            message gives the shape, the annotation, and the first axis that differs.
    """
    pattern = pattern_of(args)
    if isinstance(value, origin_type):
        if value.shape.open:
            return  # only the trailing axes are known: nothing can be told for sure
        dims: tuple[Size, ...] = value.shape.dims
        shape: tuple[object, ...] = ("batch", *dims)
    else:
        array_shape = getattr(value, "shape", None)
        if not isinstance(array_shape, tuple) or not hasattr(value, "dtype"):
            raise TypeCheckError(
                f"is not an array: {pattern.text} expects a jax or numpy array of shape {pattern.expected()}"
            )
        if not array_shape:
            raise TypeCheckError(f"has shape (), which does not match {pattern.text}: it has no batch axis")
        shape, dims = array_shape, array_shape[1:]
    problem = _match(pattern, dims, memo)
    if problem is not None:
        shown = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        raise TypeCheckError(f"has shape {shown}, which does not match {pattern.text}: {problem}")


def _match(pattern: Pattern, dims: tuple[Size, ...], memo: TypeCheckMemo) -> str | None:
    """Why `dims` (one example's axes) do not meet `pattern`, or None when they do.

    New bindings are kept only when every axis matches, so a failed alternative of a
    union binds nothing.
    """
    specs = pattern.specs(len(dims))
    if specs is None:
        least = "at least " if pattern.rest is not None else ""
        axes = len(pattern.head) + len(pattern.tail) + 1
        return f"expected {least}{axes} axes {pattern.expected()}, got {len(dims) + 1}"
    bindings = bindings_of(memo) if pattern.has_vars else {}
    seen: dict[object, tuple[Size, int]] = {}  # bindings made by this value: size, first axis
    for axis, (spec, size) in enumerate(zip(specs, dims), start=1):
        problem = _match_axis(spec, size, axis, bindings, seen)
        if problem is not None:
            return f"{problem} (axis 0 is the batch)"
    if seen:
        where = _where()
        bindings.update({key: Binding(size, where) for key, (size, _) in seen.items()})
    return None


def _match_axis(
    spec: Spec, size: Size, axis: int, bindings: dict[object, Binding], seen: dict[object, tuple[Size, int]]
) -> str | None:
    if isinstance(spec, Exact):
        if size in spec.sizes or isinstance(size, Unknown):  # a Symbol equals no int
            return None
        return f"axis {axis} is {size!r}, expected {spec}"
    if isinstance(spec, Derived):
        return _match_derived(spec, size, axis, bindings, seen)
    if not isinstance(spec, Var):
        return None
    if _other_axis(spec, size):
        return f"axis {axis} is {size!r}, expected {spec}"  # two named axes are two different axes
    if spec.key in bindings:
        bound = bindings[spec.key]
        if same_size(bound.size, size) is False:
            return f"{spec} is bound to {bound.size!r} by {bound.where}, but axis {axis} is {size!r}"
    elif spec.key in seen:
        first, first_axis = seen[spec.key]
        if same_size(first, size) is False:
            return f"{spec} is {first!r} on axis {first_axis}, but {size!r} on axis {axis}"
    elif not isinstance(size, Unknown):
        seen[spec.key] = (size, axis)
    return None


def _other_axis(var: Var, size: Size) -> bool:
    """Whether a symbolic tensor's size belongs to another named axis than the Dim `var` (or is computed from it)."""
    return var.symbol is not None and linear(size) is not None and size != var.symbol


def _match_derived(
    spec: Derived, size: Size, axis: int, bindings: dict[object, Binding], seen: dict[object, tuple[Size, int]]
) -> str | None:
    """Match a computed size (`tn.Minus[Seq, L[4]]`): by the size its dim has, or binding the dim by solving for it."""
    var = spec.var
    if var.key in bindings or var.key in seen:
        known, where = (
            (bindings[var.key].size, f"bound to {bindings[var.key].size!r} by {bindings[var.key].where}")
            if var.key in bindings
            else (seen[var.key][0], f"{seen[var.key][0]!r} on axis {seen[var.key][1]}")
        )
        want = spec.size.at(known)
        if want is None or same_size(want, size) is False:
            wanted = "no whole size" if want is None else repr(want)
            return f"{var} is {where}, so {spec} is {wanted}, but axis {axis} is {size!r}"
        return None
    if isinstance(size, Unknown):
        return None
    value = spec.size.solve(size)
    if value is None or _other_axis(var, value):
        return f"axis {axis} is {size!r}, but {spec} is never {size!r}"
    seen[var.key] = (value, axis)
    return None


# Which value of the call is being checked, read from the typeguard function checking it;
# messages name the value that bound a dim as typeguard names values ('argument "a"').
_WHERE: dict[CodeType, Callable[[FrameType], str]] = {
    typeguard_functions.check_argument_types_internal.__code__: lambda f: f'argument "{f.f_locals.get("argname")}"',
    typeguard_functions.check_return_type_internal.__code__: lambda f: "the return value",
    typeguard_functions.check_yield_type.__code__: lambda f: "the yielded value",
    typeguard_functions.check_send_type.__code__: lambda f: "the value sent to the generator",
    typeguard_functions.check_variable_assignment.__code__: lambda f: f'variable "{f.f_locals.get("varname")}"',
}


def _where() -> str:
    frame = sys._getframe(1)
    for _ in range(32):  # containers nest a few checker frames deep; stop well short of the whole stack
        describe = _WHERE.get(frame.f_code)
        if describe is not None:
            return describe(frame)
        if frame.f_back is None:
            break
        frame = frame.f_back
    return "an earlier value"
