"""`typednn plot`: a spec's model drawn as a graph picture, as Keras's `plot_model` draws one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._usage import existing


def add_plot(commands: Any) -> None:
    command = commands.add_parser(
        "plot",
        help="draw a spec's model as a graph picture (SVG or PNG)",
        description=(
            "Draw the spec's model into FILE: one box per layer (its name, what it is, its output shape),"
            " inputs and outputs marked, an arrow per connection. The suffix of FILE, .svg or .png, picks the"
            " format; an existing FILE is replaced only if it is a picture."
        ),
    )
    command.add_argument("file", metavar="SPEC", type=existing, help="a spec file")
    command.add_argument(
        "-o", "--output", metavar="FILE", type=Path, required=True, help="the picture: a .svg or .png file"
    )
    command.set_defaults(run=_plot)


def _plot(args: argparse.Namespace) -> int:
    from ..spec import read  # noqa: PLC0415 - the spec package imports JAX: only when the command runs

    spec = read(args.file)
    path = spec.model.plot(args.output)
    print(f"{path}: the graph of {spec.model.name!r}, {len(spec.model.graph.nodes())} layer applications")
    return 0
