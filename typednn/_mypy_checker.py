"""What the mypy plugin reads of mypy's type checker beyond the plugin interface, in one place.

The plugin interface gives a hook its call's types; a few checks need more of the
checker that runs the hook: the type an expression must have (a `return`'s declared
type), the types already inferred for other expressions, the module and function being
checked, and errors mypy holds but has not yet reported. Each read falls back to
"unknown" when mypy does not offer it, so a change in mypy costs catches, never a
false error.

Used only by the mypy plugin; imports mypy, never JAX.
"""

from __future__ import annotations

from mypy.errorcodes import ARG_TYPE, CALL_OVERLOAD
from mypy.nodes import Expression, FuncItem, MypyFile
from mypy.types import Type

from ._mypy_report import Context


def type_context(ctx: Context) -> Type | None:
    """The type the hook's expression is checked against (a return type, an annotation, a parameter)."""
    checker = getattr(ctx.api, "expr_checker", None)
    contexts = getattr(checker, "type_context", None)
    found = contexts[-1] if isinstance(contexts, list) and contexts else None
    return found if isinstance(found, Type) else None


def expression_type(ctx: Context, expression: Expression) -> Type | None:
    """The type mypy inferred for an expression it has checked already (none is checked again)."""
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    found = lookup(expression) if lookup is not None else None
    return found if isinstance(found, Type) else None


def module(ctx: Context) -> MypyFile | None:
    """The module being checked."""
    tree = getattr(ctx.api, "tree", None)
    return tree if isinstance(tree, MypyFile) else None


def path(ctx: Context) -> str:
    """The file being checked."""
    return str(getattr(ctx.api, "path", ""))


def function(ctx: Context) -> FuncItem | None:
    """The function whose body is being checked, if any."""
    scope = getattr(ctx.api, "scope", None)
    found = scope.current_function() if scope is not None else None
    return found if isinstance(found, FuncItem) else None


def argument_errors(ctx: Context) -> bool:
    """Whether mypy has reported an argument of this call as of the wrong type (before the hook ran).

    Such an error may still be held by one of mypy's error watchers (an assignment is
    checked in a trial pass first), so those are read too.
    """
    errors = ctx.api.msg.errors
    held = [getattr(watcher, "_filtered", None) or [] for watcher in getattr(errors, "_watchers", [])]
    call = ctx.context
    start, end = (call.line, call.column), (call.end_line or call.line, call.end_column or 0)
    return any(
        info.code in (ARG_TYPE, CALL_OVERLOAD) and start <= (info.line, info.column) <= end
        for infos in (errors.error_info_map.get(errors.file, []), *held)
        for info in infos
    )
