"""The progress of `fit`: a live bar per epoch on a terminal, one plain line per epoch elsewhere.

The live line is laid out for the terminal's width, so that an 80-column terminal
shows the epoch number and every value whole: the bar goes first, then the time
left and the speed, and then the metrics move onto lines of their own below.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.progress import Progress, Task, TaskID
from rich.text import Text

from .._errors import TypednnError
from ._callback import Callback, Run, Steps

# 0 silent, 1 a live bar, 2 a line per epoch, "auto" 1 on a terminal and 2 otherwise.
Verbose = int | Literal["auto"]

_BAR_WIDTH = (10, 40)
"""The narrowest bar worth drawing and the widest drawn (rich's default width)."""
_INDENT = "  "
"""Before each line of metrics that did not fit on the epoch's first line."""
INPUT_SHOWN = 0.10
"""The share of an epoch spent waiting for input above which its line says so."""
INPUT_NOISE = 0.05
"""Seconds of waiting too few to mention, whatever their share: a tiny epoch's first chunk is all wait."""
COMPILE_NOISE = 0.05
"""Seconds of compiling too few to mention on an epoch's line."""


def input_note(share: float | None) -> list[str]:
    """`["input 38% of the time"]` when waiting for input took more than `INPUT_SHOWN` of an epoch; else nothing."""
    if share is None or share <= INPUT_SHOWN:
        return []
    return [f"input {min(share, 1.0):.0%} of the time"]


def compile_note(seconds: float) -> str:
    """`"compile 6.1s"` when an epoch spent at least `COMPILE_NOISE` seconds compiling; else ``""``."""
    return f"compile {_duration(seconds)}" if seconds >= COMPILE_NOISE else ""


def _significant(value: float) -> str:
    # Four significant digits, trailing zeros kept so that columns line up: 0.9700, 1235, 1.200e-06.
    return format(float(value), "#.4g").rstrip(".")


def _metric_items(logs: Mapping[str, float]) -> list[str]:
    return [f"{key} {_significant(value)}" for key, value in logs.items()]


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def _clock(seconds: float | None) -> str:
    # rich's own format for the time left, `-:--:--` while it cannot tell yet.
    return "-:--:--" if seconds is None else str(timedelta(seconds=max(0, int(seconds))))


def jupyter_live_ok() -> bool:
    """Whether rich can animate a bar in Jupyter: it needs ipywidgets, and warns on every refresh without it."""
    return importlib.util.find_spec("ipywidgets") is not None


def layout(
    head: str,
    *,
    width: int,
    metrics: Sequence[str] = (),
    count: str = "",
    done: float | None = None,
    speed: str = "",
    clock: str = "",
    finished: bool = False,
) -> list[Text]:
    """The lines of one epoch for a display `width` columns wide; nothing is ever cut.

    One line when everything fits (the bar as wide as the room left, up to 40
    columns); else the bar is dropped, then the clock, then the speed; and when the
    epoch and its values still do not fit, the metrics go onto indented lines of
    their own, as many to a line as fit, the bar and clock back on the first line.

    Args:
        head: `epoch 3/10` (always first, never dropped).
        width: The columns available.
        metrics: `loss 0.1234`, ...: each item is kept whole on one line.
        count: `12/40`, or what stands in for it (`compiling… 3.2s`).
        done: The share of the epoch done, 0 to 1, for the bar; None for no bar.
        speed: `1,234 examples/s`.
        clock: The time left, or the time taken once finished.
        finished: Colour the bar as a finished one.

    Returns:
        The lines, each at most `width` columns unless one item alone is wider.
    """
    joined = " - ".join(metrics)

    def line(*parts: str | Text) -> Text:
        return Text(" ").join(Text(part) if isinstance(part, str) else part for part in parts if part)

    def with_bar(*parts: str) -> Text | None:
        # The bar sits after the head and takes the room the other parts leave.
        rest = line(*parts[1:])
        room = width - len(parts[0]) - len(rest) - (2 if rest else 1)
        if done is None or room < _BAR_WIDTH[0]:
            return None
        return line(parts[0], _bar(done, min(room, _BAR_WIDTH[1]), finished=finished), rest)

    one = (head, count, joined, speed, clock)
    for parts in (one, (head, count, joined, speed), (head, count, joined)):
        if len(line(*parts)) <= width:
            return [with_bar(*one) or line(*parts)]
    # The metrics go below; the first line keeps what fits of the rest, the bar last.
    firsts = ((head, count, speed, clock), (head, count, clock), (head, count))
    first = next((text for parts in firsts if (text := with_bar(*parts)) is not None), None)
    if first is None:
        first = next((text for parts in firsts if len(text := line(*parts)) <= width), line(head, count))
    lines = [first]
    current = ""
    for item in metrics:
        candidate = f"{current} - {item}" if current else item
        if current and len(_INDENT) + len(candidate) > width:
            lines.append(Text(_INDENT + current))
            candidate = item
        current = candidate
    if current:
        lines.append(Text(_INDENT + current))
    return lines


def _bar(done: float, width: int, *, finished: bool) -> Text:
    filled = round(width * min(max(done, 0.0), 1.0))
    style = "bar.finished" if finished else "bar.complete"
    return Text.assemble(("━" * filled, style), ("━" * (width - filled), "bar.back"))


class _EpochLines:
    """The lines of some epochs' tasks, laid out when rendered, for the width rich offers then."""

    def __init__(self, tasks: Iterable[Task], now: float) -> None:
        self.tasks = list(tasks)
        self.now = now

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for task in self.tasks:
            yield from self.lines(task, options.max_width)

    def lines(self, task: Task, width: int) -> list[Text]:
        fields: dict[str, Any] = task.fields
        since: float | None = fields.get("compiling_since")
        if since is not None:
            # The first dispatch compiles (10 s and more): say so rather than sit at 0/40.
            count, done, clock = f"compiling… {_duration(self.now - since)}", None, ""
        else:
            total = "?" if task.total is None else f"{task.total:.0f}"
            count = f"{task.completed:.0f}/{total}"
            done = None if not task.total else task.completed / task.total
            clock = _clock(task.finished_time if task.finished else task.time_remaining)
        return layout(
            str(task.description),
            width=width,
            metrics=fields.get("metrics", []),
            count=count,
            done=done,
            speed=fields.get("speed", ""),
            clock=clock,
            finished=task.finished,
        )


class _EpochProgress(Progress):
    """rich's Progress, each task drawn as `layout` lays it out rather than as a table of columns."""

    def get_renderables(self) -> Iterable[RenderableType]:
        yield _EpochLines(self.tasks, time.monotonic())

    def finished_lines(self, task_id: TaskID) -> _EpochLines:
        return _EpochLines([task for task in self.tasks if task.id == task_id], time.monotonic())


class ProgressBar(Callback):
    """Show how `fit` is going.

    With `verbose=1`, a live bar per epoch: `epoch 3/10`, batches done of the
    epoch's total, the running loss and metrics (4 significant digits), examples per
    second and the time left; until the first steps return (they compile),
    `compiling… 4.2s` instead. When the epoch ends its line stays, completed with
    the `val_` metrics. The line fits the terminal's width: on a narrow one the bar,
    the time left and the speed go first, then the metrics wrap onto lines below;
    the epoch number and the values are always whole. With `verbose=2`, one plain
    line per epoch and no animation: `epoch 3/10 - 1.2s - loss 0.1234 - accuracy 0.9700 - val_loss 0.1301 - ...`;
    an epoch that compiled says for how long (`epoch 1/10 - 7.3s (compile 6.1s) - ...`;
    the live bar's finished line ends with `compile 6.1s`).
    With `verbose=0`, nothing. `"auto"` picks 1 on a terminal (or in Jupyter) and 2
    otherwise, so logs of CI jobs and pipes hold plain lines; in Jupyter without
    `ipywidgets` (which rich needs to animate there), plain lines too. Only the
    chief process prints.

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
        self._progress: _EpochProgress | None = None
        self._compiling = False  # until the run's first dispatch returns: it compiles
        self._task: TaskID | None = None
        self._epoch_start = 0.0
        self._examples = 0
        self._seconds = 0.0
        self._input_share: float | None = None  # of the epoch ending, from `input_time`
        self._compile_seconds = 0.0  # of the epoch ending, from `compile_time`

    def input_time(self, waited: float, seconds: float) -> None:
        """How long the epoch ending waited for its input, of `seconds` in all (`fit` tells, before `on_epoch_end`).

        When the wait is over a tenth of the epoch, the input is the bottleneck, and
        the epoch's line ends with `input 38% of the time` (unless it waited under
        `INPUT_NOISE` seconds in all).
        """
        self._input_share = waited / seconds if seconds > 0 and waited >= INPUT_NOISE else None

    def compile_time(self, seconds: float) -> None:
        """How long the epoch ending spent compiling its steps (`fit` tells, before `on_epoch_end`).

        Its line then states it: `epoch 1/10 - 7.3s (compile 6.1s) - ...` (not under
        `COMPILE_NOISE` seconds; with a warm compilation cache, it is the time to read
        the programs back).
        """
        self._compile_seconds = seconds

    def on_train_begin(self, run: Run) -> None:
        self._lines = None
        if not run.is_chief:
            return
        # Made here, not in __init__, so that the default console finds the stdout of the time.
        console = self.console if self.console is not None else Console()
        auto = 1 if console.is_terminal or console.is_jupyter else 2
        mode = auto if self.verbose == "auto" else self.verbose
        if mode == 1 and console.is_jupyter and not jupyter_live_ok():
            # Without ipywidgets rich cannot animate in Jupyter and warns at every
            # refresh; the notebook shows plain lines well.
            mode = 2
        if mode == 2:
            self._lines = console
        elif mode == 1:
            self._progress = _EpochProgress(console=console)
            self._compiling = True
            self._progress.start()

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        self._epoch_start = time.perf_counter()
        self._examples, self._seconds = 0, 0.0
        self._input_share = None
        self._compile_seconds = 0.0
        if self._progress is not None:
            since = time.monotonic() if self._compiling else None
            self._task = self._progress.add_task(
                f"epoch {epoch + 1}/{run.epochs}",
                total=run.steps_per_epoch or None,
                metrics=[],
                speed="",
                compiling_since=since,
            )

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        if self._progress is None or self._task is None:
            return
        self._compiling = False
        self._examples += steps.examples
        self._seconds += steps.seconds
        speed = f"{self._examples / self._seconds:,.0f} examples/s" if self._seconds > 0 else ""
        self._progress.update(
            self._task,
            completed=steps.batch,
            metrics=_metric_items(steps.logs),
            speed=speed,
            compiling_since=None,
        )

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if self._lines is not None:
            took = _duration(time.perf_counter() - self._epoch_start)
            note = compile_note(self._compile_seconds)
            parts = [f"epoch {epoch + 1}/{run.epochs}", f"{took} ({note})" if note else took]
            line = " - ".join([*parts, *_metric_items(logs), *input_note(self._input_share)])
            self._lines.print(line, markup=False, highlight=False, soft_wrap=True)
        if self._progress is None or self._task is None:
            return
        self._compiling = False
        compiled = compile_note(self._compile_seconds)
        items = [*_metric_items(logs), *input_note(self._input_share), *([compiled] if compiled else [])]
        self._progress.update(self._task, completed=run.steps_per_epoch, metrics=items, compiling_since=None)
        # Printed above the live display, the finished line scrolls away like any output,
        # so a long run does not grow the live area by a line per epoch. The task leaves
        # the display first, so that no stale copy of it is redrawn under the print.
        finished = self._progress.finished_lines(self._task)
        self._progress.remove_task(self._task)
        self._progress.refresh()
        self._progress.console.print(finished)
        self._task = None

    def on_train_end(self, run: Run) -> None:
        # Also reached after an error: stopping leaves the unfinished epoch's line on screen.
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None
