"""PlotHistory: the training curves as a PNG, redrawn as epochs end, every few seconds at most."""

from __future__ import annotations

import io
import math
import os
import sys
import time
from pathlib import Path

from .._files import write_atomic
from ._callback import Callback, Run


class PlotHistory(Callback):
    r"""Draw each metric by epoch (training and validation) into one PNG.

    The image is rewritten atomically after the first epoch, then after an epoch
    when `every_seconds` have passed since the last drawing, and when training ends,
    so an image viewer or a browser can watch a run; a crash leaves the previous
    image. Drawing takes a few tenths of a second, as much as a whole epoch of a
    small model: redrawing after every epoch would slow such a run down severalfold.

    Args:
        path: The PNG file.
        every_seconds: The least time between two drawings; 0 draws after every epoch.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "curves.png"
        >>> plot_history([{"loss": 0.9, "val_loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}], path)
        >>> path.read_bytes()[:4]
        b'\x89PNG'
    """

    def __init__(self, path: str | os.PathLike[str], *, every_seconds: float = 5.0) -> None:
        self.path = Path(path)
        self.every_seconds = every_seconds
        self._drawn_at = -math.inf  # when it last drew
        self._drawn = 0  # how many epochs that drawing showed

    def on_train_begin(self, run: Run) -> None:
        self._drawn_at, self._drawn = -math.inf, len(run.history)

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if run.is_chief and time.monotonic() - self._drawn_at >= self.every_seconds:
            self._draw(run)

    def on_train_end(self, run: Run) -> None:
        if not run.is_chief or len(run.history) == self._drawn:
            return
        # Reached after an error too (fit calls it from a `finally`): the picture must not hide that error.
        failing = sys.exc_info()[0] is not None
        try:
            self._draw(run)
        except Exception:
            if not failing:
                raise

    def _draw(self, run: Run) -> None:
        plot_history(run.history, self.path)
        self._drawn_at, self._drawn = time.monotonic(), len(run.history)


def plot_history(epochs: list[dict[str, float]], path: Path) -> None:
    """Draw per-epoch metrics into a PNG: one panel per metric, validation dashed."""
    # Imported here: matplotlib takes a second to import, and only this needs it.
    from matplotlib.figure import Figure  # noqa: PLC0415

    names = list(dict.fromkeys(name.removeprefix("val_") for epoch in epochs for name in epoch))
    figure = Figure(figsize=(4.5 * max(1, len(names)), 3.4), layout="constrained")
    for panel, name in zip(figure.subplots(1, max(1, len(names)), squeeze=False)[0], names):
        for key, style in ((name, "-"), (f"val_{name}", "--")):
            points = [(number + 1, epoch[key]) for number, epoch in enumerate(epochs) if key in epoch]
            if points:
                panel.plot(*zip(*points), style, marker="." if len(points) < 30 else None, label=key)
        panel.set_title(name)
        panel.set_xlabel("epoch")
        panel.grid(alpha=0.3)
        panel.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomic(path, buffer.getvalue())
