"""The progress of `fit`: a live bar per epoch on a terminal, one plain line per epoch elsewhere."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from .._errors import TypednnError
from ._callback import Callback, Run, Steps

# 0 silent, 1 a live bar, 2 a line per epoch, "auto" 1 on a terminal and 2 otherwise.
Verbose = int | Literal["auto"]


def _significant(value: float) -> str:
    # Four significant digits, trailing zeros kept so that columns line up: 0.9700, 1235, 1.200e-06.
    return format(float(value), "#.4g").rstrip(".")


def _metrics(logs: Mapping[str, float]) -> str:
    return " - ".join(f"{key} {_significant(value)}" for key, value in logs.items())


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


class ProgressBar(Callback):
    """Show how `fit` is going.

    With `verbose=1`, a live bar per epoch: `epoch 3/10`, batches done of the
    epoch's total, the running loss and metrics (4 significant digits), examples per
    second and the time left. When the epoch ends its line stays, completed with the
    `val_` metrics. With `verbose=2`, one plain line per epoch and no animation:
    `epoch 3/10 - 1.2s - loss 0.1234 - accuracy 0.9700 - val_loss 0.1301 - ...`.
    With `verbose=0`, nothing. `"auto"` picks 1 on a terminal (or in Jupyter) and 2
    otherwise, so logs of CI jobs and pipes hold plain lines. Only the chief
    process prints.

    Args:
        verbose: 0, 1, 2 or `"auto"`.
        console: Where to print; a rich `Console` on stdout by default (pass one
            writing to a file or `io.StringIO` to capture the output).

    Raises:
        TypednnError: If `verbose` is not one of those.

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> bar = ProgressBar(verbose="auto", console=Console(file=io.StringIO()))
    """

    def __init__(self, *, verbose: Verbose = "auto", console: Console | None = None) -> None:
        if verbose not in (0, 1, 2, "auto") or isinstance(verbose, bool):
            raise TypednnError(
                f"ProgressBar verbose must be 0, 1, 2 or 'auto', got {verbose!r}",
                hint="0 prints nothing, 1 shows a live bar, 2 prints one line per epoch",
            )
        self.verbose = verbose
        self.console = console
        self._lines: Console | None = None  # where verbose=2 prints its lines; None otherwise
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._epoch_start = 0.0
        self._examples = 0
        self._seconds = 0.0

    def on_train_begin(self, run: Run) -> None:
        self._lines = None
        if not run.is_chief:
            return
        # Made here, not in __init__, so that the default console finds the stdout of the time.
        console = self.console if self.console is not None else Console()
        auto = 1 if console.is_terminal or console.is_jupyter else 2
        mode = auto if self.verbose == "auto" else self.verbose
        if mode == 2:
            self._lines = console
        elif mode == 1:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[metrics]}", markup=False),
                TextColumn("{task.fields[speed]}", markup=False),
                TimeRemainingColumn(elapsed_when_finished=True),
                console=console,
            )
            self._progress.start()

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        self._epoch_start = time.perf_counter()
        self._examples, self._seconds = 0, 0.0
        if self._progress is not None:
            self._task = self._progress.add_task(
                f"epoch {epoch + 1}/{run.epochs}", total=run.steps_per_epoch or None, metrics="", speed=""
            )

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        if self._progress is None or self._task is None:
            return
        self._examples += steps.examples
        self._seconds += steps.seconds
        speed = f"{self._examples / self._seconds:,.0f} examples/s" if self._seconds > 0 else ""
        self._progress.update(self._task, completed=steps.batch, metrics=_metrics(steps.logs), speed=speed)

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if self._lines is not None:
            parts = [f"epoch {epoch + 1}/{run.epochs}", _duration(time.perf_counter() - self._epoch_start)]
            line = " - ".join([*parts, _metrics(logs)] if logs else parts)
            self._lines.print(line, markup=False, highlight=False, soft_wrap=True)
        if self._progress is None or self._task is None:
            return
        self._progress.update(self._task, completed=run.steps_per_epoch, metrics=_metrics(logs))
        # Printed above the live display, the finished line scrolls away like any output,
        # so a long run does not grow the live area by a line per epoch. The task leaves
        # the display first, so that no stale copy of it is redrawn under the print.
        finished = [task for task in self._progress.tasks if task.id == self._task]
        self._progress.remove_task(self._task)
        self._progress.refresh()
        self._progress.console.print(self._progress.make_tasks_table(finished))
        self._task = None

    def on_train_end(self, run: Run) -> None:
        # Also reached after an error: stopping leaves the unfinished epoch's line on screen.
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None
