"""Statements of a module, walked by the mypy plugin: where each variable is assigned, what a body holds.

Used only by the mypy plugin; imports mypy, never JAX.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from mypy.nodes import (
    AssignmentStmt,
    Block,
    ClassDef,
    Decorator,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    ListExpr,
    MatchStmt,
    MypyFile,
    NameExpr,
    OperatorAssignmentStmt,
    OverloadedFuncDef,
    StarExpr,
    Statement,
    TryStmt,
    TupleExpr,
    Var,
    WhileStmt,
    WithStmt,
)

_FOUND: dict[str, tuple[MypyFile, dict[Var, list[int]]]] = {}
"""By module name: the tree the lines were read from, and the lines (a new tree is read anew)."""


def assignments(tree: MypyFile) -> dict[Var, list[int]]:
    """The sorted lines at which each variable of `tree` is bound (once per module)."""
    seen = _FOUND.get(tree.fullname)
    if seen is not None and seen[0] is tree:
        return seen[1]
    lines: dict[Var, list[int]] = {}
    _collect(tree, lines)
    found = {var: sorted(found) for var, found in lines.items()}
    _FOUND[tree.fullname] = (tree, found)
    return found


def latest(tree: MypyFile, var: Var, before: int) -> int | None:
    """The line of the last assignment to `var` written before line `before`, if any."""
    lines = assignments(tree).get(var, [])
    index = bisect.bisect_left(lines, before)
    return lines[index - 1] if index else None


def _collect(tree: MypyFile, lines: dict[Var, list[int]]) -> None:
    """Record each name bound by a module's statements, in functions and classes too."""
    for statement in statements(Block(tree.defs), definitions=True):
        if isinstance(statement, AssignmentStmt):
            for target in statement.lvalues:
                _bind(target, lines)
        elif isinstance(statement, OperatorAssignmentStmt):
            _bind(statement.lvalue, lines)
        elif isinstance(statement, ForStmt):
            _bind(statement.index, lines)
        elif isinstance(statement, WithStmt):
            for target in statement.target:
                if target is not None:
                    _bind(target, lines)


def statements(block: Block, *, definitions: bool = False) -> Iterator[Statement]:
    """A block's statements, nested blocks included; nested functions' and classes' with `definitions`.

    A walk by hand: mypy's compiled visitor classes cannot be subclassed from Python.
    """
    for statement in block.body:
        yield statement
        for inner in _blocks(statement, definitions=definitions):
            yield from statements(inner, definitions=definitions)


def _blocks(statement: Statement, *, definitions: bool = True) -> list[Block]:
    """The blocks directly inside a statement (a function's or class's only with `definitions`)."""
    if isinstance(statement, (FuncDef, Decorator, OverloadedFuncDef, ClassDef)) and not definitions:
        return []
    if isinstance(statement, (FuncDef, WhileStmt, ForStmt, WithStmt)):
        found = [statement.body]
        else_body = getattr(statement, "else_body", None)
        return [*found, else_body] if isinstance(else_body, Block) else found
    if isinstance(statement, Decorator):
        return [statement.func.body]
    if isinstance(statement, OverloadedFuncDef):
        return [b for item in statement.items for b in _blocks(item)] + (
            _blocks(statement.impl) if statement.impl is not None else []
        )
    if isinstance(statement, ClassDef):
        return [statement.defs]
    if isinstance(statement, IfStmt):
        return [*statement.body, *([statement.else_body] if statement.else_body else [])]
    if isinstance(statement, TryStmt):
        optional = [statement.else_body, statement.finally_body]
        return [statement.body, *statement.handlers, *(b for b in optional if b is not None)]
    if isinstance(statement, MatchStmt):
        return list(statement.bodies)
    if isinstance(statement, Block):
        return [statement]
    return []


def _bind(target: Expression, lines: dict[Var, list[int]]) -> None:
    if isinstance(target, NameExpr) and isinstance(target.node, Var):
        lines.setdefault(target.node, []).append(target.line)
    elif isinstance(target, (TupleExpr, ListExpr)):
        for item in target.items:
            _bind(item, lines)
    elif isinstance(target, StarExpr):
        _bind(target.expr, lines)
