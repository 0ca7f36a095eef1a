"""What `Model.plot` draws, and where: the boxes and arrows of a model's graph, laid out.

No drawing here (that is `_plot_draw`, with matplotlib): a `Diagram` lists one box per
input and per layer application and one arrow per connection; `layout` places them
in rows, top to bottom, as Graphviz's `dot` would (the layered method of Sugiyama et
al.), in three pure steps:

1. rows: each box one row below the lowest box it takes from (the longest path from
   the inputs); an input sits just above the first box that takes it;
2. order within a row: an arrow spanning several rows passes through a waypoint in
   each row between, and a few sweeps sort each row by the mean position of what it
   connects to in the row above (then below), which removes most crossings;
3. positions: each box as near as may be to the mean of its neighbours' positions,
   boxes at least a gap apart, found exactly by weighted isotonic regression (the
   pool-adjacent-violators algorithm); boxes weigh more than waypoints, so a chain
   stays straight and a skip connection bends around it.

Everything is deterministic: the same model gives the same picture.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._model import Model

SWEEPS = 6
"""Rounds of sorting (step 2) and of placing (step 3): more change little on real models."""
GAP = 24.0
"""The least space between two boxes of a row, in points."""
WAYPOINT_WIDTH = 8.0
"""The room an arrow passing through a row takes in it, in points."""
WAYPOINT_WEIGHT = 0.25
"""How much less a waypoint than a box pulls on its row's positions (step 3)."""


@dataclass(frozen=True)
class Box:
    """One input or one layer application.

    Attributes:
        name: The input's or layer's name; a shared layer's later applications `tower[1]`.
        what: `Input`, or the layer's repr: `Dense(784 -> 128)`.
        shape: The output shape(s), as the summary shows them.
        output: The model's output names this box gives, comma-separated, else "".
        shared: Whether its layer has parameters and is applied more than once (they are shared).
    """

    name: str
    what: str
    shape: str
    output: str = ""
    shared: bool = False

    @property
    def is_input(self) -> bool:
        return self.what == "Input"


@dataclass(frozen=True)
class Arrow:
    """A connection from box `source` to box `target` (indices), `label` naming a state part."""

    source: int
    target: int
    label: str = ""


@dataclass(frozen=True)
class Diagram:
    """The boxes, in run order (an arrow always points to a later box), and the arrows."""

    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def diagram(model: Model[Any, Any]) -> Diagram:
    """The boxes and arrows of `model`'s graph, named as its summary names them."""
    graph = model.graph
    boxes: list[Box] = [Box(name, "Input", repr(t.shape)) for name, t in zip(model.input_names, graph.inputs)]
    arrows: list[Arrow] = []
    # Where each tensor comes from: a box, and for a recurrent layer's state, which part.
    made: dict[int, tuple[int, str]] = {id(t): (i, "") for i, t in enumerate(graph.inputs)}
    uses: dict[int, int] = {}
    for node, _ in graph.nodes():
        assert node.layer is not None
        if node.layer.part_of is None:
            uses[id(node.layer)] = uses.get(id(node.layer), 0) + 1
    applied: dict[int, int] = {}
    for node, tensor in graph.nodes():
        layer = node.layer
        assert layer is not None
        name = graph.name(layer)
        if layer.part_of is not None:
            # `seq, h, c = LSTM(..., return_state=True)(x)`: the parts come out of the LSTM's box.
            owner, index = layer.part_of
            made[id(tensor)] = (made[id(node.inputs[0])][0], owner.output_parts()[index])
            continue
        index = applied[id(layer)] = applied.get(id(layer), -1) + 1
        shown = ", ".join(map(repr, layer.hyper.output_shapes(*(t.shape for t in node.inputs))))
        # Only weights are shared: an activation used twice (`nn.relu`) is no news.
        shared = uses[id(layer)] > 1 and layer.has_params
        label = name if index == 0 else f"{name}[{index}]"
        made[id(tensor)] = (len(boxes), "")
        arrows.extend(Arrow(made[id(t)][0], len(boxes), made[id(t)][1]) for t in node.inputs)
        boxes.append(Box(label, repr(layer), shown, shared=shared))
    outputs: dict[int, list[str]] = {}
    for name, tensor in zip(model.output_names, graph.outputs):
        outputs.setdefault(made[id(tensor)][0], []).append(name)
    for at, names in outputs.items():
        old = boxes[at]
        boxes[at] = Box(old.name, old.what, old.shape, ", ".join(names), old.shared)
    return Diagram(f"Model {model.name!r}", tuple(boxes), tuple(arrows))


@dataclass(frozen=True)
class Layout:
    """Where `layout` puts each box and arrow.

    Attributes:
        rows: Each box's row, 0 at the top.
        x: Each box's centre, in points from an arbitrary origin.
        paths: For each arrow, the waypoints it passes between its boxes: `(x, row)`.
    """

    rows: tuple[int, ...]
    x: tuple[float, ...]
    paths: tuple[tuple[tuple[float, int], ...], ...]


def layout(diagram: Diagram, widths: list[float]) -> Layout:
    """Rows and positions for `diagram`'s boxes, `widths[i]` points wide (see the module's steps)."""
    count = len(diagram.boxes)
    rows = _rows(diagram)
    # Items: the boxes, then one waypoint per row an arrow passes (step 2).
    item_row = list(rows)
    item_width = list(widths)
    item_weight = [1.0] * count
    chains: list[list[int]] = []  # each arrow's items, from its source to its target
    for arrow in diagram.arrows:
        chain = [arrow.source]
        for row in range(rows[arrow.source] + 1, rows[arrow.target]):
            chain.append(len(item_row))
            item_row.append(row)
            item_width.append(WAYPOINT_WIDTH)
            item_weight.append(WAYPOINT_WEIGHT)
        chains.append([*chain, arrow.target])
    above: list[list[int]] = [[] for _ in item_row]
    below: list[list[int]] = [[] for _ in item_row]
    for chain in chains:
        for upper, lower in itertools.pairwise(chain):
            above[lower].append(upper)
            below[upper].append(lower)
    order: list[list[int]] = [[] for _ in range(max(rows, default=0) + 1)]
    for item, row in enumerate(item_row):
        order[row].append(item)
    x = _pack(order, item_width)
    for _ in range(SWEEPS):
        for ranks, links in ((order[1:], above), (order[-2::-1], below)):
            for items in ranks:
                items.sort(key=lambda item: _mean([x[n] for n in links[item]], x[item]))
                for at, item in enumerate(items):
                    x[item] = float(at)  # the new order, before step 3 gives real positions
        x = _pack(order, item_width)
    for _ in range(SWEEPS):
        for ranks, links in ((order[1:], above), (order[-2::-1], below)):
            for items in ranks:
                wanted = [_mean([x[n] for n in links[item]], x[item]) for item in items]
                placed = _place(wanted, [item_width[i] for i in items], [item_weight[i] for i in items])
                for item, value in zip(items, placed):
                    x[item] = value
    paths = tuple(tuple((x[item], item_row[item]) for item in chain[1:-1]) for chain in chains)
    return Layout(tuple(rows), tuple(x[:count]), paths)


def _rows(diagram: Diagram) -> list[int]:
    """Step 1: each box's row; the boxes come in run order, so one pass finds them."""
    rows = [0] * len(diagram.boxes)
    takes: list[list[int]] = [[] for _ in diagram.boxes]
    for arrow in diagram.arrows:
        takes[arrow.target].append(arrow.source)
    for box, sources in enumerate(takes):
        if sources:
            rows[box] = 1 + max(rows[s] for s in sources)
    for box, sources in enumerate(takes):  # an input taken late (a merge's side input) sits by its use
        if not sources and diagram.boxes[box].is_input:
            used = [rows[a.target] for a in diagram.arrows if a.source == box]
            rows[box] = min(used, default=1) - 1
    return rows


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _pack(order: list[list[int]], widths: list[float]) -> list[float]:
    """Each row's items side by side in their order, the row centred on 0."""
    x = [0.0] * len(widths)
    for items in order:
        span = sum(widths[i] for i in items) + GAP * (len(items) - 1)
        left = -span / 2
        for item in items:
            x[item] = left + widths[item] / 2
            left += widths[item] + GAP
    return x


def _place(wanted: list[float], widths: list[float], weights: list[float]) -> list[float]:
    """Positions in this order, each at least a gap from the next, nearest `wanted` (weighted least squares).

    With `c[j]` the least distance from the first item to item `j`, `y = x - c` must not
    decrease: the nearest such `y` to `wanted - c` is their weighted isotonic regression,
    which pooling adjacent violators finds in one pass.
    """
    offsets = [0.0]
    for left, right in itertools.pairwise(widths):
        offsets.append(offsets[-1] + (left + right) / 2 + GAP)
    blocks: list[list[float]] = []  # [weighted mean, weight, items]
    for value, offset, weight in zip(wanted, offsets, weights):
        blocks.append([value - offset, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight_b, items_b = blocks.pop()
            total = blocks[-1][1] + weight_b
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * weight_b) / total, total, blocks[-1][2] + items_b]
    placed: list[float] = []
    for mean, _, items in blocks:
        placed.extend([mean] * int(items))
    return [y + offset for y, offset in zip(placed, offsets)]
