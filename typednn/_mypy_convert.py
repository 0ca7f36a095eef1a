"""Between mypy types and the values the shape rules read: sizes, shapes, hyperparameters.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from mypy.nodes import MypyFile, TypeInfo, Var
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UninhabitedType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from ._mypy_import import load
from ._shapes import UNKNOWN, Affine, Hyper, HyperparameterError, Shape, Size, Symbol, Unknown
from ._shapes._arithmetic import OPERATIONS, combine, spelling

TENSOR = "typednn.layers._tensor.Tensor"
TOKENS = "typednn.layers._tensor.Tokens"
LAYER = "typednn.layers._base.Layer"
SEQUENTIAL = "typednn.layers._base.Sequential"
DIM = "typednn._shapes._dims.Dim"
HYPER = "typednn._shapes._hyper.Hyper"
CLASSES = "typednn.data._dataset.Classes"
ARITHMETIC = {f"typednn._shapes._arithmetic.{name}": name for name in OPERATIONS}
"""The classes that spell a size computed from a named dim (`tn.Minus[Seq, L[4]]`), by full name."""
DATASET = "typednn.data._dataset.Dataset"

Lookup = Callable[[str], TypeInfo | None]
"""Finds a class by its full name (the plugin's view of mypy's symbol tables)."""


def value_of(typ: Type) -> Any:
    """The Python value a hyperparameter's type pins down, or UNKNOWN.

    `Literal[3]` (also a `Final` constant's `Literal[3]?`) is 3; a tuple of literals is a
    tuple; a `tn.Dim` subclass is its `Symbol`; a layer is its stored hyperparameters
    (what a wrapper such as Bidirectional holds); a plain `int` or `float` is UNKNOWN.
    """
    t = get_proper_type(typ)
    if isinstance(t, LiteralType):
        return t.value
    if isinstance(t, Instance) and t.last_known_value is not None:
        return t.last_known_value.value
    if isinstance(t, NoneType):
        return None
    if isinstance(t, TupleType):
        return tuple(value_of(item) for item in t.items)
    if isinstance(t, CallableType) and t.is_type_obj() and t.type_object().has_base(DIM):
        return Symbol(t.type_object().fullname)  # a Dim class passed as an argument
    if isinstance(t, Instance) and t.type.has_base(DIM):
        return Symbol(t.type.fullname)  # a Dim stored in a layer's type arguments
    if isinstance(t, Instance) and t.type.has_base(LAYER):
        found = layer_hyper(t)
        return UNKNOWN if found is None else found
    return UNKNOWN


def type_of(value: Any, named: Callable[[str], Instance], lookup: Lookup) -> Type:
    """The type that stores a hyperparameter value in a layer's type arguments."""
    if isinstance(value, bool):
        return LiteralType(value, named("builtins.bool"))
    if isinstance(value, int):
        return LiteralType(value, named("builtins.int"))
    if isinstance(value, str):
        return LiteralType(value, named("builtins.str"))
    if value is None:
        return NoneType()
    if isinstance(value, tuple):
        return TupleType([type_of(v, named, lookup) for v in value], named("builtins.tuple"))
    if isinstance(value, Symbol):
        return size_type(value, named, lookup)
    return AnyType(TypeOfAny.special_form)


def size_of(typ: Type) -> Size:
    """One tensor dim from its type argument, or unknown.

    `Literal[28]` is 28; a `tn.Dim` subclass is its `Symbol`; a type variable (a generic
    helper's `H`) is a variable `Symbol`, which stands for whatever size the caller's
    tensor has; `tn.Minus[Seq, L[4]]` and its kin are the size they compute.
    """
    t = get_proper_type(typ)
    if isinstance(t, TypeVarType):
        return Symbol(t.fullname, variable=True, origin=t)
    if isinstance(t, Instance) and t.type.fullname in ARITHMETIC and len(t.args) == 2:
        found = combine(ARITHMETIC[t.type.fullname], size_of(t.args[0]), size_of(t.args[1]))
        return UNKNOWN if found is None else found
    if isinstance(t, Instance) and t.type.has_base(DIM):
        return Symbol(t.type.fullname, origin=t)
    value = value_of(typ)
    return value if isinstance(value, Symbol) or (isinstance(value, int) and not isinstance(value, bool)) else UNKNOWN


def class_ids(typ: Type) -> tuple[Size, Shape | None] | None:
    """`tn.Classes[N, *Positions]`: the class count, and the positions' shape (None when there are none).

    `tn.Classes[L[10]]` is one id per example, `(10, None)`; `tn.Classes[L[10], Seq]` is one
    per position, `(10, (Seq,))`. What is not spelled (a bare `tn.Classes`) is unknown.
    None when `typ` is no `tn.Classes`.
    """
    t = get_proper_type(typ)
    if not (isinstance(t, Instance) and t.type.fullname == CLASSES):
        return None
    if not t.args:  # not spelled: any count, any positions
        return UNKNOWN, Shape((), open=True)
    dims: list[Size] = []
    opened = False
    for arg in t.args[1:]:
        if isinstance(arg, UnpackType):
            opened, dims = True, []  # as in a tensor type: an unknown run says nothing of what precedes it
        else:
            dims.append(size_of(arg))
    positions = Shape(tuple(dims), open=opened) if dims or opened else None
    return size_of(t.args[0]), positions


def size_type(size: Size, named: Callable[[str], Instance], lookup: Lookup) -> Type:
    """The type argument that spells a size: `Literal[28]`, a Dim class, a type variable, `tn.Minus[...]`."""
    if isinstance(size, int):
        return LiteralType(size, named("builtins.int"))
    if isinstance(size, Symbol):
        if isinstance(size.origin, Type):  # as the type it was read from: a TypeVar has no class
            return size.origin
        info = lookup(size.fullname)
        if info is not None:
            return Instance(info, [])
    if isinstance(size, Affine):
        spelled = size_type(size.symbol, named, lookup)
        for operation, operand in spelling(size):
            info = lookup(f"typednn._shapes._arithmetic.{operation}")
            if info is None:
                return AnyType(TypeOfAny.special_form)
            spelled = Instance(info, [spelled, LiteralType(operand, named("builtins.int"))])
        return spelled
    return AnyType(TypeOfAny.special_form)


MAX_MEMO = 4096
"""Entries kept in each per-build memo of conversions (bounded memory for any program)."""

_SHAPES: dict[Type, list[Shape] | None] = {}
_TYPES: dict[Shape, Type] = {}


def tensor_shapes(typ: Type) -> list[Shape] | None:
    """The shapes a tensor-typed expression may have (several for a union), or None.

    The list returned is shared (memoized by type): callers only read it.
    """
    if typ in _SHAPES:  # mypy's types hash and compare by value
        return _SHAPES[typ]
    found = _tensor_shapes(typ)
    if len(_SHAPES) < MAX_MEMO:
        _SHAPES[typ] = found
    return found


def _tensor_shapes(typ: Type) -> list[Shape] | None:
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        shapes: list[Shape] = []
        for item in t.items:
            found = _tensor_shapes(item)
            if found is None:
                return None
            shapes.extend(found)
        return shapes
    if isinstance(t, AnyType):
        return [Shape.anything()]
    if isinstance(t, UninhabitedType):
        return []
    if not (isinstance(t, Instance) and t.type.has_base(TENSOR)):
        return None
    dims: list[Size] = []
    opened = False
    for arg in t.args:
        if isinstance(arg, UnpackType):
            opened, dims = True, []  # what precedes an unknown-length run says nothing of the end
        else:
            dims.append(size_of(arg))
    return [Shape(tuple(dims), open=opened, tokens=t.type.has_base(TOKENS))]


def tensor_type(shape: Shape, named: Callable[[str], Instance], lookup: Lookup) -> Type:
    """`Tensor[...]` (`Tokens[...]` for token ids) spelling a shape; an open shape starts with `*tuple[Any, ...]`."""
    # Only literal and unknown sizes are memoized: a symbol compares by name, not by the
    # type variable or class it was read from, which the type must spell again.
    plain = all(isinstance(d, (int, Unknown)) for d in shape.dims)
    found = _TYPES.get(shape) if plain else None
    if found is None:
        found = _tensor_type(shape, named, lookup)
        if plain and len(_TYPES) < MAX_MEMO:
            _TYPES[shape] = found
    return found


def _tensor_type(shape: Shape, named: Callable[[str], Instance], lookup: Lookup) -> Type:
    info = lookup(TOKENS if shape.tokens else TENSOR)
    if info is None:
        return AnyType(TypeOfAny.special_form)
    args: list[Type] = [size_type(d, named, lookup) for d in shape.dims]
    if shape.open:
        args.insert(0, UnpackType(named("builtins.tuple")))
    return Instance(info, args)


_HYPER_CLASSES: dict[TypeInfo, type[Hyper] | None] = {}
"""Each layer class's hyperparameter class, found once per layer class and build."""


def hyper_class(info: TypeInfo) -> type[Hyper] | None:
    """The hyperparameter class a layer class names in `hyper_type`, imported (jax-free)."""
    if info not in _HYPER_CLASSES:
        _HYPER_CLASSES[info] = _find_hyper_class(info)
    return _HYPER_CLASSES[info]


def _find_hyper_class(info: TypeInfo) -> type[Hyper] | None:
    for base in info.mro:
        node = base.names.get("hyper_type")
        if node is None or not isinstance(node.node, Var) or node.node.type is None:
            continue
        typ = get_proper_type(node.node.type)
        if isinstance(typ, CallableType) and typ.is_type_obj():
            fullname = typ.type_object().fullname
            module, _, name = fullname.rpartition(".")
            try:
                found = getattr(_import(module, name), name)
            except Exception:  # hyperparameters that fail to load: not checked, never a false positive
                return None
            return found if isinstance(found, type) and issubclass(found, Hyper) else None
    return None


_CHECKED: dict[str, MypyFile] = {}
"""The modules mypy is checking, by name (the plugin passes them in `set_modules`)."""


def remember_modules(modules: dict[str, MypyFile]) -> None:
    global _CHECKED  # noqa: PLW0603 - mypy hands the plugin its modules once per build
    _CHECKED = modules
    for memo in (_HYPER_CLASSES, _STORED, _SHAPES, _TYPES, _FIELDS):
        memo.clear()  # a new build: classes may have been defined anew


def _import(module: str, name: str) -> ModuleType:
    """The module of hyperparameters `name`, imported the way mypy found it: a custom layer's rule runs at check time.

    A module of the user's code (`@tn.register_layer`) is loaded from the file that mypy
    checks under that name: mypy finds it by its own search path, which need not be
    Python's. Only the statements that define its `tn.Hyper` classes run (`_mypy_import`):
    the rest of such a module (the lowering) imports JAX, which a check need not pay for.
    """
    checked = _CHECKED.get(module)
    if module in sys.modules or module.startswith("typednn.") or checked is None or not checked.path.endswith(".py"):
        return importlib.import_module(module)
    return load(module, Path(checked.path), {name, *_hyper_classes(checked)})


def _hyper_classes(checked: MypyFile) -> set[str]:
    """The names of the `tn.Hyper` classes a checked module defines at its top level."""
    return {
        name
        for name, symbol in checked.names.items()
        if isinstance(symbol.node, TypeInfo)
        and symbol.node.fullname == f"{checked.fullname}.{name}"
        and symbol.node.has_base(HYPER)
    }


def fields(hyper: type[Hyper]) -> list[str]:
    """The names of a hyperparameter class's fields, in order (the layer type's arguments)."""
    found = _FIELDS.get(hyper)
    if found is None:
        found = _FIELDS[hyper] = [f.name for f in dataclasses.fields(hyper)]
    return found


_FIELDS: dict[type[Hyper], list[str]] = {}


def layer_hyper(layer: Instance) -> Hyper | None:
    """The hyperparameters stored in a layer's type arguments (None when not stored)."""
    if layer in _STORED:  # mypy's types are compared by value: equal types hold equal hyperparameters
        return _STORED[layer]
    cls = hyper_class(layer.type)
    names = fields(cls) if cls else []
    found: Hyper | None = None
    if cls is not None and len(layer.args) == len(names) and not any(isinstance(a, UnpackType) for a in layer.args):
        try:
            found = cls(**{name: value_of(arg) for name, arg in zip(names, layer.args)})
        except (HyperparameterError, TypeError):  # arguments no constructor call stored
            found = None
    if len(_STORED) < MAX_STORED:
        _STORED[layer] = found
    return found


MAX_STORED = 4096
_STORED: dict[Instance, Hyper | None] = {}
"""Hyperparameters made from a layer type (validated once per build)."""


def members(layer: ProperType) -> list[Instance] | None:
    """The layers a `Sequential` type lists, or the layer itself; None when unknown."""
    if not isinstance(layer, Instance) or not layer.type.has_base(LAYER):
        return None
    if not layer.type.has_base(SEQUENTIAL):
        return [layer]
    found: list[Instance] = []
    for arg in layer.args:
        inner = get_proper_type(arg)
        if not isinstance(inner, Instance):
            return None
        found.append(inner)
    return found
