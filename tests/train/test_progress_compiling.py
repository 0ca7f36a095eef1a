"""The progress output says how long an epoch spent compiling its steps."""

from __future__ import annotations

import io
import re
from typing import Any, cast

import numpy as np
import optax
from rich.console import Console

import typednn as tn
from typednn import nn
from typednn.train._callback import Run, Steps
from typednn.train._progress import ProgressBar

LOGS = {"loss": 0.5, "accuracy": 0.25}


def make_run(epochs: int = 2) -> Run:
    return Run(trainer=cast(Any, None), epochs=epochs, initial_epoch=0, steps_per_epoch=4, batch_size=8, examples=32)


def one_epoch(bar: ProgressBar, run: Run, epoch: int, *, compile_seconds: float) -> None:
    """An epoch's hooks as `fit` calls them, `compile_time` told before `on_epoch_end`."""
    run.epoch = epoch
    bar.on_epoch_begin(run, epoch)
    losses = np.zeros(4, np.float32)
    steps = Steps(epoch=epoch, first_step=4 * epoch, batch=4, losses=losses, logs=LOGS, seconds=0.1, examples=32)
    bar.on_steps_end(run, steps)
    bar.input_time(0.0, 0.1)
    bar.compile_time(compile_seconds)
    bar.on_epoch_end(run, epoch, dict(LOGS))


def test_verbose_2_states_the_compile_time_of_an_epoch_that_compiled() -> None:
    out = io.StringIO()
    bar, run = ProgressBar(verbose=2, console=Console(file=out, width=40)), make_run()
    bar.on_train_begin(run)
    one_epoch(bar, run, 0, compile_seconds=6.14)
    one_epoch(bar, run, 1, compile_seconds=0.0)
    bar.on_train_end(run)
    first, second = out.getvalue().splitlines()
    assert re.fullmatch(r"epoch 1/2 - \d+\.\ds \(compile 6\.1s\) - loss 0\.5000 - accuracy 0\.2500", first), first
    assert re.fullmatch(r"epoch 2/2 - \d+\.\ds - loss 0\.5000 - accuracy 0\.2500", second), second


def test_a_compile_under_the_noise_is_not_mentioned() -> None:
    out = io.StringIO()
    bar, run = ProgressBar(verbose=2, console=Console(file=out)), make_run(epochs=1)
    bar.on_train_begin(run)
    one_epoch(bar, run, 0, compile_seconds=0.01)
    bar.on_train_end(run)
    assert "compile" not in out.getvalue()


def test_the_live_bar_keeps_the_compile_time_on_the_finished_line() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system=None, width=150)
    bar, run = ProgressBar(verbose=1, console=console), make_run(epochs=1)
    bar.on_train_begin(run)
    one_epoch(bar, run, 0, compile_seconds=75.0)
    bar.on_train_end(run)
    assert re.search(r"epoch 1/1 .*accuracy 0\.2500 - compile 1m15s", out.getvalue())


class _Recorder(ProgressBar):
    """A silent bar that keeps what `fit` told it of each epoch's compiling."""

    def __init__(self) -> None:
        super().__init__(verbose=0)
        self.told: list[float] = []

    def compile_time(self, seconds: float) -> None:
        super().compile_time(seconds)
        self.told.append(seconds)


def test_fit_times_the_dispatches_that_compile_and_only_those() -> None:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(3))
    data = tn.data.from_arrays(np.ones((24, 4), np.float32), np.arange(24) % 3)
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    recorder = _Recorder()
    trainer.fit(data, epochs=2, batch_size=8, callbacks=[recorder])
    trainer.fit(data, epochs=1, batch_size=8, callbacks=[recorder])  # compiled already: the same program
    first, second, again = recorder.told
    assert first > 0.0 and second == 0.0 and again == 0.0
