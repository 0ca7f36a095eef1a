"""What a run shows and writes for people: the 80-column progress line, compiling, plateau notices, epochs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import optax
import pytest
from rich.console import Console

import typednn as tn
from typednn import nn
from typednn.train import _plot, _progress
from typednn.train._callback import Run, Steps
from typednn.train._logs import CSVLogger, JSONLLogger
from typednn.train._plot import PlotHistory
from typednn.train._progress import ProgressBar, layout
from typednn.train._schedules import ReduceLROnPlateau, learning_rate

# What Keras users see at the end of an epoch: many metrics, long names.
LOGS = {
    "loss": 0.123456,
    "accuracy": 0.97,
    "val_loss": 0.130123,
    "val_accuracy": 0.965,
    "learning_rate": 0.001,
}
SHOWN = ["loss 0.1235", "accuracy 0.9700", "val_loss 0.1301", "val_accuracy 0.9650", "learning_rate 0.001000"]


def make_run(*, epochs: int = 40, trainer: Any = None, is_chief: bool = True) -> Run:
    return Run(
        trainer=cast(Any, trainer),
        epochs=epochs,
        initial_epoch=0,
        steps_per_epoch=400,
        batch_size=32,
        examples=400 * 32,
        is_chief=is_chief,
    )


def terminal(out: io.StringIO, width: int = 80) -> Console:
    return Console(width=width, file=out, force_terminal=True, color_system=None, legacy_windows=False)


def steps(epoch: int, batch: int) -> Steps:
    return Steps(
        epoch=epoch,
        first_step=batch - 1,
        batch=batch,
        losses=np.ones(1),
        logs={"loss": 0.123456, "accuracy": 0.97},
        seconds=0.5,
        examples=1234,
    )


def screen_lines(text: str) -> list[str]:
    """The lines a terminal shows of rich's output: control sequences removed, carriage returns applied."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", text)
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


@pytest.mark.parametrize("width", [80, 60, 40])
def test_a_finished_epoch_shows_its_number_and_every_value_whole(width: int) -> None:
    out = io.StringIO()
    run = make_run()
    bar = ProgressBar(verbose=1, console=terminal(out, width))
    bar.on_train_begin(run)
    for epoch in (0, 11):
        run.epoch = epoch
        bar.on_epoch_begin(run, epoch)
        bar.on_steps_end(run, steps(epoch, 400))
        bar.on_epoch_end(run, epoch, dict(LOGS))
    bar.on_train_end(run)
    lines = screen_lines(out.getvalue())
    assert all(len(line) <= width for line in lines), lines
    shown = "\n".join(lines)
    assert "epoch 12/40" in shown
    for value in SHOWN:
        assert value in shown, (value, lines)  # whole, on one line


def test_the_line_drops_the_bar_first_then_wraps_the_metrics() -> None:
    items = SHOWN
    common: dict[str, Any] = {"count": "12/400", "done": 0.03, "speed": "1,234 examples/s", "clock": "0:00:05"}
    wide = [line.plain for line in layout("epoch 12/40", width=160, metrics=items, **common)]
    assert len(wide) == 1 and "━" in wide[0] and wide[0].endswith("0:00:05")
    narrow = [line.plain for line in layout("epoch 12/40", width=80, metrics=items, **common)]
    assert narrow[0].startswith("epoch 12/40") and "12/400" in narrow[0]
    assert all(line.startswith("  ") for line in narrow[1:])
    assert " - ".join(items) == " - ".join(line.strip() for line in narrow[1:])
    assert all(len(line) <= 80 for line in narrow)
    tiny = [line.plain for line in layout("epoch 12/40", width=20, metrics=items, **common)]
    assert tiny[0] == "epoch 12/40 12/400" and [line.strip() for line in tiny[1:]] == items


def test_the_first_epoch_says_it_is_compiling_until_its_first_steps() -> None:
    out = io.StringIO()
    run = make_run()
    bar = ProgressBar(verbose=1, console=terminal(out))
    bar.on_train_begin(run)
    try:
        bar.on_epoch_begin(run, 0)
        progress = bar._progress
        assert progress is not None

        def live() -> str:
            rendered = io.StringIO()
            terminal(rendered).print(*progress.get_renderables())
            return rendered.getvalue()

        assert re.search(r"epoch 1/40 compiling… \d+\.\ds", live())
        bar.on_steps_end(run, steps(0, 10))
        assert "compiling" not in live() and "10/400" in live()
        bar.on_epoch_end(run, 0, dict(LOGS))
        bar.on_epoch_begin(run, 1)  # compiled once for the run
        assert "compiling" not in live() and "0/400" in live()
    finally:
        bar.on_train_end(run)


def test_jupyter_without_ipywidgets_prints_lines_instead_of_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "jupyter_live_ok", lambda: False)
    console = Console(file=io.StringIO(), force_jupyter=True)
    for verbose in (1, "auto"):
        bar = ProgressBar(verbose=cast(Any, verbose), console=console)
        bar.on_train_begin(make_run())  # filterwarnings=error: rich's warning would fail it
        assert bar._progress is None and bar._lines is console
        bar.on_train_end(make_run())


def plateau_trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
    return tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optimizer)


@pytest.mark.parametrize("verbose", [1, 0])
def test_reduce_lr_on_plateau_says_when_it_fires(verbose: int, capsys: pytest.CaptureFixture[str]) -> None:
    trainer = plateau_trainer()
    run = make_run(epochs=5, trainer=trainer)
    reduce = ReduceLROnPlateau("loss", factor=0.5, patience=2, verbose=verbose)
    reduce.on_train_begin(run)
    for epoch in range(5):
        reduce.on_epoch_begin(run, epoch)
        print(f"epoch {epoch + 1} line")  # what the progress bar prints at the epoch's end
        reduce.on_epoch_end(run, epoch, {"loss": 1.0})
    reduce.on_train_end(run)
    assert learning_rate(trainer.opt_state) == pytest.approx(0.025)
    lines = capsys.readouterr().out.splitlines()
    epochs = [f"epoch {n} line" for n in range(1, 6)]
    if verbose:
        # Each notice comes after the line of the epoch it is about, numbered as that line is.
        assert lines == [
            *epochs[:3],
            "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.05.",
            *epochs[3:],
            "Epoch 5: ReduceLROnPlateau reducing learning rate to 0.025.",
        ]
    else:
        assert lines == epochs


def test_reduce_lr_on_plateau_is_silent_off_the_chief(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = plateau_trainer()
    run = make_run(epochs=3, trainer=trainer, is_chief=False)
    reduce = ReduceLROnPlateau("loss", factor=0.5, patience=1)
    reduce.on_train_begin(run)
    for epoch in range(2):
        reduce.on_epoch_begin(run, epoch)
        reduce.on_epoch_end(run, epoch, {"loss": 1.0})
    reduce.on_train_end(run)
    assert capsys.readouterr().out == ""


def drive_logs(callback: CSVLogger | JSONLLogger, run: Run, epochs: range) -> None:
    callback.on_train_begin(run)
    for epoch in epochs:
        callback.on_epoch_end(run, epoch, {"loss": epoch + 0.5})
        run.history.append({"loss": epoch + 0.5})
    callback.on_train_end(run)


def test_logs_number_epochs_from_1_like_the_console(tmp_path: Path) -> None:
    csv_path, jsonl_path = tmp_path / "metrics.csv", tmp_path / "metrics.jsonl"
    drive_logs(CSVLogger(csv_path), make_run(epochs=2), range(2))
    drive_logs(JSONLLogger(jsonl_path), make_run(epochs=2), range(2))
    assert csv_path.read_text() == "epoch,loss\n1,0.5\n2,1.5\n"
    assert [json.loads(line)["epoch"] for line in jsonl_path.read_text().splitlines()] == [1, 2]


def test_a_resumed_log_of_an_earlier_version_is_renumbered(tmp_path: Path) -> None:
    csv_path, jsonl_path = tmp_path / "metrics.csv", tmp_path / "metrics.jsonl"
    csv_path.write_text("epoch,loss\n0,0.5\n1,1.5\n2,9.0\n")  # numbered from 0; epoch index 2 is redone
    jsonl_path.write_text('{"epoch": 0, "loss": 0.5}\n{"epoch": 1, "loss": 1.5}\n{"epoch": 2, "loss": 9.0}\n')
    for logger in (CSVLogger(csv_path), JSONLLogger(jsonl_path)):
        run = make_run(epochs=3)
        run.initial_epoch = 2
        drive_logs(logger, run, range(2, 3))
    assert csv_path.read_text() == "epoch,loss\n1,0.5\n2,1.5\n3,2.5\n"
    records = [json.loads(line) for line in jsonl_path.read_text().splitlines()]
    assert records == [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 1.5}, {"epoch": 3, "loss": 2.5}]


def test_the_plot_is_redrawn_every_few_seconds_and_at_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    monkeypatch.setattr(_plot, "plot_history", lambda epochs, path: drawn.append(len(epochs)))
    run = make_run(epochs=5)
    plot = PlotHistory(tmp_path / "training.png", every_seconds=3600)
    plot.on_train_begin(run)
    for epoch in range(5):
        run.history.append({"loss": 1.0})
        plot.on_epoch_end(run, epoch, {"loss": 1.0})
    plot.on_train_end(run)
    assert drawn == [1, 5]  # the first epoch at once, then the end
    every = PlotHistory(tmp_path / "training.png", every_seconds=0)
    drawn.clear()
    every.on_train_begin(run)
    every.on_epoch_end(run, 4, {"loss": 1.0})
    every.on_train_end(run)  # nothing new to draw
    assert drawn == [5]


def test_the_plot_at_the_end_does_not_hide_the_error_that_ended_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(epochs: list[dict[str, float]], path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_plot, "plot_history", broken)
    run = make_run(epochs=2)
    run.history.append({"loss": 1.0})
    plot = PlotHistory(tmp_path / "training.png")
    plot.on_train_begin(run)
    plot._drawn = 0
    with pytest.raises(ValueError, match="the training error"):
        try:
            raise ValueError("the training error")
        finally:
            plot.on_train_end(run)
    with pytest.raises(OSError, match="No space"):
        plot.on_train_end(run)
