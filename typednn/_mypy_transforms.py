"""The plugin's hook for `Columns({...})`: the features' type, from each column's transforms.

`Columns({"age": standardize(), "thal": one_hot(vocabulary=["fixed", "normal"])})` is
`Columns[Tensor[L[4]]]` (1 + 1 oov bucket + 2 categories), so `prep(train)` is a
`Dataset[Tensor[L[4]], Any]` that mypy checks against the model as any dataset. Each
step's width comes from `_shapes._columns.transform_width`, the rule the transforms'
`output_width` runs at run time, given the call's literal arguments (literals, lists of
them, `Final` constants). A width that the training rows decide (a fitted vocabulary),
or an argument that is not a literal, leaves the features `Any`: never a guessed width.
The option values themselves are checked when the transforms are made, at run time.

Like the layers' rules, the width rule is jax-, numpy- and pyarrow-free: checking a file
that makes a `Columns` imports nothing of the data pipeline.
"""

from __future__ import annotations

from typing import Any

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    CallExpr,
    DictExpr,
    Expression,
    FloatExpr,
    IntExpr,
    ListExpr,
    NameExpr,
    RefExpr,
    StrExpr,
    TupleExpr,
    UnaryExpr,
)
from mypy.plugin import FunctionContext
from mypy.types import CallableType, Instance, Type, get_proper_type

from ._mypy_convert import Lookup, tensor_type, value_of
from ._mypy_report import named
from ._shapes import Shape
from ._shapes._columns import KINDS, transform_width

COLUMNS = "typednn.data.transforms._columns.Columns"
TRANSFORMS = "typednn.data.transforms."
_UNKNOWN = object()
"""A value the plugin cannot read from the source: the features stay `Any`."""


def columns_call(lookup: Lookup, ctx: FunctionContext) -> Type:
    """`Columns[Tensor[L[width]]]` (`Tokens[...]` for token ids) when every width is known here."""
    columns = get_proper_type(ctx.default_return_type)
    if not (isinstance(columns, Instance) and len(columns.args) == 1 and len(ctx.args) >= 1 and ctx.args[0]):
        return ctx.default_return_type
    mapping = ctx.args[0][0]
    if not isinstance(mapping, DictExpr):
        return ctx.default_return_type
    width, token_columns = 0, 0
    for key, value in mapping.items:
        steps = _steps(ctx, value) if isinstance(key, StrExpr) else None
        if steps is None:
            return ctx.default_return_type
        column: int | None = 1
        for kind, options in steps:
            column = None if column is None else _width(kind, column, options)
        if column is None:  # a width that the training rows decide, or options that make none
            return ctx.default_return_type
        width += column
        token_columns += bool(steps) and steps[-1][0] == "tokens"
    if token_columns not in (0, len(mapping.items)):
        return ctx.default_return_type  # token ids beside numbers: refused at run time, with its hint
    shape = Shape((width,), tokens=bool(token_columns))
    return columns.copy_modified(args=[tensor_type(shape, named(ctx), lookup)])


def _width(kind: str, width: int, options: dict[str, Any]) -> int | None:
    """`transform_width`, or None for options it cannot read (wrong types: the run-time check says)."""
    try:
        found = transform_width(kind, width, options)
    except (KeyError, TypeError, ValueError):
        return None
    return found if found is None or found >= 1 else None


def _steps(ctx: FunctionContext, value: Expression) -> list[tuple[str, dict[str, Any]]] | None:
    """A column's transforms rebuilt from the source (`None` is no step), or None if one cannot be."""
    if isinstance(value, NameExpr) and value.fullname == "builtins.None":
        return []
    calls = value.items if isinstance(value, (ListExpr, TupleExpr)) else [value]
    built = [_transform(ctx, call) for call in calls]
    steps = [step for step in built if step is not None]
    return steps if len(steps) == len(built) else None


def _transform(ctx: FunctionContext, call: Expression) -> tuple[str, dict[str, Any]] | None:
    """A transform call's kind and literal options by name (`("hashing", {"bins": 8})`); None if unknown."""
    if not (isinstance(call, CallExpr) and isinstance(call.callee, RefExpr)):
        return None
    module, _, kind = call.callee.fullname.rpartition(".")
    if kind not in KINDS or not module.startswith(TRANSFORMS):
        return None
    signature = get_proper_type(ctx.api.get_expression_type(call.callee))
    if not isinstance(signature, CallableType):
        return None
    options: dict[str, Any] = {}
    for position, (kind_of, name, expr) in enumerate(zip(call.arg_kinds, call.arg_names, call.args)):
        found = _literal(ctx, expr)
        if found is _UNKNOWN or kind_of not in (ARG_POS, ARG_NAMED):
            return None
        listed = signature.arg_names[position] if position < len(signature.arg_names) else None
        key = name if name is not None else listed
        if key is None:
            return None
        options[key] = found
    return kind, options


def _literal(ctx: FunctionContext, expr: Expression) -> Any:
    """The value an argument spells: a literal, a list of them, or a `Final` constant; else `_UNKNOWN`."""
    if isinstance(expr, (IntExpr, FloatExpr, StrExpr)):
        return expr.value
    if isinstance(expr, UnaryExpr) and expr.op == "-" and isinstance(expr.expr, (IntExpr, FloatExpr)):
        return -expr.expr.value
    if isinstance(expr, (ListExpr, TupleExpr)):
        items = [_literal(ctx, item) for item in expr.items]
        return _UNKNOWN if any(item is _UNKNOWN for item in items) else items
    found = value_of(ctx.api.get_expression_type(expr))
    return found if found is None or isinstance(found, (bool, int, float, str)) else _UNKNOWN
