"""The progress line says when an epoch waited on its input, and only then."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import optax
from rich.console import Console

import typednn as tn
from typednn import nn
from typednn.train._progress import ProgressBar, input_note

from .test_terminal import LOGS, make_run, screen_lines, steps, terminal

Array = np.ndarray[Any, Any]
X = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
Y = np.arange(64) % 3


def trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    return tn.Trainer(
        tn.Model(x, x >> nn.Dense(3)),
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.sgd(0.1),
        steps_per_dispatch=1,
    )


def lines_of(fit: Any) -> list[str]:
    out = io.StringIO()
    fit(ProgressBar(verbose=2, console=Console(file=out, width=80)))
    return out.getvalue().splitlines()


def test_a_slow_generator_makes_the_epoch_line_mention_input_time() -> None:
    def slow() -> Iterator[tuple[Array, Array]]:
        while True:
            time.sleep(0.05)  # a generator that decodes slowly: the steps wait for it
            yield X[:16], Y[:16]

    lines = lines_of(lambda bar: trainer().fit(slow(), epochs=3, steps_per_epoch=6, callbacks=[bar]))
    assert len(lines) == 3
    # Past the first epoch (compiling), the steps take far less than the generator's 50 ms a batch.
    assert "input" in lines[-1] and lines[-1].endswith("of the time"), lines


def test_a_fast_dataset_says_nothing_of_input() -> None:
    data = tn.data.from_arrays(X, Y)
    lines = lines_of(lambda bar: trainer().fit(data, epochs=3, batch_size=16, callbacks=[bar]))
    assert len(lines) == 3 and not any("input" in line for line in lines), lines


def test_the_note_is_kept_whole_on_an_80_column_terminal() -> None:
    out = io.StringIO()
    run = make_run()
    bar = ProgressBar(verbose=1, console=terminal(out, 80))
    bar.on_train_begin(run)
    bar.on_epoch_begin(run, 0)
    bar.on_steps_end(run, steps(0, 400))
    bar.input_time(3.8, 10.0)
    bar.on_epoch_end(run, 0, dict(LOGS))
    bar.on_train_end(run)
    lines = screen_lines(out.getvalue())
    assert all(len(line) <= 80 for line in lines), lines
    assert any("input 38% of the time" in line for line in lines), lines


def test_the_note_shows_above_a_tenth_and_enough_seconds_only() -> None:
    assert input_note(0.38) == ["input 38% of the time"]
    assert input_note(0.05) == [] and input_note(None) == []
    bar = ProgressBar(verbose=0)
    bar.input_time(0.01, 0.02)  # half of a tiny epoch: noise, not a bottleneck
    assert bar._input_share is None
