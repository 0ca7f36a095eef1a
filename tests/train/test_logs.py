"""The logging callbacks, driven directly with a fake run: CSV, JSONL, TensorBoard, progress bar."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import socket
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from rich.console import Console
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from typednn._errors import TypednnError
from typednn.train._callback import Callback, Run, Steps
from typednn.train._logs import CSVLogger, JSONLLogger
from typednn.train._progress import ProgressBar
from typednn.train._tensorboard import TensorBoard, crc32c

STEPS_PER_EPOCH = 4


def make_run(*, epochs: int = 3, initial_epoch: int = 0, is_chief: bool = True) -> Run:
    return Run(
        trainer=cast(Any, None),
        epochs=epochs,
        initial_epoch=initial_epoch,
        steps_per_epoch=STEPS_PER_EPOCH,
        batch_size=8,
        examples=STEPS_PER_EPOCH * 8,
        is_chief=is_chief,
    )


def step_loss(step: int) -> float:
    """A distinct loss per global step, so tests can tell which step wrote a value."""
    return 1.0 / (step + 1)


def drive(callback: Callback, run: Run, epoch_logs: list[dict[str, float]], *, end: bool = True) -> None:
    """Call the hooks as the trainer does: two dispatches of two steps per epoch."""
    callback.on_train_begin(run)
    for epoch, logs in enumerate(epoch_logs, start=run.initial_epoch):
        run.epoch = epoch
        callback.on_epoch_begin(run, epoch)
        for first in range(0, STEPS_PER_EPOCH, 2):
            first_step = epoch * STEPS_PER_EPOCH + first
            steps = Steps(
                epoch=epoch,
                first_step=first_step,
                batch=first + 2,
                losses=np.array([step_loss(first_step), step_loss(first_step + 1)], np.float32),
                logs={"loss": 0.5, "accuracy": 0.25},
                seconds=0.5,
                examples=16,
            )
            callback.on_steps_end(run, steps)
        callback.on_epoch_end(run, epoch, logs)
    if end:
        callback.on_train_end(run)


def epochs_logs(*epochs: int, tag: float = 0.0) -> list[dict[str, float]]:
    return [{"loss": epoch + 0.5 + tag, "accuracy": 0.125 * epoch} for epoch in epochs]


# --- CSV -------------------------------------------------------------------------


def test_csv_writes_one_row_per_epoch_with_round_trip_floats(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "metrics.csv"
    logs = [{"loss": 0.1, "accuracy": np.float32(0.1), "learning_rate": 1e-3}, {"loss": 1 / 3, "accuracy": 2}]
    drive(CSVLogger(path), make_run(), cast(Any, logs))
    assert path.read_text() == (
        "epoch,loss,accuracy,learning_rate\n1,0.1,0.1,0.001\n2,0.3333333333333333,2,\n"  # float32 0.1 stays 0.1
    )
    assert os.listdir(path.parent) == ["metrics.csv"]  # no temporary file left


def test_csv_adds_a_column_for_a_key_that_appears_later(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(), [{"loss": 1.5}, {"loss": 0.5, "val_loss": 0.75}, {"loss": 0.25}])
    assert list(csv.reader(path.read_text().splitlines())) == [
        ["epoch", "loss", "val_loss"],
        ["1", "1.5", ""],
        ["2", "0.5", "0.75"],
        ["3", "0.25", ""],
    ]


def test_csv_writes_nan_and_infinities_that_float_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    # A numpy scalar, as a user's metric may give, though `logs` says float.
    logs: list[dict[str, Any]] = [{"loss": math.nan, "a": math.inf, "b": np.float32("-inf")}]
    drive(CSVLogger(path, separator=";"), make_run(), logs)
    assert path.read_text() == "epoch;loss;a;b\n1;nan;inf;-inf\n"
    row = next(csv.DictReader(path.read_text().splitlines(), delimiter=";"))
    assert math.isnan(float(row["loss"])) and float(row["a"]) == math.inf and float(row["b"]) == -math.inf


def test_csv_writes_the_header_before_a_first_row_without_logs(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(), [{}, {"loss": 0.5}])
    assert path.read_text() == "epoch,loss\n1,\n2,0.5\n"


def test_csv_resume_drops_the_epochs_it_redoes(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(epochs=4), epochs_logs(0, 1, 2, 3))
    with path.open("a") as f:
        f.write("4,0.1")  # a row cut short by a crash
    drive(CSVLogger(path), make_run(epochs=4, initial_epoch=2), epochs_logs(2, 3, tag=10))
    assert path.read_text() == "epoch,loss,accuracy\n1,0.5,0.0\n2,1.5,0.125\n3,12.5,0.25\n4,13.5,0.375\n"


def test_csv_resume_restores_rows_the_checkpoint_recorded(tmp_path: Path) -> None:
    # Killed after epoch 2's checkpoint was committed, before its row was written.
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(epochs=4), epochs_logs(0, 1))
    recorded = epochs_logs(0, 1, 2)
    run = make_run(epochs=4, initial_epoch=3)
    run.history = recorded
    drive(CSVLogger(path), run, epochs_logs(3))
    assert path.read_text() == "epoch,loss,accuracy\n1,0.5,0.0\n2,1.5,0.125\n3,2.5,0.25\n4,3.5,0.375\n"


def test_csv_resume_keeps_the_columns_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(), [{"loss": 0.5, "val_loss": 1.5}])
    drive(CSVLogger(path), make_run(initial_epoch=1), [{"accuracy": 0.25, "loss": 0.25}])
    assert path.read_text() == "epoch,loss,val_loss,accuracy\n1,0.5,1.5,\n2,0.25,,0.25\n"


def test_csv_fresh_run_starts_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,old\n0,1\n1,2\n")
    logger = CSVLogger(path)
    logger.on_train_begin(make_run())
    assert path.read_text() == ""
    drive(logger, make_run(), [{"loss": 0.5}])
    assert path.read_text() == "epoch,loss\n1,0.5\n"


def test_csv_resume_rewrite_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "metrics.csv"
    drive(CSVLogger(path), make_run(), epochs_logs(0, 1, 2))
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        CSVLogger(path).on_train_begin(make_run(initial_epoch=1))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["metrics.csv"]


def test_csv_resume_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("name,score\nada,3\n")
    with pytest.raises(TypednnError, match=r"metrics.csv: line 1 should be a CSVLogger header starting with 'epoch'"):
        CSVLogger(path).on_train_begin(make_run(initial_epoch=1))
    path.write_text("epoch,loss\n0,0.5\nlast,1\n")
    with pytest.raises(TypednnError, match=r"line 3 should start with an epoch number, got 'last,1'"):
        CSVLogger(path).on_train_begin(make_run(initial_epoch=1))


def test_csv_separator_must_be_one_character() -> None:
    with pytest.raises(TypednnError, match=r"separator must be one character .* got ';;'") as error:
        CSVLogger("x.csv", separator=";;")
    assert error.value.hint is not None and '";"' in error.value.hint


def test_logs_write_nothing_on_other_processes(tmp_path: Path) -> None:
    for callback in (CSVLogger(tmp_path / "a.csv"), JSONLLogger(tmp_path / "a.jsonl"), TensorBoard(tmp_path / "tb")):
        drive(callback, make_run(is_chief=False), epochs_logs(0))
    assert os.listdir(tmp_path) == []


# --- JSONL -----------------------------------------------------------------------


def strict_json(line: str) -> dict[str, Any]:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not valid JSON: {constant}")

    return cast(dict[str, Any], json.loads(line, parse_constant=refuse))


def test_jsonl_writes_one_valid_object_per_epoch(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    logs = [{"loss": 0.1, "accuracy": np.float32(0.1)}, {"loss": math.nan, "val_loss": math.inf, "x": -math.inf}]
    drive(JSONLLogger(path), make_run(), cast(Any, logs))
    lines = path.read_text().splitlines()
    assert lines == [
        '{"epoch": 1, "loss": 0.1, "accuracy": 0.1}',
        '{"epoch": 2, "loss": "NaN", "val_loss": "Infinity", "x": "-Infinity"}',
    ]
    record = strict_json(lines[1])
    assert math.isnan(float(record["loss"])) and float(record["val_loss"]) == math.inf


def test_jsonl_resume_drops_the_epochs_it_redoes(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    drive(JSONLLogger(path), make_run(), epochs_logs(0, 1, 2))
    with path.open("a") as f:
        f.write('{"epoch": 3, "lo')  # cut short by a crash
    drive(JSONLLogger(path), make_run(initial_epoch=1), epochs_logs(1, 2, tag=10))
    assert [strict_json(line) for line in path.read_text().splitlines()] == [
        {"epoch": 1, "loss": 0.5, "accuracy": 0.0},
        {"epoch": 2, "loss": 11.5, "accuracy": 0.125},
        {"epoch": 3, "loss": 12.5, "accuracy": 0.25},
    ]
    drive(JSONLLogger(path), make_run(), epochs_logs(0))
    assert path.read_text() == '{"epoch": 1, "loss": 0.5, "accuracy": 0.0}\n'


def test_jsonl_resume_restores_lines_the_checkpoint_recorded(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    drive(JSONLLogger(path), make_run(epochs=4), epochs_logs(0))
    run = make_run(epochs=4, initial_epoch=2)
    run.history = epochs_logs(0, 1)
    drive(JSONLLogger(path), run, epochs_logs(2))
    assert [json.loads(line)["epoch"] for line in path.read_text().splitlines()] == [1, 2, 3]


def test_jsonl_resume_refuses_a_file_it_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"epoch": 0}\n[1, 2]\n')
    with pytest.raises(TypednnError, match=r"metrics.jsonl: line 2 should be a JSON object with an integer 'epoch'"):
        JSONLLogger(path).on_train_begin(make_run(initial_epoch=1))


# --- TensorBoard -----------------------------------------------------------------


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """What TensorBoard's own reader finds in `folder`: tag -> [(step, value)]."""
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return {
        tag: [(event.step, event.value) for event in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]
    }


def test_crc32c_matches_the_standard_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_tensorboard_writes_epoch_scalars_that_tensorboard_reads(tmp_path: Path) -> None:
    logs = [
        {"loss": 0.5 + epoch, "accuracy": 0.25, "val_loss": 2.0 + epoch, "val_accuracy": 0.125, "learning_rate": 1e-3}
        for epoch in range(3)
    ]
    drive(TensorBoard(tmp_path), make_run(), logs)
    train, validation = scalars(tmp_path / "train"), scalars(tmp_path / "validation")
    assert train["epoch_loss"] == [(0, 0.5), (1, 1.5), (2, 2.5)]
    assert train["epoch_accuracy"] == [(0, 0.25), (1, 0.25), (2, 0.25)]
    assert [step for step, _ in train["epoch_learning_rate"]] == [0, 1, 2]
    assert train["epoch_learning_rate"][0][1] == pytest.approx(1e-3)
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}  # no batch_loss by default
    assert validation == {
        "epoch_loss": [(0, 2.0), (1, 3.0), (2, 4.0)],
        "epoch_accuracy": [(e, 0.125) for e in range(3)],
    }

    [name] = os.listdir(tmp_path / "train")
    assert re.fullmatch(rf"events\.out\.tfevents\.\d+\.{re.escape(socket.gethostname())}\.{os.getpid()}\.\d+\.v2", name)
    first = next(EventFileLoader(str(tmp_path / "train" / name)).Load())
    assert first.file_version == "brain.Event:2"


def test_tensorboard_writes_batch_loss_every_update_freq_steps(tmp_path: Path) -> None:
    drive(TensorBoard(tmp_path, update_freq=3), make_run(), epochs_logs(0, 1, 2))
    batch = scalars(tmp_path / "train")["batch_loss"]
    # Steps done 3, 6, 9, 12: the loss of global step (done - 1).
    assert [step for step, _ in batch] == [3, 6, 9, 12]
    assert [value for _, value in batch] == pytest.approx([step_loss(done - 1) for done in (3, 6, 9, 12)])


def test_tensorboard_keeps_nan_and_infinity(tmp_path: Path) -> None:
    drive(TensorBoard(tmp_path), make_run(), [{"loss": math.nan, "accuracy": math.inf, "big": 1e300}])
    train = scalars(tmp_path / "train")
    assert math.isnan(train["epoch_loss"][0][1])
    assert train["epoch_accuracy"][0][1] == math.inf and train["epoch_big"][0][1] == math.inf


def test_tensorboard_flushes_each_epoch(tmp_path: Path) -> None:
    callback = TensorBoard(tmp_path)
    drive(callback, make_run(), epochs_logs(0, 1), end=False)
    assert scalars(tmp_path / "train")["epoch_loss"] == [(0, 0.5), (1, 1.5)]
    callback.on_train_end(make_run())


def test_tensorboard_resume_replaces_the_redone_epochs(tmp_path: Path) -> None:
    drive(TensorBoard(tmp_path, update_freq=2), make_run(), epochs_logs(0, 1, 2))
    with next((tmp_path / "train").iterdir()).open("ab") as f:
        f.write(b"\x10\x00\x00")  # a record cut short by a crash
    drive(TensorBoard(tmp_path, update_freq=2), make_run(initial_epoch=1), epochs_logs(1, 2, tag=10))
    train = scalars(tmp_path / "train")
    assert train["epoch_loss"] == [(0, 0.5), (1, 11.5), (2, 12.5)]
    assert [step for step, _ in train["batch_loss"]] == [2, 4, 6, 8, 10, 12]
    assert len(os.listdir(tmp_path / "train")) == 2


def test_tensorboard_fresh_run_replaces_earlier_scalars(tmp_path: Path) -> None:
    drive(TensorBoard(tmp_path, update_freq=1), make_run(), epochs_logs(0, 1, 2))
    drive(TensorBoard(tmp_path), make_run(), epochs_logs(0, tag=10))
    assert scalars(tmp_path / "train") == {"epoch_loss": [(0, 10.5)], "epoch_accuracy": [(0, 0.0)]}
    assert len(os.listdir(tmp_path / "train")) == 1  # the old file held nothing else, so it went


def test_tensorboard_resume_refuses_a_corrupt_event_file(tmp_path: Path) -> None:
    drive(TensorBoard(tmp_path), make_run(), epochs_logs(0, 1))
    [path] = (tmp_path / "train").iterdir()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TypednnError, match=r"events\.out\.tfevents\.[^:]*: the TFRecord at byte \d+ fails its CRC32C"):
        TensorBoard(tmp_path).on_train_begin(make_run(initial_epoch=1))


@pytest.mark.parametrize("update_freq", [0, -1, "batch", True, 1.5])
def test_tensorboard_update_freq_must_be_epoch_or_positive(update_freq: Any) -> None:
    with pytest.raises(TypednnError, match=r"update_freq must be 'epoch' or a positive number of steps, got "):
        TensorBoard("tb", update_freq=update_freq)


# --- Progress bar ----------------------------------------------------------------

VAL_LOGS = [{"loss": 0.5, "accuracy": 0.97, "val_loss": 0.123456, "val_accuracy": 1.0}] * 2


def terminal(out: io.StringIO) -> Console:
    """A console that acts as a wide terminal without colours, writing to `out`."""
    return Console(file=out, force_terminal=True, color_system=None, width=150)


def live_bar_in_first_epoch(run: Run) -> tuple[ProgressBar, io.StringIO]:
    """A verbose=1 bar on a terminal, started and into the first epoch of `run`."""
    out = io.StringIO()
    bar = ProgressBar(verbose=1, console=terminal(out))
    bar.on_train_begin(run)
    bar.on_epoch_begin(run, 0)
    return bar, out


def test_progress_verbose_2_prints_one_plain_line_per_epoch() -> None:
    out = io.StringIO()
    drive(ProgressBar(verbose=2, console=Console(file=out, width=40)), make_run(epochs=2), VAL_LOGS)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    for number, line in enumerate(lines, start=1):
        # Not wrapped at the console's width, no colour codes.
        assert re.fullmatch(
            rf"epoch {number}/2 - \d+\.\ds - loss 0\.5000 - accuracy 0\.9700 - val_loss 0\.1235 - val_accuracy 1\.000",
            line,
        )


def test_progress_auto_prints_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    drive(ProgressBar(console=Console(file=out)), make_run(epochs=2), VAL_LOGS)
    assert [line.split(" - ")[0] for line in out.getvalue().splitlines()] == ["epoch 1/2", "epoch 2/2"]
    assert "\x1b" not in out.getvalue()


def test_progress_verbose_0_prints_nothing() -> None:
    out = io.StringIO()
    drive(ProgressBar(verbose=0, console=Console(file=out, force_terminal=True)), make_run(epochs=2), VAL_LOGS)
    assert out.getvalue() == ""


@pytest.mark.parametrize("verbose", [1, "auto"])
def test_progress_verbose_1_shows_a_live_bar_on_a_terminal(verbose: Any) -> None:
    out = io.StringIO()
    drive(ProgressBar(verbose=verbose, console=terminal(out)), make_run(epochs=2), VAL_LOGS)
    text = out.getvalue()
    assert "\x1b[?25l" in text  # the live display hid the cursor: an animated bar, not plain lines
    finished = [line for line in re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)) if "val_loss" in line]
    assert [line.split()[:2] for line in finished] == [["epoch", "1/2"], ["epoch", "2/2"]]
    for line in finished:
        assert "4/4" in line and "loss 0.5000 - accuracy 0.9700 - val_loss 0.1235 - val_accuracy 1.000" in line


def test_progress_bar_shows_running_metrics_while_the_epoch_runs() -> None:
    run = make_run(epochs=2)
    bar, out = live_bar_in_first_epoch(run)
    steps = Steps(epoch=0, first_step=0, batch=2, losses=np.ones(2), logs={"loss": 1 / 3}, seconds=0.5, examples=16)
    bar.on_steps_end(run, steps)
    assert bar._progress is not None
    bar._progress.refresh()  # the live display redraws 10 times a second; the test does not wait
    line = out.getvalue().split("\r")[-1]
    assert re.search(r"epoch 1/2 ━+\S* +2/4 loss 0\.3333 32 examples/s", line), line
    bar.on_train_end(run)


def test_progress_stops_the_live_display_after_an_error() -> None:
    run = make_run(epochs=2)
    bar, out = live_bar_in_first_epoch(run)
    progress = bar._progress
    assert progress is not None

    def started() -> bool:  # read afresh: mypy would keep `is_started` narrowed to True
        return progress.live.is_started

    assert started()
    bar.on_train_end(run)  # the trainer calls it from `finally` when a step raises
    assert not started()
    assert "epoch 1/2" in out.getvalue() and out.getvalue().endswith("\x1b[?25h")  # cursor shown again


def test_progress_verbose_must_be_0_1_2_or_auto() -> None:
    with pytest.raises(TypednnError, match=r"verbose must be 0, 1, 2 or 'auto', got 3"):
        ProgressBar(verbose=3)
