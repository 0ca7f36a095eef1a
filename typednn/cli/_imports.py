"""`--import MODULE`: the user's own modules, imported so that their custom layers register.

A spec file never names code to run (it is data); the command line, which the user
types, may. Importing a module runs it: `--import` is for the user's own code.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path

from .._errors import TypednnError
from ._usage import UsageError


def import_modules(names: Iterable[str]) -> None:
    """Import each module, with the current directory on the path after the installed packages.

    The directory goes last, so that a file there named like a dependency (`jax.py`)
    never replaces it; a module of the user's named like an installed one is not found.

    Raises:
        UsageError: for a module that does not exist or a file outside the current directory.
        TypednnError: when the module itself fails while it is imported.
    """
    names = list(names)
    if names and "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.append(str(Path.cwd()))
    for name in names:
        module = _module_name(name)
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if module != missing and not module.startswith(f"{missing}."):
                raise _failed(name, error) from None  # a module it imports is missing
            raise UsageError(
                f"--import {name}: no module named {error.name!r}",
                hint="give a module importable from the current directory (`mypackage.layers`) or a .py file in it",
            ) from None
        except TypednnError as error:
            raise TypednnError(f"--import {name}: {error.message}", hint=error.hint) from None
        except Exception as error:  # the user's module failed: say so, without a traceback
            raise _failed(name, error) from None


def _module_name(name: str) -> str:
    """`layers/swiglu.py` -> `layers.swiglu`; a dotted name stays as it is."""
    if not name.endswith(".py"):
        return name
    path = Path(name).resolve()
    try:
        relative = path.with_suffix("").relative_to(Path.cwd())
    except ValueError:
        raise UsageError(
            f"--import {name}: the file is not under the current directory",
            hint="run typednn from the project's root, so the module has an importable name",
        ) from None
    return ".".join(relative.parts)


def _failed(name: str, error: BaseException) -> TypednnError:
    return TypednnError(
        f"--import {name}: importing it raised {type(error).__name__}: {error}",
        hint="fix the module, or run it with python to see the traceback",
    )
