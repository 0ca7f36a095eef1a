"""Opting in: the `checked` decorator and the import hook, both with the tensor checker registered."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import typeguard

from ._lookup import checker_lookup

_Target = TypeVar("_Target", bound=Callable[..., Any])


def register() -> None:
    """Put the tensor checker first among typeguard's lookups, unless it is there already.

    The entry point does this on `import typeguard`; doing it again here keeps `checked`
    working where plugins are not loaded (`TYPEGUARD_DISABLE_PLUGIN_AUTOLOAD`, or a copy
    of typednn that is not installed).
    """
    if checker_lookup not in typeguard.checker_lookup_functions:
        typeguard.checker_lookup_functions.insert(0, checker_lookup)


def checked(target: _Target) -> _Target:
    """Check a function's (or every method of a class's) annotations at each call: `typeguard.typechecked`.

    `tn.Tensor[...]` arguments, annotated local variables, yields and the return value
    must be arrays of shape `(batch, *dims)`. `L[n]` axes must equal n; a `tn.Dim`
    subclass (or a `TypeVar`) takes the first size it meets and must keep it through
    the call; `Any` and `*tuple[Any, ...]` take any size and any number of axes.
    A mismatch raises `typeguard.TypeCheckError`. Undecorated code pays nothing, and under
    `python -O` the decorator returns `target` unchanged, as typeguard's does.

    Args:
        target: The function, method or class to check.

    Returns:
        `target`, recompiled by typeguard with the checks inserted.

    Example:
        typeguard recompiles the function from its source, so this runs from a file,
        not from a prompt::

            class Seq(tn.Dim): ...

            @tn.checked
            def pool(x: tn.Tensor[Seq, L[64]]) -> tn.Tensor[L[64]]:
                return x.mean(axis=1)

            pool(np.zeros((8, 10, 64)))  # shape (8, 64)
            pool(np.zeros((8, 10, 32)))  # TypeCheckError: argument "x" (numpy.ndarray) has shape
            # (8, 10, 32), which does not match tn.Tensor[Seq, L[64]]: axis 2 is 32, expected 64
            # (axis 0 is the batch)
    """
    register()
    return typeguard.typechecked(target)


def install_import_hook(packages: str | Iterable[str]) -> typeguard.ImportHookManager:
    """Check every annotated function of `packages` when they are imported: typeguard's import hook.

    Install it before the packages are imported. For test runs, typeguard's pytest
    plugin does the same: `pytest --typeguard-packages=mypkg`.

    Args:
        packages: The top-level package names whose modules to instrument.

    Returns:
        typeguard's hook manager; `.uninstall()` it (or use it as a context manager) to
        stop instrumenting later imports.
    """
    register()
    return typeguard.install_import_hook([packages] if isinstance(packages, str) else packages)
