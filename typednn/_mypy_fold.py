"""Constant expressions in layer arguments: `nn.Dense(16 * 5 * 5, 120)` is `Dense(400 -> 120)`.

mypy types `16 * 5 * 5` as `int`, which says nothing of the size; the plugin folds
literals, `Final` constants (of any module) and the arithmetic on them itself. Results
are bounded, so a hostile expression (`2 ** 10 ** 9`) costs nothing: it stays unknown.

Used only by the mypy plugin; imports mypy, never JAX.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from mypy.nodes import Expression, FloatExpr, IntExpr, NameExpr, OpExpr, StrExpr, TupleExpr, UnaryExpr, Var

from ._shapes import UNKNOWN, Unknown

LIMIT = 2**63
"""Largest magnitude folded: a size beyond it is no real size, and big powers cost time."""

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
    "/": operator.truediv,
}


def fold(expression: Expression) -> Any:
    """The value of a constant expression, or UNKNOWN.

    Example:
        >>> from mypy.nodes import IntExpr, OpExpr
        >>> fold(OpExpr("*", OpExpr("*", IntExpr(16), IntExpr(5)), IntExpr(5)))
        400
    """
    if isinstance(expression, (IntExpr, FloatExpr, StrExpr)):
        return expression.value
    if isinstance(expression, NameExpr):
        node = expression.node
        if isinstance(node, Var) and node.is_final and node.final_value is not None:
            return node.final_value
        return UNKNOWN
    if isinstance(expression, TupleExpr):
        return tuple(fold(item) for item in expression.items)
    if isinstance(expression, UnaryExpr) and expression.op in ("-", "+"):
        value = fold(expression.expr)
        return _bounded(-value if expression.op == "-" else value) if _number(value) else UNKNOWN
    if isinstance(expression, OpExpr):
        return _binary(expression.op, fold(expression.left), fold(expression.right))
    return UNKNOWN


def argument(value: Any, expression: Expression | None) -> Any:
    """An argument's value from its type (`value_of`), completed by folding its expression."""
    if expression is None:
        return value
    if isinstance(value, Unknown):
        return fold(expression)
    if isinstance(value, tuple) and isinstance(expression, TupleExpr) and len(value) == len(expression.items):
        return tuple(argument(v, item) for v, item in zip(value, expression.items))
    return value


def _binary(op: str, left: Any, right: Any) -> Any:
    if not (_number(left) and _number(right)):
        return UNKNOWN
    if op == "**":
        if not (isinstance(left, int) and isinstance(right, int)) or not 0 <= right <= 64:
            return UNKNOWN
        return _bounded(left**right) if abs(left) < LIMIT else UNKNOWN
    function = _OPERATORS.get(op)
    if function is None or (op in ("//", "%", "/") and right == 0):
        return UNKNOWN
    return _bounded(function(left, right))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, (bool, Unknown))


def _bounded(value: Any) -> Any:
    return value if abs(value) < LIMIT else UNKNOWN
