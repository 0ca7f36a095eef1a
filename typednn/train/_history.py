"""History: what `fit` returns, the metrics of every epoch."""

from __future__ import annotations

from collections.abc import Iterator

from .._html import table

HTML_ROWS = 20
"""A longer history shows its first and last epochs in Jupyter, with a row of dots between."""


class History:
    """Per-epoch metrics of a training run, as Keras's `History`.

    Attributes:
        epochs: One dict per epoch: `{"loss": .., "accuracy": .., "val_loss": ..}`.

    Example:
        >>> history = History([{"loss": 0.9}, {"loss": 0.5}])
        >>> history["loss"], len(history)
        ([0.9, 0.5], 2)
    """

    def __init__(self, epochs: list[dict[str, float]] | None = None) -> None:
        self.epochs: list[dict[str, float]] = list(epochs or [])

    @property
    def history(self) -> dict[str, list[float]]:
        """Each metric's values by epoch (Keras's `history.history`)."""
        names = dict.fromkeys(name for epoch in self.epochs for name in epoch)
        return {name: [epoch.get(name, float("nan")) for epoch in self.epochs] for name in names}

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]

    def __len__(self) -> int:
        return len(self.epochs)

    def __iter__(self) -> Iterator[dict[str, float]]:
        return iter(self.epochs)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.epochs[-1].items()) if self.epochs else ""
        return f"History({len(self)} epochs{': ' + last if last else ''})"

    def _repr_html_(self) -> str:
        """The epochs as an HTML table, for Jupyter: one row per epoch (the middle cut when long)."""
        names = list(self.history)
        numbered = [(str(n), *(_number(epoch.get(k)) for k in names)) for n, epoch in enumerate(self.epochs, start=1)]
        if len(numbered) > HTML_ROWS:
            numbered = [*numbered[:5], ("…", *("…" for _ in names)), *numbered[-(HTML_ROWS - 5) :]]
        return table(["epoch", *names], numbered, caption=repr(self), right=range(len(names) + 1))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"
