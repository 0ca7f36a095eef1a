"""PlotHistory: the training curves as a PNG, redrawn after every epoch."""

from __future__ import annotations

import io
import os
from pathlib import Path

from .._files import write_atomic
from ._callback import Callback, Run


class PlotHistory(Callback):
    r"""Draw each metric by epoch (training and validation) into one PNG.

    The image is rewritten atomically after every epoch, so an image viewer or a
    browser can watch a run; a crash leaves the previous image.

    Args:
        path: The PNG file.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> path = Path(tempfile.mkdtemp()) / "curves.png"
        >>> plot_history([{"loss": 0.9, "val_loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}], path)
        >>> path.read_bytes()[:4]
        b'\x89PNG'
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if run.is_chief:
            plot_history(run.history, self.path)


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
