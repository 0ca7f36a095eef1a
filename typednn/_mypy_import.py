"""The mypy plugin's import of a custom layer's hyperparameters: their classes, not the whole module.

The module that defines a custom layer (`examples/swiglu.py`) also holds its lowering, so
it imports JAX, and so does `tn.Layer`: most of a second, paid by every check of a file
that uses the layer, against milliseconds for its rule. The plugin needs only the
module's `tn.Hyper` classes, so it runs the module's top-level statements that bind
them and, by name, what those use: every statement that binds a name they use (in
source order, recursively), and a statement that binds nothing but uses a class or value
of the module already kept (`SwiGLUHyper.__doc__ += ...`). The layer class, its imports,
registration and example code do not run, the "free of side effects" docs/custom-layers.md asks of
the module.

What does not fit falls back to running the whole module, as `import` does: a module
with `import *` or a `__getattr__` of its own; kept code that uses a name no statement
binds, or a left-out statement that uses `globals`, `vars`, `exec` or `eval` (either may
bind names at run time); a slice that raises; and any attribute the slice lacks (another
module's `from swiglu import SwiGLU`), which replaces the slice in `sys.modules` by the
whole module. A left-out statement still goes unseen when it changes a kept object only
indirectly (through an alias, a registry or another module).

Used only by the mypy plugin; never imports JAX itself.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.machinery
import importlib.util
import symtable
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, ModuleType

Facts = tuple[set[str], set[str]]
"""The module-level names a statement binds, and the module-level names it uses."""

BUILTINS = {*dir(builtins), "__file__", "__cached__", "__builtins__", "__annotations__"}
"""Names a module's code finds without binding them."""

DYNAMIC = {"globals", "vars", "exec", "eval"}
"""Builtins through which code can bind a module's names without naming them."""


def load(module: str, path: Path, wanted: set[str]) -> ModuleType:
    """The module `module` from the file `path`, run as far as its classes named in `wanted` need.

    Raises:
        Exception: What running the whole module raises, when it had to run.
    """
    spec = importlib.util.spec_from_file_location(module, path)
    if spec is None or spec.loader is None:
        return importlib.import_module(module)
    try:
        statements = sliced(path.read_bytes(), str(path), wanted)
    except (OSError, SyntaxError, ValueError):  # the import says why, if it fails too
        statements = None
    if statements is None:
        return _run(spec)
    code = compile(ast.Module(body=statements, type_ignores=[]), str(path), "exec", dont_inherit=True)
    part_spec = importlib.util.spec_from_file_location(module, path, loader=_SliceLoader(module, str(path), code))
    assert part_spec is not None
    try:
        part = _run(part_spec)
    except Exception:
        return _run(spec)
    part.__dict__["__getattr__"] = _completion(spec, part)
    return part


class _SliceLoader(importlib.machinery.SourceFileLoader):
    """The module's file, imported as the statements `sliced` kept (never from a cached whole module)."""

    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        super().__init__(fullname, path)
        self.code = code

    def get_code(self, fullname: str) -> CodeType:
        return self.code


def sliced(source: bytes | str, filename: str, wanted: set[str]) -> list[ast.stmt] | None:
    r"""The top-level statements that define `wanted`; None when they are all of it or it cannot be cut.

    >>> kept = sliced("import jax\nA = 1\nB = A + 1\nC = jax.numpy.ones(B)\nB += 1\n", "m.py", {"B"})
    >>> [ast.unparse(statement) for statement in kept]
    ['A = 1', 'B = A + 1', 'B += 1']
    """
    statements = ast.parse(source, filename).body
    facts = [_facts(statement) for statement in statements]
    if any(found is None for found in facts):
        return None
    known = [found for found in facts if found is not None]
    bound = set().union(*(names for names, _ in known))
    if "__getattr__" in bound or not wanted <= bound:
        return None
    own = {
        name
        for statement, (names, _) in zip(statements, known)
        if not isinstance(statement, (ast.Import, ast.ImportFrom))
        for name in names
    }
    keep = [isinstance(statement, ast.ImportFrom) and statement.module == "__future__" for statement in statements]
    needed = set(wanted)
    changed = True
    while changed:
        changed = False
        for index, (names, uses) in enumerate(known):
            if not keep[index] and (names & needed or (not names and uses & needed & own)):
                keep[index] = changed = True
                needed |= uses
    # A name the kept code uses that no statement binds may be bound at run time, as may
    # one a left-out statement writes through the namespace (`globals()["FACTOR"] = 3`).
    unbound = needed - bound - BUILTINS
    left_out = set().union(*(uses for (_, uses), kept in zip(known, keep) if not kept))
    if all(keep) or unbound or left_out & DYNAMIC:
        return None
    return [statement for statement, kept in zip(statements, keep) if kept]


def _facts(statement: ast.stmt) -> Facts | None:
    """What one top-level statement binds and uses at module level; None for `import *`."""
    for node in ast.walk(statement):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            return None
    top = symtable.symtable(ast.unparse(statement), "<statement>", "exec")
    binds = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    uses: set[str] = set()
    for table in _tables(top):
        for symbol in table.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                uses.add(symbol.get_name())
            if table is not top and symbol.is_declared_global() and symbol.is_assigned():
                binds.add(symbol.get_name())
    return binds, uses | _string_annotation_names(statement)


def _tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    yield table
    for child in table.get_children():
        yield from _tables(child)


def _string_annotation_names(statement: ast.stmt) -> set[str]:
    """Names in annotations written as strings: dataclasses and `get_type_hints` look them up."""
    annotations: list[ast.expr | None] = []
    for node in ast.walk(statement):
        if isinstance(node, (ast.AnnAssign, ast.arg)):
            annotations.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
    names: set[str] = set()
    for annotation in filter(None, annotations):
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    parsed = ast.parse(node.value, mode="eval")
                except SyntaxError:
                    continue
                names.update(name.id for name in ast.walk(parsed) if isinstance(name, ast.Name))
    return names


def _run(spec: importlib.machinery.ModuleSpec) -> ModuleType:
    """The module `spec` loads (the whole file, or a slice), run as `import` runs it."""
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    return loaded


def _completion(spec: importlib.machinery.ModuleSpec, part: ModuleType) -> Callable[[str], object]:
    """The slice's module `__getattr__`: what it lacks comes from the whole module, run once."""
    whole: list[ModuleType] = []

    def __getattr__(name: str) -> object:  # noqa: N807 - the module attribute hook (PEP 562)
        if not whole:
            try:
                whole.append(_run(spec))
            except BaseException:
                sys.modules[spec.name] = part
                raise
        return getattr(whole[0], name)

    return __getattr__
