"""`Model.summary`: Keras's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ._memory import estimate

if TYPE_CHECKING:
    from ._model import Model


def summary(model: Model[Any, Any], *, batch_size: int | None) -> str:
    """The table `Model.summary` returns (see there)."""
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
            called[id(tensor)] = name
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
    header = ("Layer", "Name", "Output shape", "Connected to", "Params")
    columns = [0, 1, 2, 4] if chain else [0, 1, 2, 3, 4]
    widths = {i: max(len(header[i]), *(len(str(r[i])) for r in rows)) for i in columns}

    def line(row: tuple[Any, ...]) -> str:
        cells = [str(row[i]).rjust(widths[i]) if i == 4 else str(row[i]).ljust(widths[i]) for i in columns]
        return "  ".join(cells)

    total = sum(r[4] for r in rows)
    rule = "-" * len(line(header))
    footer = [f"Total params: {total:,}"]
    if model.lowered.has_state:  # Keras's split, shown only where there is something to split
        names = model.lowered.state_names
        fixed = sum(math.prod(shapes[layer][n].shape) for layer in names for n in names[layer])
        footer += [f"Trainable params: {total - fixed:,}", f"Non-trainable params: {fixed:,}"]
    if not chain:
        footer.append(f"Outputs: {', '.join(model.output_names)}")
    if batch_size is not None:
        footer += estimate(model).lines(batch_size)
    return "\n".join([f"Model {model.name!r}", line(header), rule, *(line(r) for r in rows), rule, *footer])
