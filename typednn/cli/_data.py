"""`typednn data inspect SPEC`: a spec's data before training (Kur's `kur data`; see `typednn.spec._inspect`)."""

from __future__ import annotations

import argparse
from typing import Any

from ._usage import existing


def add_data(commands: Any) -> None:
    command = commands.add_parser(
        "data",
        help="inspect a spec's data: schema, statistics, class balance",
        description="Look at a spec's data before training.",
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    inspect = actions.add_parser(
        "inspect",
        help="the data's columns, first rows, statistics, class balance and shape after data.transform",
        description=(
            "Print what a spec's data holds: its columns and their types, the first rows, per-column statistics"
            " (numbers: min, mean, max, empty cells; categories: distinct values, the most frequent), the class"
            " balance of the label (count and share per class), and with a data.transform section each column's"
            " width after its transforms (fitted on the training split, as training fits them). A CSV file is"
            " streamed: the statistics cover its first --rows rows."
        ),
    )
    inspect.add_argument("file", metavar="FILE", type=existing, help="a spec file with a data section")
    inspect.add_argument(
        "--rows", type=_count, default=None, metavar="N", help="the most rows the statistics read (default 100,000)"
    )
    inspect.add_argument(
        "--allow-pickle",
        action="store_true",
        help="trust pickle data sources: loading a pickle runs any code the file holds",
    )
    command.set_defaults(run=_data)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--rows takes a whole number >= 1, not {text!r}")
    return value


def _data(args: argparse.Namespace) -> int:
    from ..spec import read  # noqa: PLC0415 - JAX loads only for a command that needs it
    from ..spec._inspect import ROWS, inspect_data  # noqa: PLC0415

    spec = read(args.file)
    for line in inspect_data(spec, rows=args.rows or ROWS, allow_pickle=args.allow_pickle):
        print(line)
    return 0
