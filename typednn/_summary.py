"""`Model.summary`: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from ._html import table
from ._memory import estimate
from ._reading import size

if TYPE_CHECKING:
    from ._model import Model

HEADER = ("Layer", "Name", "Output shape", "Connected to", "Params")


@dataclass(frozen=True)
class Table:
    """The summary's content, before it is laid out as text or HTML.

    Attributes:
        title: `Model 'mlp'`.
        columns: Which of `HEADER`'s columns show: a chain has no "Connected to".
        rows: One per input and per layer application: the cells of `HEADER`, the
            parameter count last (a number).
        footer: The totals and notes under the table.
    """

    title: str
    columns: tuple[int, ...]
    rows: tuple[tuple[str, str, str, str, int], ...]
    footer: tuple[str, ...]


def _nbytes(arrays: object) -> int:
    """The bytes of the arrays (`ShapeDtypeStruct`s) in a tree, each in its own dtype."""
    leaves = jax.tree_util.tree_leaves(arrays)
    return sum(math.prod(a.shape) * np.dtype(a.dtype).itemsize for a in leaves)


def tabulate(model: Model[Any, Any], *, batch_size: int | None) -> Table:
    """The rows and totals of `Model.summary` (see there)."""
    graph = model.graph
    shapes = model.param_shapes()
    # What each tensor is called in the "Connected to" column: an input's name, or the
    # layer that made it (`encoder[1]` for a shared layer's second application).
    called = {id(t): name for name, t in zip(model.input_names, graph.inputs)}
    applied: dict[int, int] = {}
    rows: list[tuple[str, str, str, str, int]] = [
        ("Input", name, repr(t.shape), "", 0) for name, t in zip(model.input_names, graph.inputs)
    ]
    counted: set[str] = set()  # a layer applied twice shares its parameters: count them once
    chain = len(graph.inputs) == len(graph.outputs) == 1
    previous = graph.inputs[0]
    for node, tensor in graph.nodes():
        assert node.layer is not None
        name = graph.name(node.layer)
        if node.layer.part_of is not None:
            # A recurrent layer's output or state: its layer's row shows it (Keras's list of shapes).
            owner, part_index = node.layer.part_of
            part = owner.output_parts()[part_index]
            called[id(tensor)] = called[id(node.inputs[0])] + (f".{part}" if part else "")
            continue
        arrays = {} if name in counted else shapes.get(name, {})
        counted.add(name)
        count = sum(math.prod(a.shape) for a in arrays.values())
        index = applied[id(node.layer)] = applied.get(id(node.layer), -1) + 1
        called[id(tensor)] = name if index == 0 else f"{name}[{index}]"
        chain = chain and node.inputs == (previous,)
        previous = tensor
        sources = ", ".join(called[id(t)] for t in node.inputs)
        shown = ", ".join(map(repr, node.layer.hyper.output_shapes(*(t.shape for t in node.inputs))))
        rows.append((repr(node.layer), name, shown, sources, count))
    total = sum(r[4] for r in rows)
    # Keras's "Total params: 1,234 (4.82 KB)": the bytes are the arrays' own dtypes'.
    total_bytes = sum(_nbytes(arrays) for arrays in shapes.values())
    footer = [f"Total params: {total:,} ({size(total_bytes)})"]
    if model.lowered.has_state:  # Keras's split, shown only where there is something to split
        names = model.lowered.state_names
        state = {f"{layer}/{n}": shapes[layer][n] for layer in names for n in names[layer]}
        fixed = sum(math.prod(a.shape) for a in state.values())
        fixed_bytes = _nbytes(state)
        footer += [
            f"Trainable params: {total - fixed:,} ({size(total_bytes - fixed_bytes)})",
            f"Non-trainable params: {fixed:,} ({size(fixed_bytes)})",
        ]
    if not chain:
        footer.append(f"Outputs: {', '.join(model.output_names)}")
    if batch_size is not None:
        footer += estimate(model).lines(batch_size)
    columns = (0, 1, 2, 4) if chain else (0, 1, 2, 3, 4)
    return Table(f"Model {model.name!r}", columns, tuple(rows), tuple(footer))


def summary(model: Model[Any, Any], *, batch_size: int | None) -> str:
    """The table `Model.summary` returns (see there)."""
    found = tabulate(model, batch_size=batch_size)
    cells = [HEADER, *((*row[:4], f"{row[4]:,}") for row in found.rows)]
    widths = {i: max(len(row[i]) for row in cells) for i in found.columns}

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(row[i].rjust(widths[i]) if i == 4 else row[i].ljust(widths[i]) for i in found.columns)

    rule = "-" * len(line(HEADER))
    return "\n".join([found.title, line(HEADER), rule, *(line(r) for r in cells[1:]), rule, *found.footer])


def summary_html(model: Model[Any, Any]) -> str:
    """The summary as an HTML table, for Jupyter (`Model._repr_html_`); every text escaped."""
    found = tabulate(model, batch_size=None)
    rows = ([(*row[:4], f"{row[4]:,}")[i] for i in found.columns] for row in found.rows)
    header = [HEADER[i] for i in found.columns]
    return table(header, rows, caption=found.title, footer=found.footer, right=[len(header) - 1])
