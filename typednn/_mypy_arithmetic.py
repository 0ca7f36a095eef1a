"""Sizes computed from named dims (`tn.Minus[Seq, L[4]]`) in the mypy plugin: annotations and generic results.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import ErrorCode
from mypy.nodes import Decorator, FuncDef, OverloadedFuncDef, SymbolTableNode, TypeInfo
from mypy.plugin import AnalyzeTypeContext, FunctionContext
from mypy.type_visitor import TypeQuery, TypeTranslator
from mypy.types import (
    AnyType,
    FunctionLike,
    Instance,
    PlaceholderType,
    Type,
    TypeAliasType,
    TypeOfAny,
    TypeVarType,
    get_proper_type,
)

from ._mypy_convert import ARITHMETIC, Lookup, size_of, size_type
from ._shapes import Size, Unknown
from ._shapes._arithmetic import combine


def arithmetic_hook(fullname: str, code: ErrorCode) -> Callable[[AnalyzeTypeContext], Type] | None:
    """The type-analysis hook of `tn.Plus`, `tn.Minus`, `tn.Times` and `tn.Div` (None for other names).

    An annotation is rewritten into the canonical spelling of its size, the one the rules'
    results have, so that equal sizes are equal types: `tn.Minus[tn.Plus[Seq, L[4]], L[4]]`
    is `Seq`, and `tn.Minus[L[32], L[4]]` is `L[28]`. A spelling of no size (a product of
    two named dims, a division that is not whole) is an error under `code`.
    """
    operation = ARITHMETIC.get(fullname)
    if operation is None:
        return None

    def analyze(ctx: AnalyzeTypeContext) -> Type:
        example = f"e.g. tn.{operation}[Seq, L[2]]"
        if len(ctx.type.args) != 2:
            ctx.api.fail(f"tn.{operation} takes two sizes, {example}", ctx.context, code=code)
            return AnyType(TypeOfAny.from_error)
        args = [ctx.api.analyze_type(arg) for arg in ctx.type.args]
        written = ctx.api.named_type(fullname, args)
        if any(_unfinished(arg) for arg in args):
            return written  # a class not yet analysed: mypy analyses the annotation again later
        operands = [size_of(arg) for arg in args]
        found = combine(operation, *operands)
        if found is None or any(isinstance(o, Unknown) and not _unknowable(arg) for o, arg in zip(operands, args)):
            shown = ", ".join(_spelled(operand, arg) for operand, arg in zip(operands, args))
            ctx.api.fail(
                f"tn.{operation}[{shown}] is not a size: sizes are computed from one tn.Dim (or type variable) "
                f"and positive literals, {example}; a product of two named dims, a division that is not "
                "whole, and a size below 1 have no spelling",
                ctx.context,
                code=code,
            )
            return AnyType(TypeOfAny.from_error)
        if isinstance(found, Unknown):
            return written
        return size_type(found, lambda name: ctx.api.named_type(name, []), _lookup_in(ctx))

    return analyze


def _lookup_in(ctx: AnalyzeTypeContext) -> Lookup:
    def lookup(fullname: str) -> TypeInfo | None:
        return ctx.api.named_type(fullname, []).type

    return lookup


def _spelled(size: Size, typ: Type) -> str:
    """An operand as a user writes it: `L[0]`, `Seq`, `Seq - 4`."""
    if isinstance(size, int):
        return f"L[{size}]"
    return str(typ) if isinstance(size, Unknown) else repr(size)


def _unknowable(typ: Type) -> bool:
    """Whether an operand of unknown size is still a size: `Any`, or a spelling with `Any` in it."""
    t = get_proper_type(typ)
    return isinstance(t, AnyType) or (isinstance(t, Instance) and t.type.fullname in ARITHMETIC)


class _Any(TypeQuery[bool]):
    """A query true when any part of a type is (`BoolTypeQuery` is compiled: no interpreted subclass)."""

    def strategy(self, items: list[bool]) -> bool:
        return any(items)


class _HasPlaceholder(_Any):
    def visit_placeholder_type(self, t: PlaceholderType) -> bool:
        return True


def _unfinished(typ: Type) -> bool:
    return typ.accept(_HasPlaceholder())


class _Arithmetic(_Any):
    """Whether a type spells a size computed from a type variable (`tn.Minus[H, L[2]]`)."""

    def visit_instance(self, t: Instance) -> bool:
        if t.type.fullname in ARITHMETIC:
            return any(isinstance(get_proper_type(arg), TypeVarType) or arg.accept(self) for arg in t.args)
        return super().visit_instance(t)


class _Simplify(TypeTranslator):
    """Computes each size that a generic call's binding left spelled out: `tn.Minus[L[32], L[2]]` is `L[30]`."""

    def __init__(self, named: Callable[[str], Instance], lookup: Lookup) -> None:
        super().__init__()
        self.named, self.lookup = named, lookup
        self.no_size: list[str] = []  # spellings of literals that compute no size (`tn.Minus[L[4], L[4]]`)

    def visit_instance(self, t: Instance) -> Type:
        if t.type.fullname in ARITHMETIC and len(t.args) == 2:
            found = size_of(t)
            if isinstance(found, Unknown):
                if _literals_only(t):
                    self.no_size.append(_written(t))
                return t
            return size_type(found, self.named, self.lookup)
        return super().visit_instance(t)

    def visit_type_alias_type(self, t: TypeAliasType) -> Type:
        return t.copy_modified(args=[arg.accept(self) for arg in t.args])


def _literals_only(typ: Type) -> bool:
    """Whether a spelled size holds literal ints only (no dim, type variable or Any)."""
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.fullname in ARITHMETIC:
        return all(_literals_only(arg) for arg in t.args)
    return isinstance(size_of(t), int)


def _written(typ: Type) -> str:
    """A spelled size as a user writes it: `tn.Minus[L[4], L[4]]`."""
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.fullname in ARITHMETIC:
        return f"tn.{ARITHMETIC[t.type.fullname]}[{', '.join(_written(arg) for arg in t.args)}]"
    size = size_of(t)
    return f"L[{size}]" if isinstance(size, int) else str(t)


_RESULT_HOOKS: dict[str, Callable[[FunctionContext], Type] | None] = {}
"""Each function's hook (or None), found once per build: mypy asks at every call."""


def forget_result_hooks() -> None:
    """Start a new build (functions may have been defined anew)."""
    _RESULT_HOOKS.clear()


def arithmetic_result_hook(
    find: Callable[[str], SymbolTableNode | None], fullname: str, lookup: Lookup, code: ErrorCode
) -> Callable[[FunctionContext], Type] | None:
    """`_result_hook`, memoized per function."""
    if fullname not in _RESULT_HOOKS:
        _RESULT_HOOKS[fullname] = _result_hook(find, fullname, lookup, code)
    return _RESULT_HOOKS[fullname]


def _result_hook(
    find: Callable[[str], SymbolTableNode | None], fullname: str, lookup: Lookup, code: ErrorCode
) -> Callable[[FunctionContext], Type] | None:
    """A function hook for a generic function whose result spells a size computed from a type variable.

    mypy binds the variable per call (`H` to `L[32]`) but leaves `tn.Minus[L[32], L[2]]`
    as written; the hook computes it (`L[30]`), so the result equals the literal type.
    A binding whose size computes to none (`tn.Minus[L[4], L[4]]`) is an error under `code`.
    None for any other function, so that a call costs nothing more.
    """
    try:
        node = find(fullname)
    except (AssertionError, KeyError):  # a name mypy's tables cannot resolve: not a generic helper
        return None
    func = node.node if node is not None else None
    if isinstance(func, Decorator):
        func = func.func
    if not isinstance(func, (FuncDef, OverloadedFuncDef)) or func.type is None:
        return None
    typ = get_proper_type(func.type)
    results = [item.ret_type for item in typ.items] if isinstance(typ, FunctionLike) else []
    if not any(result.accept(_Arithmetic()) for result in results):
        return None

    def simplify(ctx: FunctionContext) -> Type:
        def named(name: str) -> Instance:
            return ctx.api.named_generic_type(name, [])

        computed = _Simplify(named, lookup)
        result = ctx.default_return_type.accept(computed)
        for written in computed.no_size:
            short = fullname.rpartition(".")[2]
            ctx.api.fail(
                f"{short}() returns {written} for these arguments, which is no size (below 1, or not whole)",
                ctx.context,
                code=code,
            )
        return result

    return simplify
