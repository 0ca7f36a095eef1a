"""`typednn check FILE...`: spec files and typed Python files.

Spec files are validated and their shapes inferred; Python files go through mypy with
the typednn plugin.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from ._usage import UsageError, existing

MYPY_CONFIG = """\
[mypy]
plugins = typednn.mypy
strict = True
allow_redefinition = True
"""
"""The settings `typednn check` uses, and recommends to users (docs/checking.md)."""


def add_check(commands: Any) -> None:
    command = commands.add_parser(
        "check",
        help="check spec files and typed Python models before anything runs",
        description=(
            "Spec files (.yaml, .yml, .json): validate every key and value, build the model, infer every layer's"
            " shape with the shared rules, and check the data's shape against the model's input and output."
            " Python files: run mypy with the typednn plugin and the recommended settings (strict,"
            " allow_redefinition). Exit 0 when every file is clean, 1 when one has errors. A spec whose output's"
            " activation and loss disagree (a softmax output with a loss that takes logits) gets fit's warning,"
            " on stderr, and exit 0."
            " Security: checking a spec file runs nothing from it; checking a Python file runs code of the"
            " modules that define custom layers it uses (the statements that build their tn.Hyper classes,"
            " or the whole module if those cannot be separated), as importing them would. Check only Python"
            " code you would run. See SECURITY.md."
        ),
    )
    command.add_argument("files", nargs="+", metavar="FILE", type=existing, help="spec files and Python files")
    command.add_argument(
        "--allow-pickle",
        action="store_true",
        help="trust pickle data sources: loading a pickle runs any code the file holds",
    )
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    python = [path for path in args.files if path.suffix == ".py"]
    specs = [path for path in args.files if path.suffix != ".py"]
    for path in specs:
        # The spec package (and JAX) loads only for spec files: mypy runs in its own process.
        from ..spec import SUFFIXES  # noqa: PLC0415

        if path.suffix not in SUFFIXES:
            raise UsageError(
                f"{path}: typednn check reads spec files ({', '.join(SUFFIXES)}) and Python files (.py),"
                f" not {path.suffix or 'files without a suffix'}",
            )
    failed = sum(not check_spec(path, allow_pickle=args.allow_pickle) for path in specs)
    if python and not check_python(python):
        failed += 1
    return 1 if failed else 0


def check_spec(path: Path, *, allow_pickle: bool) -> bool:
    """Check one spec file, printing what it found; True when it is clean.

    A clean file may still get warnings (`fit`'s, e.g. a softmax output with a loss that
    takes logits), printed to stderr as `file:line:col (output): warning: ...`: it is
    clean all the same, as such a model trains.
    """
    from .._memory import estimate  # noqa: PLC0415
    from ..spec import check_data, read  # noqa: PLC0415
    from ..spec._output_activation import activation_warnings  # noqa: PLC0415
    from ..spec._transform_fit import TransformedSchema  # noqa: PLC0415

    try:
        spec = read(path)
        model = spec.model
        schema = check_data(spec, allow_pickle=allow_pickle) if spec.data else None
        data = f"; data: {schema}" if schema is not None else ""
        # Reported, not judged: the machine that trains may have more memory than this one.
        memory = estimate(model, spec.optimizer()).lines(spec.train.batch_size)
        warnings = activation_warnings(spec, schema)
    except TypednnError as error:
        print(error, file=sys.stderr)
        return False
    params = sum(int(a.size) for arrays in model.param_shapes().values() for a in arrays.values())
    print(f"{path}: ok: {spec.name} {model.signature()}, {params:,} parameters{data}")
    print(f"  {'; '.join(memory)}")
    for line in schema.lines() if isinstance(schema, TransformedSchema) else ():
        print(f"  {line}")  # each column's width after data.transform
    for where, warning in warnings:
        print(f"{where}: warning: {warning}", file=sys.stderr)  # fit's words and hint, as fit warns
    return True


def check_python(paths: list[Path]) -> bool:
    """Type-check Python files with mypy, the typednn plugin and the recommended settings.

    Raises:
        TypednnError: if mypy is not installed (it is the `check` extra, not a dependency:
            training and serving need none of it).
    """
    # Looked up in this interpreter, which runs it: otherwise the child's "No module named
    # mypy" would read as an error in the user's file.
    if importlib.util.find_spec("mypy") is None:
        raise TypednnError(
            f"{paths[0]}: checking a Python file runs mypy with the typednn plugin, and mypy is not installed"
            f" in {sys.executable}",
            hint="pip install 'typednn[check]' (or pip install mypy); spec files are checked without it",
        )
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "mypy.ini"
        config.write_text(MYPY_CONFIG)
        done = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(config), "--show-error-codes", *map(str, paths)],
            check=False,
        )
    return done.returncode == 0
