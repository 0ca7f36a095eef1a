"""Learning-rate callbacks: a schedule by epoch, and reduction on a plateau.

They set the `learning_rate` an `optax.inject_hyperparams` optimizer holds in its state,
so the rate is checkpointed with it and a resumed run continues with the same rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import optax

from .._errors import TypednnError
from ._callback import Callback, Run
from ._early_stopping import Mode, Monitor


def learning_rate(opt_state: Any) -> float | None:
    """The learning rate held in an optimizer state (`optax.inject_hyperparams`), if any."""
    value = optax.tree_utils.tree_get(opt_state, "learning_rate", None)
    return None if value is None else float(value)


def _rate(run: Run, callback: str) -> float:
    rate = learning_rate(run.trainer.opt_state)
    if rate is None:
        raise TypednnError(
            f"{callback} needs an optimizer whose learning rate can change during training",
            hint="wrap it: optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)",
        )
    return rate


def _set_rate(run: Run, rate: float) -> None:
    opt_state = run.trainer.opt_state
    current = optax.tree_utils.tree_get(opt_state, "learning_rate")
    run.trainer.opt_state = optax.tree_utils.tree_set(opt_state, learning_rate=jnp.asarray(rate, current.dtype))


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule(epoch, rate)`.

    Args:
        schedule: Gets the epoch (from 0) and the current rate; returns the new rate.

    Example:
        >>> halve_every_10 = LearningRateScheduler(lambda epoch, rate: rate / 2 if epoch and epoch % 10 == 0 else rate)
    """

    def __init__(self, schedule: Callable[[int, float], float]) -> None:
        self.schedule = schedule

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        rate = float(self.schedule(epoch, _rate(run, "LearningRateScheduler")))
        if not rate >= 0:
            raise TypednnError(f"the schedule gave learning rate {rate} for epoch {epoch}", hint="return a rate >= 0")
        _set_rate(run, rate)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` when `monitor` stops improving.

    Args:
        monitor: The metric to watch.
        factor: What to multiply the rate by, below 1.
        patience: Epochs without improvement before reducing.
        min_delta: The smallest change that counts as an improvement.
        mode: `"min"`, `"max"` or `"auto"`.
        cooldown: Epochs to wait after a reduction before counting again.
        min_lr: The rate never goes below this.
        verbose: 1 to print a line when it reduces the rate, 0 for silence. The line
            is Keras's, `Epoch 5: ReduceLROnPlateau reducing learning rate to 0.0005.`
            (epochs counted from 1, as the progress bar counts them), and comes out
            after that epoch's progress line. Only the chief process prints.

    Example:
        >>> reduce = ReduceLROnPlateau("val_loss", factor=0.5, patience=3)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        *,
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        mode: Mode = "auto",
        cooldown: int = 0,
        min_lr: float = 0.0,
        verbose: int = 1,
    ) -> None:
        if not 0 < factor < 1:
            raise TypednnError(f"ReduceLROnPlateau factor must be between 0 and 1, not {factor}")
        self.verbose = verbose
        self.tracker = Monitor(monitor, mode=mode, min_delta=min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self._wait = 0
        self._cooling = 0
        self._said: str | None = None  # the line about the last reduction, not printed yet

    def on_train_begin(self, run: Run) -> None:
        _rate(run, "ReduceLROnPlateau")
        self.tracker.best, self._wait, self._cooling, self._said = None, 0, 0, None

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        self._say()

    def on_train_end(self, run: Run) -> None:
        self._say()

    def _say(self) -> None:
        # Held from the epoch's end until here: the progress bar prints the epoch's
        # line at its end too, after this callback when it comes later in the list.
        if self._said is not None:
            print(self._said, flush=True)
            self._said = None

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if self._cooling:
            self._cooling -= 1
        if self.tracker.improved(logs):
            self._wait = 0
            return
        if self._cooling:
            return
        self._wait += 1
        if self._wait >= self.patience:
            old = _rate(run, "ReduceLROnPlateau")
            new = max(old * self.factor, self.min_lr)
            _set_rate(run, new)
            self._wait, self._cooling = 0, self.cooldown
            if self.verbose and run.is_chief and new < old:
                self._said = f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new:.6g}."
