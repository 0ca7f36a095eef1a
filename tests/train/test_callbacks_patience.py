"""Patience, pinned epoch by epoch: EarlyStopping and ReduceLROnPlateau count as Keras does.

Each test feeds a callback a scripted sequence of monitored values, one per epoch, and
asserts the epoch at which it acts. `patience=n` acts after the n-th epoch in a row
without an improvement (EarlyStopping once waited one epoch more).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train._schedules import learning_rate


def make_trainer(rate: float = 0.1) -> tn.Trainer[Any, Any]:
    x = tn.Input(2)
    model = tn.Model(x, x >> nn.Dense(2))
    optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=rate)
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optimizer)


def marked(params: Any, epoch: int) -> Any:
    """Parameters whose every number is `epoch`: they tell which epoch they come from."""
    return jax.tree.map(lambda a: jnp.full_like(a, epoch), params)


def drive(
    callback: tn.callbacks.Callback,
    values: Sequence[float],
    *,
    monitor: str = "val_loss",
    trainer: tn.Trainer[Any, Any] | None = None,
) -> tuple[list[int], list[float]]:
    """Run `callback`'s hooks as `fit` does, with `values[epoch]` as the monitored metric.

    Returns:
        The epochs that ran, and the learning rate after each (nan without one).
    """
    fitted = trainer or make_trainer()
    run = tn.callbacks.Run(
        trainer=fitted, epochs=len(values), initial_epoch=0, steps_per_epoch=1, batch_size=1, examples=1
    )
    callback.on_train_begin(run)
    ran: list[int] = []
    rates: list[float] = []
    for epoch, value in enumerate(values):
        run.epoch = epoch
        callback.on_epoch_begin(run, epoch)
        fitted.params = marked(fitted.params, epoch)  # what this epoch "trained"
        fitted.epoch = epoch + 1
        ran.append(epoch)
        callback.on_epoch_end(run, epoch, {monitor: value})
        rate = learning_rate(fitted.opt_state)
        rates.append(math.nan if rate is None else rate)
        if run.stop_training:
            break
    callback.on_train_end(run)
    return ran, rates


def epoch_of(params: Any) -> int:
    values = {float(v) for leaf in jax.tree.leaves(params) for v in np.asarray(leaf).ravel()}
    assert len(values) == 1, values
    return int(values.pop())


# A loss that improves twice, then plateaus: epochs 2, 3, 4, ... bring no improvement.
PLATEAU = [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94, 0.96]


@pytest.mark.parametrize(("patience", "stopped"), [(0, 2), (1, 2), (2, 3), (3, 4), (5, 6)])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience: int, stopped: int) -> None:
    stop = tn.callbacks.EarlyStopping(patience=patience)
    ran, _ = drive(stop, PLATEAU)
    assert ran[-1] == stopped and stop.stopped_epoch == stopped
    assert stop.best_epoch == 1


def test_early_stopping_patience_two_survives_one_bad_epoch() -> None:
    """An old off-by-one: patience=2 stopped after three bad epochs; with a recovery on the third, never."""
    stop = tn.callbacks.EarlyStopping(patience=2)
    ran, _ = drive(stop, [1.0, 1.1, 0.5, 0.6, 0.7, 0.4])
    assert ran == [0, 1, 2, 3, 4] and stop.stopped_epoch == 4 and stop.best_epoch == 2


def test_early_stopping_runs_out_of_epochs_without_a_plateau_long_enough() -> None:
    stop = tn.callbacks.EarlyStopping(patience=2)
    ran, _ = drive(stop, [1.0, 1.1, 0.9, 1.0, 0.8])
    assert ran == [0, 1, 2, 3, 4] and stop.stopped_epoch is None and stop.best_epoch == 4


def test_early_stopping_counts_a_change_below_min_delta_as_none() -> None:
    stop = tn.callbacks.EarlyStopping(patience=2, min_delta=0.1)
    # 0.95 and 0.8 are within 0.1 of the best before them; 0.85 and 0.7 are not.
    ran, _ = drive(stop, [1.0, 0.95, 0.85, 0.8, 0.7, 0.65, 0.62, 0.5])
    assert ran == [0, 1, 2, 3, 4, 5, 6] and stop.stopped_epoch == 6 and stop.best_epoch == 4


def test_early_stopping_in_max_mode_watches_a_rising_metric() -> None:
    stop = tn.callbacks.EarlyStopping("val_accuracy", patience=1)
    ran, _ = drive(stop, [0.5, 0.7, 0.6, 0.9], monitor="val_accuracy")
    assert ran == [0, 1, 2] and stop.stopped_epoch == 2 and stop.best_epoch == 1


def test_early_stopping_counts_nothing_before_start_from_epoch() -> None:
    stop = tn.callbacks.EarlyStopping(patience=1, start_from_epoch=3)
    ran, _ = drive(stop, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert ran == [0, 1, 2, 3, 4] and stop.best_epoch == 3 and stop.stopped_epoch == 4


def test_early_stopping_a_nan_is_no_improvement() -> None:
    stop = tn.callbacks.EarlyStopping(patience=2)
    ran, _ = drive(stop, [1.0, math.nan, math.nan, 0.5])
    assert ran == [0, 1, 2] and stop.stopped_epoch == 2 and stop.best_epoch == 0


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_restores_the_best_epochs_parameters_when_asked(restore: bool) -> None:
    trainer = make_trainer()
    stop = tn.callbacks.EarlyStopping(patience=2, restore_best_weights=restore)
    ran, _ = drive(stop, PLATEAU, trainer=trainer)
    assert ran[-1] == 3
    assert epoch_of(trainer.params) == (1 if restore else 3)


def test_early_stopping_restores_the_best_also_when_the_epochs_run_out() -> None:
    trainer = make_trainer()
    ran, _ = drive(tn.callbacks.EarlyStopping(patience=10), PLATEAU, trainer=trainer)
    assert ran[-1] == len(PLATEAU) - 1 and epoch_of(trainer.params) == 1


def test_early_stopping_stops_fit_at_that_epoch() -> None:
    """Through `fit`: a callback before it scripts the monitored value; history ends at the stop."""
    script = [1.0, 0.9, 0.95, 0.92, 0.91, 0.5]

    class Scripted(tn.callbacks.Callback):
        def on_epoch_end(self, run: tn.callbacks.Run, epoch: int, logs: dict[str, float]) -> None:
            logs["scripted_loss"] = script[epoch]

    stop = tn.callbacks.EarlyStopping("scripted_loss", patience=2)
    data = tn.data.from_arrays(np.ones((8, 2), np.float32), np.arange(8) % 2, classes=2)
    history = make_trainer().fit(data, epochs=len(script), batch_size=4, callbacks=[Scripted(), stop], verbose=0)
    assert len(history) == 4 and stop.stopped_epoch == 3
    assert history["scripted_loss"] == script[:4]


def test_reduce_on_plateau_acts_after_patience_epochs_and_restarts_its_count() -> None:
    plateau = tn.callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.0)
    _, rates = drive(plateau, [1.0, 1.1, 1.2, 1.3, 1.4, 0.5, 0.6])
    # Bad epochs 1, 2: halved after 2; bad epochs 3, 4: halved after 4; 5 improves; 6 is one bad epoch.
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025])


@pytest.mark.parametrize(("patience", "first_cut"), [(0, 1), (1, 1), (2, 2), (3, 3)])
def test_reduce_on_plateau_and_early_stopping_share_the_count(patience: int, first_cut: int) -> None:
    values = [1.0, 1.1, 1.2, 1.3, 1.4]
    _, rates = drive(tn.callbacks.ReduceLROnPlateau(factor=0.5, patience=patience), values)
    assert next(epoch for epoch, rate in enumerate(rates) if rate < 0.1) == first_cut
    ran, _ = drive(tn.callbacks.EarlyStopping(patience=patience), values)
    assert ran[-1] == first_cut


def test_reduce_on_plateau_counts_a_change_below_min_delta_as_none() -> None:
    plateau = tn.callbacks.ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.1)
    _, rates = drive(plateau, [1.0, 0.95, 0.85, 0.8, 0.7, 0.65, 0.62])
    # As for EarlyStopping above: bad epochs 1, 3, 5, 6: only 5 and 6 are two in a row.
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05])


def test_reduce_on_plateau_waits_out_its_cooldown_and_keeps_above_min_lr() -> None:
    plateau = tn.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.03)
    _, rates = drive(plateau, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    # Cut after epoch 1; epoch 2 cools down, epoch 3 counts again: cut after it, to min_lr; and so on.
    assert rates == pytest.approx([0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03])
