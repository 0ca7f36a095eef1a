"""`typednn export`: a trained model as a portable artifact, StableHLO or ONNX, verified on writing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._usage import UsageError, existing

FORMATS = ("stablehlo", "onnx")


def add_export(commands: Any) -> None:
    command = commands.add_parser(
        "export",
        help="a trained model as StableHLO or ONNX, for other runtimes",
        description=(
            "Write the model in DIR (a directory that tn.save or `typednn train` wrote) as a portable artifact:"
            " --format stablehlo, a directory with model.stablehlo (jax.export's serialized program, run from"
            " plain JAX) and signature.json; --format onnx, one .onnx file (through jax2onnx; needs"
            " pip install 'typednn[onnx]'). Both take a symbolic batch axis and record each input's and output's"
            " name, shape and dtype, and the saved column transforms. The artifact's outputs on sample inputs are"
            " compared with the model's before it is written: a difference over 1e-5 refuses the export. OUT must"
            " not exist."
        ),
    )
    command.add_argument("--model", metavar="DIR", type=existing, required=True, help="an exported model directory")
    command.add_argument("--format", choices=FORMATS, required=True, help="stablehlo or onnx")
    command.add_argument("-o", "--output", metavar="OUT", type=Path, required=True, help="the new file or directory")
    command.add_argument("--opset", metavar="N", type=int, help="the ONNX opset (default: 24)")
    command.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    from ..export import load, onnx, stablehlo  # noqa: PLC0415 - see typednn.cli._commands
    from ..export._portable import check_new  # noqa: PLC0415

    if args.opset is not None and args.format != "onnx":
        raise UsageError("--opset takes --format onnx; a StableHLO export has no opset")
    check_new(args.output.absolute(), f"{args.format} export")  # before the seconds that loading takes
    loaded = load(args.model)
    model, params = loaded
    if args.format == "onnx":
        report = onnx(model, params, args.output, opset=args.opset, transform=loaded.transform)
    else:
        report = stablehlo(model, params, args.output, transform=loaded.transform)
    print(report.summary())
    return 0
