"""The plugin's hook for `Columns({...})`: the features' type, from each column's transforms.

`Columns({"age": standardize(), "thal": one_hot(vocabulary=["fixed", "normal"])})` is
`Columns[Tensor[L[4]]]` (1 + 1 oov bucket + 2 categories), so `prep(train)` is a
`Dataset[Tensor[L[4]], Any]` that mypy checks against the model as any dataset. The
width comes from the transforms themselves: each call is rebuilt from its literal
arguments with the constructor a spec file names (`CONSTRUCTORS`), and asked its
`output_width`, the rule the features are assembled by at run time. A width that the
training rows decide (a fitted vocabulary), or an argument that is not a literal,
leaves the features `Any`: never a guessed width. An option the constructor refuses
(`hashing(bins=0)`) is reported on its line, with the message it raises at run time.

The transforms import numpy and pyarrow (never JAX), once, at the first `Columns` call
a build checks.
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
from mypy.types import Instance, Type, get_proper_type

from ._errors import TypednnError
from ._mypy_convert import Lookup, tensor_type, value_of
from ._mypy_report import PARAM, named
from ._shapes import Shape

COLUMNS = "typednn.data.transforms._columns.Columns"
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
        column = 1
        try:
            for step in steps:
                column = step.output_width(column)
        except TypednnError:  # a width that the training rows decide
            return ctx.default_return_type
        width += column
        token_columns += bool(steps) and steps[-1].kind == "tokens"
    if token_columns not in (0, len(mapping.items)):
        return ctx.default_return_type  # token ids beside numbers: refused at run time, with its hint
    shape = Shape((width,), tokens=bool(token_columns))
    return columns.copy_modified(args=[tensor_type(shape, named(ctx), lookup)])


def _steps(ctx: FunctionContext, value: Expression) -> list[Any] | None:
    """A column's transforms rebuilt from the source (`None` is no step), or None if one cannot be."""
    if isinstance(value, NameExpr) and value.fullname == "builtins.None":
        return []
    calls = value.items if isinstance(value, (ListExpr, TupleExpr)) else [value]
    built = [_transform(ctx, call) for call in calls]
    return None if any(step is None for step in built) else built


def _transform(ctx: FunctionContext, call: Expression) -> Any:
    """The transform a call of a constructor makes, from its literal arguments; None if unknown."""
    from .data.transforms._kinds import CONSTRUCTORS  # noqa: PLC0415 - numpy and pyarrow, once a build meets Columns

    if not (isinstance(call, CallExpr) and isinstance(call.callee, RefExpr)):
        return None
    kind = call.callee.fullname.rpartition(".")[2]
    constructor = CONSTRUCTORS.get(kind)
    if constructor is None or call.callee.fullname != f"{constructor.__module__}.{kind}":
        return None
    positional, keywords = [], {}
    for kind_of, name, expr in zip(call.arg_kinds, call.arg_names, call.args):
        found = _literal(ctx, expr)
        if found is _UNKNOWN or kind_of not in (ARG_POS, ARG_NAMED):
            return None
        if name is None:
            positional.append(found)
        else:
            keywords[name] = found
    try:
        return constructor(*positional, **keywords)
    except TypednnError as error:
        ctx.api.fail(error.message, call, code=PARAM)
        if error.hint:
            ctx.api.msg.note(f"hint: {error.hint}", call, code=PARAM)
    except TypeError:  # a wrong argument: mypy reports it against the signature
        pass
    return None


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
