"""The `typednn` command.

Exit codes: 0 clean; 1 the checked files have errors; 2 bad usage or input (the
message says what, where, and how to fix it; never a Python traceback).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ._errors import TypednnError

MYPY_CONFIG = """\
[mypy]
plugins = typednn.mypy
strict = True
allow_redefinition = True
"""
"""The settings `typednn check` uses, and recommends to users (README)."""


def check(files: Sequence[str]) -> int:
    """Type-check Python files with mypy, the typednn plugin and the recommended settings."""
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.exists():
            raise TypednnError(f"{path}: no such file", hint="give the path of a .py file")
        if path.suffix != ".py":
            raise TypednnError(
                f"{path}: typednn check reads Python files (.py); this version does not read {path.suffix or 'it'}",
                hint="write the model as typed Python (see README)",
            )
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "mypy.ini"
        config.write_text(MYPY_CONFIG)
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(config), "--show-error-codes", *map(str, paths)],
            check=False,
        )
    return 0 if done.returncode == 0 else 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="typednn", description="Neural networks as statically typed code.")
    commands = root.add_subparsers(dest="command", required=True)
    checking = commands.add_parser(
        "check",
        help="type-check models: shapes, wiring and data, before anything runs",
        description="Run mypy with the typednn plugin and recommended settings (strict, allow_redefinition).",
    )
    checking.add_argument("files", nargs="+", metavar="FILE", help="Python files")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        if args.command == "check":
            return check(args.files)
    except TypednnError as error:
        print(f"typednn: error: {error}", file=sys.stderr)
        return 2
    return 2
