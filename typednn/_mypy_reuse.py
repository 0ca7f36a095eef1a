"""A layer variable applied twice, checked by the mypy plugin: its parameters fit its first inputs.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from mypy.nodes import Expression, MemberExpr, NameExpr, Var
from mypy.types import Instance, ProperType, Type, get_proper_type

from ._mypy_assignments import latest
from ._mypy_checker import expression_type, module, path
from ._mypy_convert import tensor_shapes
from ._mypy_layers import describe, has_params, union_cases
from ._mypy_report import SHAPE, Context, report
from ._shapes import Shape, ShapeError, check_reuse
from ._shapes._reuse import fits_first_use

_FIRST_USE: dict[tuple[Var, int | None], tuple[str, int, list[tuple[Shape, ...]]]] = {}
"""A layer's first application, by its variable and the assignment that made the layer (a name
given a new layer under `allow_redefinition` is another layer): file, line and input shapes."""


def forget_uses() -> None:
    """Start a new build: what an earlier build saw (a daemon keeps the plugin) says nothing now."""
    _FIRST_USE.clear()


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
    cases = union_cases([found or [] for found in options])
    if cases is None:
        return
    here = path(ctx)
    tree = module(ctx)
    made = latest(tree, var, ctx.context.line) if tree is not None else None
    first_path, line, first = _FIRST_USE.setdefault((var, made), (here, ctx.context.line, cases))
    if (first_path, line) == (here, ctx.context.line):  # the first use itself (a loop's later passes)
        return
    at = f" (line {line})" if first_path == here else f" ({Path(first_path).name}, line {line})"
    if any(fits_first_use(before, now) for before, now in itertools.product(first, cases)):
        return
    try:
        check_reuse(describe(layer), first[0], cases[0], first_at=at)  # described only for the error
    except ShapeError as error:
        report(ctx, error, SHAPE)


def _variable(ctx: Context, expression: Expression | None) -> Var | None:
    """The variable or attribute (`self.encoder`) an expression names, if any."""
    if isinstance(expression, NameExpr):
        return expression.node if isinstance(expression.node, Var) else None
    if not isinstance(expression, MemberExpr):
        return None
    owner = get_proper_type(expression_type(ctx, expression.expr))
    found = owner.type.get(expression.name) if isinstance(owner, Instance) else None
    return found.node if found is not None and isinstance(found.node, Var) else None
