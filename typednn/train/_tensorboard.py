"""The TensorBoard callback: scalars, weight, gradient and update histograms, update ratios and hparams.

tensorboardX writes the event files (`_tensorboardx`); no TensorFlow is needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from .._errors import TypednnError
from ._callback import Callback, Run, Steps
from ._tensorboard_files import drop_events, redone_by
from ._tensorboard_hparams import run_hparams
from ._tensorboard_params import HostParams, histograms, host_copy, update_ratios, updates
from ._tensorboardx import EventWriter, HParam
from ._tensorboardx import crc32c as crc32c

_ROOT = ""  # the writer of the log folder itself, which holds the hparams session


def _positive(value: object, *, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


class TensorBoard(Callback):
    """Log a run for TensorBoard: epoch metrics, each layer's weights and how far an epoch moved them.

    As Keras does, `log_dir/train/` gets `epoch_loss`, `epoch_accuracy`, ... (and
    `epoch_learning_rate` when the logs hold it) at step = epoch, and
    `log_dir/validation/` gets the `val_` metrics with the prefix stripped, so
    TensorBoard draws both runs on one chart. With an int `update_freq`, `batch_loss`
    (that step's own loss, not a running mean) goes to `train/` every `update_freq`
    optimizer steps, at step = steps done.

    Every `histogram_freq` epochs (from the first), `train/` also gets, per layer:

    - `weights/<layer>/<array>`: a histogram of the parameters after the epoch;
    - `gradients/<layer>/<array>`: a histogram of the loss's gradient on the epoch's
      last batch (with that step's dropout), at the parameters after the epoch, for
      each trainable array;
    - `updates/<layer>/<array>`: a histogram of what the epoch changed in them;
    - `update_ratio/<layer>`: ||Δparams|| / ||params|| over the epoch, a scalar (the
      chart DL4J's training UI is known for: a layer far above its neighbours learns
      too fast, one near zero has stopped learning).

    The gradients are one batch's, not a mean over the epoch: the compiled train step
    returns none (so training runs the same program with TensorBoard on or off), and
    the trainer computes them only for the epochs that write histograms, with one
    separate jitted gradient of the same loss (`Callback.wants_gradients`). A mean over
    the epoch would add a parameter-sized output to every step of every epoch.

    `log_dir` itself gets the hparams plugin's session: the batch size, epochs,
    examples, steps per epoch, seed, loss and parameter count the callback sees, and
    `hparams` (e.g. the optimizer and its learning rate) on top, so TensorBoard's
    HPARAMS tab compares runs logged to sibling folders with their metrics.

    Files are flushed to disk at each epoch's end. The folder describes one run, as
    CSVLogger's file does: each `fit` adds new event files, and first removes from the
    existing ones what it will write again: everything for a fresh run, the redone
    epochs (and their steps) for a resumed one. Only the chief process writes.

    Args:
        log_dir: The folder to give `tensorboard --logdir`.
        update_freq: `"epoch"`, or write `batch_loss` every this many steps.
        histogram_freq: Write histograms and update ratios every this many epochs
            (0: never). Each costs two host copies of the parameters, and one
            gradient on one batch (compiled once per fit).
        hparams: Hyperparameters to record beside those the callback sees (a string,
            bool or number each).

    Raises:
        TypednnError: If `update_freq` is neither `"epoch"` nor a positive int,
            `histogram_freq` is not an int >= 0, an hparam is not a string, bool or
            number, or an existing event file is corrupt.

    Example:
        >>> import typednn as tn
        >>> board = tn.callbacks.TensorBoard("runs/mnist", update_freq=100, hparams={"optimizer": "adam"})
        >>> history = trainer.fit(data, epochs=10, callbacks=[board])  # doctest: +SKIP
        >>> # then: tensorboard --logdir runs/mnist
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        *,
        update_freq: Literal["epoch"] | int = "epoch",
        histogram_freq: int = 1,
        hparams: Mapping[str, HParam] | None = None,
    ) -> None:
        if update_freq != "epoch" and not _positive(update_freq, low=1):
            raise TypednnError(
                f"TensorBoard update_freq must be 'epoch' or a positive number of steps, got {update_freq!r}",
                hint="use update_freq='epoch' for epoch scalars only, or e.g. update_freq=100",
            )
        if not _positive(histogram_freq, low=0):
            raise TypednnError(
                f"TensorBoard histogram_freq must be an int >= 0 (epochs between histograms), got {histogram_freq!r}",
                hint="use histogram_freq=1 for every epoch, or 0 for no histograms",
            )
        for name, value in (hparams or {}).items():
            if not isinstance(name, str) or not isinstance(value, str | bool | int | float):
                raise TypednnError(
                    f"TensorBoard hparams: {name!r} is {type(value).__name__} {value!r}; TensorBoard shows strings,"
                    " bools and numbers",
                    hint=f"pass str(value) to record it as text, e.g. hparams={{{str(name)!r}: {str(value)!r}}}",
                )
        self.log_dir = Path(log_dir)
        self.update_freq = update_freq
        self.histogram_freq = histogram_freq
        self.hparams = dict(hparams or {})
        self._writers: dict[str, EventWriter] = {}
        self._before: HostParams | None = None

    def on_train_begin(self, run: Run) -> None:
        self._before = None
        if not run.is_chief:
            return
        redone = redone_by(epoch=run.initial_epoch, step=run.initial_epoch * run.steps_per_epoch)
        for folder in (self.log_dir, self.log_dir / "train", self.log_dir / "validation"):
            if folder.is_dir():
                drop_events(folder, redone)
        self._writer(_ROOT).add_session_start(run_hparams(run) | self.hparams)
        self._writer(_ROOT).flush()

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        if self._histograms_due(epoch):
            self._before = _host_params(run)

    def wants_gradients(self, run: Run, epoch: int) -> bool:
        return self._histograms_due(epoch)

    def on_steps_end(self, run: Run, steps: Steps) -> None:
        if not run.is_chief or self.update_freq == "epoch":
            return
        for done, loss in enumerate(steps.losses.tolist(), start=steps.first_step + 1):
            if done % self.update_freq == 0:
                self._writer("train").add_scalars(done, {"batch_loss": loss})

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        after = _host_params(run) if self._histograms_due(epoch) else None
        if not run.is_chief:
            return
        train = {f"epoch_{key}": value for key, value in logs.items() if not key.startswith("val_")}
        validation = {f"epoch_{key[4:]}": value for key, value in logs.items() if key.startswith("val_")}
        for name, scalars in (("train", train), ("validation", validation)):
            if scalars:
                self._writer(name).add_scalars(epoch, scalars)
        if after is not None:
            self._write_params(epoch, self._before, after, run.gradients)
        self._before = None
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, run: Run) -> None:
        if _ROOT in self._writers:
            self._writers[_ROOT].add_session_end()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        self._before = None

    def _histograms_due(self, epoch: int) -> bool:
        return self.histogram_freq > 0 and epoch % self.histogram_freq == 0

    def _write_params(
        self, epoch: int, before: HostParams | None, after: HostParams, gradients: Mapping[str, Any] | None
    ) -> None:
        train = self._writer("train")
        train.add_histograms(epoch, histograms(after, prefix="weights"))
        if gradients is not None:
            train.add_histograms(epoch, histograms(host_copy(gradients), prefix="gradients"))
        if before is not None:
            train.add_histograms(epoch, histograms(updates(before, after), prefix="updates"))
            if ratios := update_ratios(before, after):
                train.add_scalars(epoch, ratios)

    def _writer(self, name: str) -> EventWriter:
        if name not in self._writers:
            self._writers[name] = EventWriter(self.log_dir / name)
        return self._writers[name]


def _host_params(run: Run) -> HostParams | None:
    """Host copies of the trainer's parameters on the chief (None elsewhere, or without a trainer).

    Every process gathers: with parameters split across processes, it is a collective.
    """
    trainer: Any = run.trainer
    if trainer is None:  # a callback driven by hand, without a trainer, has no parameters to show
        return None
    params = trainer.host_params()
    return host_copy(params) if run.is_chief else None
