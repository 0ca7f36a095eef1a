"""The `typednn` command (also `python -m typednn`).

Exit codes:
    0: success (for `check`: every file is clean).
    1: a checked file, spec, data file or model directory has errors; the message says
       what, where (`file:line:col`) and how to fix it.
    2: bad usage: an unknown option, a missing argument, a file that does not exist.
    3: an internal error in typednn (a bug: please report it). Set TYPEDNN_TRACEBACK=1
       to see its Python traceback.
    130: interrupted (Ctrl-C).

No other error prints a Python traceback.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import sys
from collections.abc import Sequence

from .._errors import TypednnError
from ._check import MYPY_CONFIG as MYPY_CONFIG
from ._check import add_check
from ._commands import add_codegen, add_evaluate, add_predict, add_schema, add_summary, add_train
from ._data import add_data
from ._export import add_export
from ._hub import add_hub
from ._import import add_import
from ._imports import import_modules
from ._plot import add_plot
from ._serve import add_serve
from ._usage import UsageError

__all__ = ["MYPY_CONFIG", "main", "parser"]

_LOCATED = re.compile(r"^\S+:\d+(:\d+)?")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="typednn",
        description="Neural networks as statically typed code: check, train and export models.",
        epilog="Exit codes: 0 success, 1 errors in the given files, 2 bad usage, 3 internal error.",
    )
    root.add_argument("--version", action="version", version=f"typednn {_version()}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    adders = (
        *(add_check, add_summary, add_plot, add_train, add_evaluate, add_predict, add_codegen, add_import, add_hub),
        add_data,
        add_serve,
        add_export,
    )
    for add in (*adders, add_schema):
        add(commands)
    for command in commands.choices.values():
        command.add_argument(
            "--import",
            dest="imports",
            action="append",
            default=[],
            metavar="MODULE",
            help="import this module first, so that the custom layers it registers are kinds"
            " (a dotted name, or a .py file under the current directory); repeatable",
        )
    return root


def _version() -> str:
    """The installed distribution's version: pyproject.toml holds it, and only there."""
    try:
        return importlib.metadata.version("typednn")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree never installed
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # a launched job's workers rerun the command
    try:
        import_modules(args.imports)
        code: int = args.run(args)
    except UsageError as error:
        _print_error(error)
        return 2
    except TypednnError as error:
        _print_error(error)
        return _failed(args, 1)
    except KeyboardInterrupt:  # in the command's own process, `_command` exits before this
        print("typednn: interrupted", file=sys.stderr)
        return _failed(args, 130)
    except Exception as error:
        if os.environ.get("TYPEDNN_TRACEBACK"):
            raise
        print(
            f"typednn: internal error: {type(error).__name__}: {error}\n"
            "  hint: this is a bug in typednn; run again with TYPEDNN_TRACEBACK=1 and report the traceback",
            file=sys.stderr,
        )
        return _failed(args, 3)
    return code


def _failed(args: argparse.Namespace, code: int) -> int:
    """The exit code of a failed command; a process of a multi-process job exits with it at once.

    At a normal exit JAX waits at a shutdown barrier for every process of the job,
    which a failed or dead one never reaches: the process would hang, then abort.
    """
    if getattr(args, "coordinator", None) is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _print_error(error: TypednnError) -> None:
    # A located message already starts with `file:line:col:`, as compilers print them.
    text = str(error)
    print(text if _LOCATED.match(text) else f"typednn: error: {text}", file=sys.stderr)
