"""A layer variable applied twice, checked by the mypy plugin: its parameters fit its first inputs.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from mypy.nodes import Expression, MemberExpr, NameExpr, Var
from mypy.types import Instance, ProperType, Type, get_proper_type

from ._mypy_convert import tensor_shapes
from ._mypy_layers import MAX_UNION_CASES, describe, has_params
from ._mypy_report import SHAPE, Context, report
from ._shapes import Shape, ShapeError, check_reuse

_FIRST_USE: dict[Var, tuple[str, int, list[tuple[Shape, ...]]]] = {}
"""A layer variable's first application: its file and line, and the input shapes it may have had there."""


def check_reused(ctx: Context, expression: Expression | None, layer: ProperType, tensors: list[Type]) -> None:
    """A layer variable applied again must receive the shapes of its first use (its parameters fit those).

    Only a layer with parameters, named by a variable or attribute, is followed; the
    call is an error only when every shape it may receive differs from every shape
    the first use may have received, as a layer call decides for unions.
    """
    var = _variable(ctx, expression)
    if not (isinstance(var, Var) and isinstance(layer, Instance) and has_params(layer.type)):
        return
    options = [tensor_shapes(t) for t in tensors]
    if any(not found for found in options):
        return
    cases = list(itertools.islice(itertools.product(*(found or [] for found in options)), MAX_UNION_CASES))
    path = str(getattr(ctx.api, "path", ""))  # mypy's TypeChecker: the file being checked
    first_path, line, first = _FIRST_USE.setdefault(var, (path, ctx.context.line, cases))
    if (first_path, line) == (path, ctx.context.line):  # the first use itself (a loop's later passes)
        return
    at = f" (line {line})" if first_path == path else f" ({Path(first_path).name}, line {line})"
    errors = []
    for before, now in itertools.product(first, cases):
        try:
            check_reuse(describe(layer), before, now, first_at=at)
        except ShapeError as error:
            errors.append(error)
            continue
        return
    if errors:
        report(ctx, errors[0], SHAPE)


def _variable(ctx: Context, expression: Expression | None) -> Var | None:
    """The variable or attribute (`self.encoder`) an expression names, if any."""
    if isinstance(expression, NameExpr):
        return expression.node if isinstance(expression.node, Var) else None
    if not isinstance(expression, MemberExpr):
        return None
    lookup = getattr(ctx.api, "lookup_type_or_none", None)  # mypy's TypeChecker
    owner = get_proper_type(lookup(expression.expr)) if lookup is not None else None
    found = owner.type.get(expression.name) if isinstance(owner, Instance) else None
    return found.node if found is not None and isinstance(found.node, Var) else None
