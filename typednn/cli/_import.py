"""`typednn import`: a Keras model as a typednn export, and optionally typed Python."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from .._files import write_atomic
from ._usage import UsageError, existing


def add_import(commands: Any) -> None:
    command = commands.add_parser(
        "import",
        help="a Keras model (.keras, legacy .h5) as a typednn export",
        description=(
            "Read a Keras model (a Keras 3 .keras archive, a legacy full-model .h5, or a .json config with its"
            " .weights.h5) without importing Keras or running anything from the file, and write it as a typednn"
            " export (spec.json and"
            " weights.safetensors) that tn.load and `typednn predict --model` read. A layer or option typednn"
            " has no exact twin for is an error naming it."
        ),
    )
    command.add_argument("file", metavar="FILE", type=existing, help="a .keras or .h5 file, or a Keras config .json")
    command.add_argument("-o", "--output", metavar="DIR", type=Path, required=True, help="the export's directory")
    command.add_argument("--python", metavar="FILE", type=Path, help="also write typed Python that builds the model")
    command.set_defaults(run=_import)


def _import(args: argparse.Namespace) -> int:
    from ..export import save  # noqa: PLC0415 - JAX loads only when a command runs
    from ..keras import import_keras  # noqa: PLC0415
    from ..spec import codegen  # noqa: PLC0415

    if args.python is not None and args.python.is_dir():
        raise UsageError(f"{args.python}: a directory; give a file name for --python")
    model, params = import_keras(args.file)
    text = codegen(model, source=str(args.file)) if args.python is not None else None
    save(model, params, args.output)
    if text is not None:
        try:
            write_atomic(args.python, text.encode())
        except FileNotFoundError:
            raise TypednnError(f"{args.python}: its directory does not exist") from None
    print(f"{args.file}: imported {model.signature()}, {model.count_params():,} parameters, into {args.output}")
    return 0
