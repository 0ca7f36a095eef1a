"""`Model.plot`: the graph picture, drawn with matplotlib and written atomically.

Why matplotlib and not Graphviz (what Keras's `plot_model` uses): Graphviz needs its
`dot` program, which pip cannot install and many machines (CI runners, clusters) lack;
matplotlib is already a dependency and draws SVG and PNG alone. `_plot_graph` lays the
graph out as `dot` would.

The picture is deterministic: one bundled font (DejaVu Sans Mono, so a box's width
is known from its text's length), no date in the SVG, fixed SVG ids. Texts are never
read as TeX (a name may hold `$`), and SVG keeps them as text, so a browser can search
the picture for a layer's name.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import TypednnError
from ._files import WRITE_ERRNOS, write_atomic
from ._plot_graph import Box, Diagram, Layout, diagram, layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._model import Model

FORMATS = (".svg", ".png")
FONT = "DejaVu Sans Mono"
FONT_SIZE = 9.0
CHAR_WIDTH = 0.62 * FONT_SIZE  # DejaVu Sans Mono's advance (0.602 em), and room for hinting
LINE = 11.5
PAD = 7.0
ROW_GAP = 34.0
MARGIN = 12.0
MOST_CHARS = 56
"""A longer text (a block's repr) is cut with an ellipsis, so one box never widens a whole row."""
MOST_PIXELS = 16_000
"""A PNG's longest side at most: a deep model's picture is scaled down to fit (an SVG scales itself)."""
MOST_BOXES = 2_000
"""Larger graphs are not drawn: matplotlib would take minutes, and nobody could read the picture."""
DPI = 100.0

COLOURS = {"input": "#d8f0d8", "layer": "#dde7f5", "output": "#fde2c0", "edge": "#444444", "border": "#5a6f8f"}


def plot(model: Model[Any, Any], path: Path) -> Path:
    """Draw `model` into `path` (`.svg` or `.png`); see `Model.plot`."""
    if path.is_dir():
        raise TypednnError(f"{path}: a directory", hint="give a file name, e.g. model.svg")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise TypednnError(
            f"{path}: a graph picture is an .svg or .png file, not {suffix or 'a file without a suffix'}",
            hint="name the file model.svg or model.png",
        )
    _check_target(path)
    found = diagram(model)
    if len(found.boxes) > MOST_BOXES:
        raise TypednnError(
            f"model {model.name!r}: {len(found.boxes):,} inputs and layers are too many to draw"
            f" (at most {MOST_BOXES:,})",
            hint="print model.summary() instead",
        )
    data = render(found, suffix[1:])
    try:
        write_atomic(path, data)
    except FileNotFoundError:
        raise TypednnError(
            f"{path}: its directory does not exist", hint="make the directory, or give another path"
        ) from None
    except OSError as error:
        if error.errno in WRITE_ERRNOS:
            raise TypednnError(f"{path}: cannot write the picture: {error.strerror}") from None
        raise
    return path


def _check_target(path: Path) -> None:
    """Refuse to replace anything but a picture (or an empty file): a mistyped `-o model.yaml` loses nothing."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise TypednnError(f"{path}: cannot be read: {error.strerror}") from None
    if stat.S_ISDIR(found.st_mode):
        raise TypednnError(f"{path}: a directory", hint="give a file name, e.g. model.svg")
    if stat.S_ISREG(found.st_mode) and (found.st_size == 0 or _is_picture(path)):
        return
    raise TypednnError(
        f"{path}: already holds something that is not an SVG or PNG picture; typednn writes a picture only"
        " over a picture",
        hint="give another file name, or move that file away",
    )


def _is_picture(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            head = file.read(4096)
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM):
            return False
        raise
    return head.startswith(b"\x89PNG\r\n\x1a\n") or (head.lstrip().startswith((b"<?xml", b"<svg")) and b"<svg" in head)


def box_lines(box: Box) -> list[str]:
    """The lines of text in a box: its name, what it is, its output shape, and whether it is an output."""
    lines = [box.name + ("  (shared)" if box.shared else ""), box.what, f"out {box.shape}"]
    if box.output:
        lines.append(f"model output: {box.output}")
    return [line if len(line) <= MOST_CHARS else line[: MOST_CHARS - 1] + "…" for line in lines]


def render(found: Diagram, kind: str) -> bytes:
    """The picture of a diagram as SVG or PNG bytes."""
    # Imported here: matplotlib takes a second to import, and only pictures need it.
    from matplotlib import rc_context  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    texts = [box_lines(box) for box in found.boxes]
    widths = [max(map(len, lines)) * CHAR_WIDTH + 2 * PAD for lines in texts]
    heights = [len(lines) * LINE + 2 * PAD for lines in texts]
    placed = layout(found, widths)
    pitch = max(heights, default=0.0) + ROW_GAP
    title_room = 2 * LINE
    left = min((x - w / 2 for x, w in zip(placed.x, widths)), default=0.0) - MARGIN
    right = max((x + w / 2 for x, w in zip(placed.x, widths)), default=0.0) + MARGIN
    right = max(right, left + len(found.title) * CHAR_WIDTH + 2 * MARGIN)
    bottom = -(max(placed.rows, default=0) * pitch + max(heights, default=0.0)) - MARGIN
    top = title_room + MARGIN
    size = ((right - left) / 72, (top - bottom) / 72)
    dpi = min(DPI, MOST_PIXELS / max(size))
    # The rc settings inline: matplotlib types their keys as literals.
    with rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "typednn",
            "font.family": "monospace",
            "font.monospace": [FONT],
            "font.size": FONT_SIZE,
            "text.usetex": False,
        }
    ):
        figure = Figure(figsize=size, dpi=dpi)
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(left, right)
        axes.set_ylim(bottom, top)
        axes.set_axis_off()
        axes.text(left + MARGIN, top - MARGIN, found.title, va="top", weight="bold", parse_math=False)
        _draw(axes, found, placed, texts, widths, heights, pitch)
        buffer = io.BytesIO()
        metadata = {"Date": None} if kind == "svg" else {"Software": None}
        figure.savefig(buffer, format=kind, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def _draw(
    axes: Axes,
    found: Diagram,
    placed: Layout,
    texts: list[list[str]],
    widths: list[float],
    heights: list[float],
    pitch: float,
) -> None:
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: PLC0415
    from matplotlib.path import Path as Curve  # noqa: PLC0415

    tops = [-row * pitch for row in placed.rows]
    for i, box in enumerate(found.boxes):
        kind = "input" if box.is_input else "output" if box.output else "layer"
        x, top = placed.x[i], tops[i]
        axes.add_patch(
            FancyBboxPatch(
                (x - widths[i] / 2, top - heights[i]),
                widths[i],
                heights[i],
                boxstyle="round,pad=0,rounding_size=4",
                facecolor=COLOURS[kind],
                edgecolor=COLOURS["border"],
                linestyle="--" if box.shared else "-",
                linewidth=1.0,
            )
        )
        for n, line in enumerate(texts[i]):
            axes.text(
                x,
                top - PAD - n * LINE,
                line,
                ha="center",
                va="top",
                weight="bold" if n == 0 else "normal",
                parse_math=False,
            )
    ins = _ports(found, placed, widths, incoming=True)
    outs = _ports(found, placed, widths, incoming=False)
    for a, arrow in enumerate(found.arrows):
        start = (outs[a], tops[arrow.source] - heights[arrow.source])
        end = (ins[a], tops[arrow.target])
        # A waypoint's row holds boxes: the arrow passes them at their middle height.
        middle = [(x, -row * pitch - (pitch - ROW_GAP) / 2) for x, row in placed.paths[a]]
        points = [start, *middle, end]
        curve = Curve(points, [Curve.MOVETO, *[Curve.LINETO] * (len(points) - 1)])
        axes.add_patch(
            FancyArrowPatch(path=curve, arrowstyle="-|>", mutation_scale=9, color=COLOURS["edge"], linewidth=0.9)
        )
        if arrow.label:
            axes.text(start[0] + 3, start[1] - 3, arrow.label, va="top", fontsize=FONT_SIZE - 1, parse_math=False)


def _ports(found: Diagram, placed: Layout, widths: list[float], *, incoming: bool) -> list[float]:
    """Where each arrow leaves its source (or enters its target): spread along the box, as its other ends lie."""
    by_box: dict[int, list[int]] = {}
    for a, arrow in enumerate(found.arrows):
        by_box.setdefault(arrow.target if incoming else arrow.source, []).append(a)
    ports = [0.0] * len(found.arrows)
    for box, arrows in by_box.items():

        def other_end(a: int) -> float:
            path = placed.paths[a]
            if path:
                return path[-1][0] if incoming else path[0][0]
            arrow = found.arrows[a]
            return placed.x[arrow.source if incoming else arrow.target]

        arrows.sort(key=lambda a: (other_end(a), a))
        span = widths[box] * 0.6
        for n, a in enumerate(arrows):
            ports[a] = placed.x[box] + (span * ((n + 1) / (len(arrows) + 1) - 0.5) if len(arrows) > 1 else 0.0)
    return ports
