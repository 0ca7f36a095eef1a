"""Trainer.load_best: the parameters of the best checkpoint by the monitored metric, in one call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from tests.conftest import fails
from typednn import nn

Array = np.ndarray[Any, Any]


class Snapshots(tn.callbacks.Callback):
    """Each epoch's parameters, copied to the host."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def on_epoch_end(self, run: tn.callbacks.Run, epoch: int, logs: dict[str, float]) -> None:
        self.params.append(jax.device_get(run.trainer.params))


def equal(a: Any, b: Any) -> bool:
    return all(np.array_equal(np.asarray(p), np.asarray(q)) for p, q in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(0.05), metrics=["accuracy"])


def data() -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(40, 4)), rng.integers(0, 3, 40), classes=3)


def trained(directory: Path, **checkpoint: Any) -> tuple[tn.Trainer[Any, Any], Snapshots, tn.History]:
    t, snapshots = trainer(), Snapshots()
    callbacks = [snapshots, tn.callbacks.Checkpoint(directory, **checkpoint)]
    history = t.fit(data(), epochs=5, batch_size=8, validation=0.25, callbacks=callbacks, verbose=0)
    return t, snapshots, history


def test_load_best_restores_the_parameters_of_the_epoch_with_the_best_val_loss(tmp_path: Path) -> None:
    t, snapshots, history = trained(tmp_path / "run")
    best = int(np.argmin([logs["val_loss"] for logs in history.epochs]))
    step, epoch = t.step, t.epoch
    logs = t.load_best()
    assert equal(t.params, snapshots.params[best])
    assert logs == history.epochs[best]
    assert (t.step, t.epoch) == (step, epoch)  # only the parameters come back, as Keras's restore_best_weights
    held_out = data().split(0.25, seed=None)[1]
    assert t.evaluate(held_out, batch_size=8)["loss"] == pytest.approx(history.epochs[best]["val_loss"], rel=1e-6)


def test_load_best_by_another_monitor_and_from_a_directory_into_a_fresh_trainer(tmp_path: Path) -> None:
    _, snapshots, history = trained(tmp_path / "run", keep=5)
    worst = int(np.argmax([logs["loss"] for logs in history.epochs]))
    fresh = trainer()
    logs = fresh.load_best(tmp_path / "run", monitor="loss", mode="max")
    assert equal(fresh.params, snapshots.params[worst]) and logs["loss"] == history.epochs[worst]["loss"]
    best = int(np.argmin([logs["val_loss"] for logs in history.epochs]))
    fresh.load_best(tmp_path / "run")  # val_loss, recorded by the run
    assert equal(fresh.params, snapshots.params[best])
    accurate = int(np.argmax([logs["val_accuracy"] for logs in history.epochs]))
    fresh.load_best(tmp_path / "run", monitor="val_accuracy")  # higher is better
    assert equal(fresh.params, snapshots.params[accurate])


def test_load_best_without_checkpoints_or_the_metric_is_an_error(tmp_path: Path) -> None:
    t = trainer()
    with fails("the last fit kept no checkpoints", "tn.callbacks.Checkpoint(directory)"):
        t.load_best()
    with fails("no checkpoint directory", "nowhere"):
        t.load_best(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with fails("no checkpoint in", "empty"):
        t.load_best(tmp_path / "empty")
    t.fit(data(), epochs=1, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path / "run")], verbose=0)
    with fails("records 'val_accuracy'", "monitor a metric the run logged"):
        t.load_best(monitor="val_accuracy")
    t.load_best()  # `loss`, the callback's monitor without validation
