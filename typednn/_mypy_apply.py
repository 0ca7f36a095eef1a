"""A shape rule applied at a call: every shape the inputs may hold, one error per bug, and where inputs came from.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import Expression, NameExpr, Var
from mypy.typeops import make_simplified_union
from mypy.types import Type

from ._mypy_assignments import latest
from ._mypy_checker import module
from ._mypy_convert import Lookup, tensor_shapes, tensor_type
from ._mypy_layers import union_cases
from ._mypy_report import SHAPE, Context, named, report
from ._shapes import Shape, ShapeError, Unknown


def _origin(ctx: Context, expression: Expression | None) -> str:
    """Where a tensor argument was made, when it is a variable: " from `h` (line 12)".

    The line is that of the nearest assignment to the name before its use: under
    `allow_redefinition` one variable has many assignments, and the value used comes
    from the last one written before it (the first, on a loop's first pass).
    """
    if not (isinstance(expression, NameExpr) and isinstance(expression.node, Var) and expression.node.line > 0):
        return ""
    var = expression.node
    tree = module(ctx)
    line = latest(tree, var, expression.line) if tree is not None else None
    line = var.line if line is None else line
    # `allow_redefinition_old` renames a redefined variable `h'`, `h''`: the user wrote `h`.
    name = expression.name.rstrip("'")
    return f" from `{name}` (line {line})"


_Outcome = tuple[Type, ShapeError | None, str | None]
"""A call's result type, and its error and note when every shape fails."""

_OUTCOMES: dict[tuple[object, ...], _Outcome] = {}
"""Calls already evaluated, by expression, layer and input types: mypy checks a call again
in a loop's later passes and when it retries a type context; only the reporting is redone."""
MAX_OUTCOMES = 4096


def forget_outcomes() -> None:
    """Start a new build (a daemon keeps the plugin between builds)."""
    _OUTCOMES.clear()


def apply_rule(
    ctx: Context,
    lookup: Lookup,
    tensors: list[Type],
    rule: Callable[[list[Shape]], Shape],
    source: Expression | None = None,
    *,
    layer: object = None,
) -> Type:
    """Evaluate a rule on the shapes of `tensors`; a union is tried member by member.

    A name that mypy types as a union (a loop, or `h = layer(h)` under
    `allow_redefinition`) may hold any of its members, so the call is an error only
    when every combination of members fails: a member that one path holds and
    another path never passes here is not a bug. The result is the union of what the
    members that pass give. A failed call gives what the layer would give had its
    input been right, so the next layers are checked against that and one bug gives
    one error. `source` is the expression a single input tensor came from, named in
    errors; `layer` is what the rule depends on besides the tensors (a layer's type).
    """
    key = (ctx.context, layer, *tensors)
    outcome = _OUTCOMES.get(key)
    if outcome is None:
        outcome = _evaluate(ctx, lookup, tensors, rule, source)
        if len(_OUTCOMES) < MAX_OUTCOMES:
            _OUTCOMES[key] = outcome
    result, error, note = outcome
    if error is not None:
        report(ctx, error, SHAPE)
    if note is not None:
        ctx.api.msg.note(note, ctx.context, code=SHAPE)
    return result


def _evaluate(
    ctx: Context, lookup: Lookup, tensors: list[Type], rule: Callable[[list[Shape]], Shape], source: Expression | None
) -> _Outcome:
    options = [tensor_shapes(t) for t in tensors]
    if any(found is None for found in options):
        return ctx.default_return_type, None, None
    cases = union_cases([found or [] for found in options])
    if cases is None:
        return ctx.default_return_type, None, None
    results: list[Shape] = []
    failures: list[ShapeError] = []
    for case in cases:
        try:
            shape = rule(list(case))
        except ShapeError as failed:
            failures.append(failed)
            continue
        if shape not in results:
            results.append(shape)
    error: ShapeError | None = None
    note: str | None = None
    if failures and not results:
        first = failures[0]
        origin = _origin(ctx, source) if len(tensors) == 1 and " from " not in first.actual else ""
        error = ShapeError(first.layer, first.expected, first.actual + origin, hint=first.hint)
        if len(cases) > 1:
            held = ", ".join(" and ".join(map(repr, case)) for case in cases)
            note = f"every shape it may receive here fails: {held}"
        results = _recovered(rule, len(tensors))
    if not results:
        return ctx.default_return_type, error, note
    builtin = named(ctx)
    return make_simplified_union([tensor_type(shape, builtin, lookup) for shape in results]), error, note


def _recovered(rule: Callable[[list[Shape]], Shape], inputs: int) -> list[Shape]:
    """What a failed call gives had its inputs been right: its rule on inputs of any shape.

    Only a result that pins some axis is kept: mypy keeps a name's earlier types in
    its union when a redefinition assigns an all-`Any` type, and those stale members
    would be checked again on the next lines.
    """
    try:
        shape = rule([Shape.anything()] * inputs)
    except ShapeError:
        return []
    return [shape] if any(not isinstance(d, Unknown) for d in shape.dims) else []
