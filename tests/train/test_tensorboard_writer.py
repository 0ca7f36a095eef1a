"""TensorBoard through tensorboardX: histograms, update ratios and hparams, read back by tensorboard's own loader."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import optax
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

import typednn as tn
from typednn import nn
from typednn._errors import TypednnError
from typednn.spec._load import read
from typednn.spec._run import train
from typednn.train._callback import Run
from typednn.train._tensorboard import TensorBoard
from typednn.train._tensorboard_hparams import flatten


def loaded(folder: Path) -> EventAccumulator:
    """TensorBoard's own reader over `folder`, keeping every histogram and scalar."""
    accumulator = EventAccumulator(str(folder), size_guidance={"histograms": 0, "scalars": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def session(folder: Path) -> dict[str, Any]:
    """The hyperparameters of the hparams plugin's session start written in `folder`."""
    content = loaded(folder).PluginTagToContent("hparams")
    start = HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
    found: dict[str, Any] = {}
    for name, value in start.hparams.items():
        kind = value.WhichOneof("kind")
        found[name] = getattr(value, kind)
    return found


# --- With a real trainer -------------------------------------------------------------


def fitted_run(folder: Path, *, epochs: int = 3, **options: Any) -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8, name="hidden") >> nn.relu >> nn.Dense(3, name="logits"))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=3)
    rng = np.random.default_rng(0)
    data = tn.data.from_arrays(rng.normal(size=(40, 4)), rng.integers(0, 3, 40), classes=3)
    board = TensorBoard(folder, hparams={"optimizer": "adam", "optimizer.learning_rate": 1e-2}, **options)
    trainer.fit(data, epochs=epochs, batch_size=8, validation=0.25, callbacks=[board], verbose=0)
    return trainer


@pytest.mark.slow
def test_a_fit_writes_scalars_histograms_update_ratios_and_hparams(tmp_path: Path) -> None:
    trainer = fitted_run(tmp_path)
    board = loaded(tmp_path / "train")
    tags = board.Tags()
    assert {"epoch_loss", "update_ratio/hidden", "update_ratio/logits"} <= set(tags["scalars"])
    assert [event.step for event in board.Scalars("epoch_loss")] == [0, 1, 2]
    assert set(tags["histograms"]) == {
        f"{section}/{layer}/{array}"
        for section in ("weights", "gradients", "updates")
        for layer in ("hidden", "logits")
        for array in ("kernel", "bias")
    }
    kernel = board.Histograms("weights/hidden/kernel")
    assert [event.step for event in kernel] == [0, 1, 2]
    assert kernel[-1].histogram_value.num == 4 * 8
    final = np.asarray(trainer.params["hidden"]["kernel"], np.float64)
    assert kernel[-1].histogram_value.sum == pytest.approx(final.sum(), abs=1e-4)
    assert kernel[-1].histogram_value.max == pytest.approx(final.max(), abs=1e-6)
    ratios = [event.value for event in board.Scalars("update_ratio/hidden")]
    assert len(ratios) == 3 and all(0 < ratio < 10 for ratio in ratios)
    assert [event.step for event in loaded(tmp_path / "validation").Scalars("epoch_loss")] == [0, 1, 2]

    assert session(tmp_path) == {
        "batch_size": 8,
        "epochs": 3,
        "examples": 30,
        "steps_per_epoch": 4,
        "seed": 3,
        "loss": "softmax_cross_entropy",
        "parameters": 4 * 8 + 8 + 8 * 3 + 3,
        "optimizer": "adam",
        "optimizer.learning_rate": pytest.approx(1e-2),
    }
    assert "_hparams_/session_end_info" in loaded(tmp_path).PluginTagToContent("hparams")


@pytest.mark.slow
def test_histogram_freq_picks_the_epochs(tmp_path: Path) -> None:
    fitted_run(tmp_path / "every-2", epochs=3, histogram_freq=2)
    board = loaded(tmp_path / "every-2" / "train")
    assert [event.step for event in board.Histograms("weights/logits/bias")] == [0, 2]
    assert [event.step for event in board.Scalars("update_ratio/logits")] == [0, 2]
    fitted_run(tmp_path / "never", epochs=1, histogram_freq=0)
    tags = loaded(tmp_path / "never" / "train").Tags()
    assert tags["histograms"] == [] and not any(tag.startswith("update_ratio/") for tag in tags["scalars"])


# --- With a fake trainer: exact values ------------------------------------------------


@dataclass
class FakeModel:
    def count_params(self) -> int:
        return 6


@dataclass
class FakeTrainer:
    """What the callback reads of a trainer: `host_params()`, `seed`, `loss`, `model`."""

    params: dict[str, dict[str, np.ndarray[Any, Any]]]
    seed: int = 0
    loss: str = "mean_squared_error"
    model: FakeModel = field(default_factory=FakeModel)

    def host_params(self) -> dict[str, dict[str, np.ndarray[Any, Any]]]:
        return self.params


def drive_epochs(callback: TensorBoard, trainer: FakeTrainer, epochs: range, *, scale: float = 1.001) -> None:
    """Each epoch multiplies every parameter by `scale`: an update ratio of `scale - 1`."""
    run = Run(
        trainer=cast(Any, trainer),
        epochs=epochs.stop,
        initial_epoch=epochs.start,
        steps_per_epoch=2,
        batch_size=4,
        examples=8,
    )
    callback.on_train_begin(run)
    for epoch in epochs:
        callback.on_epoch_begin(run, epoch)
        trainer.params = {layer: {k: v * scale for k, v in arrays.items()} for layer, arrays in trainer.params.items()}
        callback.on_epoch_end(run, epoch, {"loss": 1.0 / (epoch + 1)})
    callback.on_train_end(run)


def params() -> dict[str, dict[str, np.ndarray[Any, Any]]]:
    return {"dense": {"kernel": np.ones((2, 2), np.float32), "bias": np.full(2, 2.0, np.float32)}}


def test_the_update_ratio_is_the_norm_of_the_change_over_the_norm_of_the_parameters(tmp_path: Path) -> None:
    drive_epochs(TensorBoard(tmp_path), FakeTrainer(params()), range(2), scale=1.01)
    ratios = loaded(tmp_path / "train").Scalars("update_ratio/dense")
    assert [event.step for event in ratios] == [0, 1]
    assert [event.value for event in ratios] == pytest.approx([0.01, 0.01], rel=1e-4)
    updates = loaded(tmp_path / "train").Histograms("updates/dense/bias")
    assert updates[0].histogram_value.sum == pytest.approx(2 * 0.02, rel=1e-4)


def test_resume_replaces_the_redone_epochs_histograms_ratios_and_session(tmp_path: Path) -> None:
    drive_epochs(TensorBoard(tmp_path), FakeTrainer(params()), range(3))
    drive_epochs(TensorBoard(tmp_path, hparams={"note": "resumed"}), FakeTrainer(params()), range(1, 3), scale=1.1)
    board = loaded(tmp_path / "train")
    assert [event.step for event in board.Histograms("weights/dense/kernel")] == [0, 1, 2]
    ratios = [event.value for event in board.Scalars("update_ratio/dense")]
    assert ratios == pytest.approx([0.001, 0.1, 0.1], rel=1e-3)
    assert session(tmp_path)["note"] == "resumed"  # one session: the earlier run's start was dropped


def test_a_fresh_run_replaces_everything_an_earlier_one_wrote(tmp_path: Path) -> None:
    drive_epochs(TensorBoard(tmp_path), FakeTrainer(params()), range(3))
    drive_epochs(TensorBoard(tmp_path), FakeTrainer(params()), range(1), scale=1.1)
    board = loaded(tmp_path / "train")
    assert [event.step for event in board.Histograms("weights/dense/kernel")] == [0]
    assert [event.value for event in board.Scalars("update_ratio/dense")] == pytest.approx([0.1], rel=1e-3)
    assert len(list((tmp_path / "train").iterdir())) == 1
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 1


def test_non_finite_parameters_are_left_out_of_histograms(tmp_path: Path) -> None:
    broken = {
        "dense": {"kernel": np.array([1.0, math.nan, math.inf], np.float32), "bias": np.full(2, math.nan, np.float32)}
    }
    drive_epochs(TensorBoard(tmp_path), FakeTrainer(broken), range(1))
    board = loaded(tmp_path / "train")
    assert board.Histograms("weights/dense/kernel")[0].histogram_value.num == 1
    assert "weights/dense/bias" not in board.Tags()["histograms"]


def test_no_trainer_means_no_parameters_to_show(tmp_path: Path) -> None:
    run = Run(trainer=cast(Any, None), epochs=1, initial_epoch=0, steps_per_epoch=1, batch_size=1, examples=1)
    board = TensorBoard(tmp_path)
    board.on_train_begin(run)
    board.on_epoch_begin(run, 0)
    board.on_epoch_end(run, 0, {"loss": 0.5})
    board.on_train_end(run)
    assert loaded(tmp_path / "train").Tags()["histograms"] == []
    assert session(tmp_path) == {"batch_size": 1, "epochs": 1, "examples": 1, "steps_per_epoch": 1}


def test_only_the_chief_writes(tmp_path: Path) -> None:
    run = Run(
        trainer=cast(Any, FakeTrainer(params())),
        epochs=1,
        initial_epoch=0,
        steps_per_epoch=1,
        batch_size=1,
        examples=1,
        is_chief=False,
    )
    board = TensorBoard(tmp_path)
    board.on_train_begin(run)
    board.on_epoch_begin(run, 0)
    board.on_epoch_end(run, 0, {"loss": 0.5})
    board.on_train_end(run)
    assert not tmp_path.joinpath("train").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("histogram_freq", [-1, True, 1.5, "epoch"])
def test_histogram_freq_must_be_a_count_of_epochs(histogram_freq: Any) -> None:
    with pytest.raises(TypednnError, match=r"histogram_freq must be an int >= 0 \(epochs between histograms\), got "):
        TensorBoard("tb", histogram_freq=histogram_freq)


def test_hparams_must_be_strings_bools_or_numbers() -> None:
    with pytest.raises(TypednnError, match=r"hparams: 'layers' is list \[1, 2\]; TensorBoard shows strings") as caught:
        TensorBoard("tb", hparams=cast(Any, {"layers": [1, 2]}))
    assert caught.value.hint == "pass str(value) to record it as text, e.g. hparams={'layers': '[1, 2]'}"


def test_flatten_spells_a_spec_option_as_hparams() -> None:
    assert flatten({"adam": {"learning_rate": 0.003, "b1": 0.9}}, prefix="optimizer") == {
        "optimizer": "adam",
        "optimizer.learning_rate": 0.003,
        "optimizer.b1": 0.9,
    }
    schedule = {"sgd": {"learning_rate": {"cosine_decay": {"init_value": 0.1}}, "momentum": None}}
    assert flatten(schedule, prefix="optimizer") == {
        "optimizer": "sgd",
        "optimizer.learning_rate": "cosine_decay",
        "optimizer.learning_rate.init_value": 0.1,
        "optimizer.momentum": "null",
    }
    assert flatten([1, 2], prefix="sizes") == {"sizes": "[1, 2]"}


# --- In a spec run -----------------------------------------------------------------------

SPEC = """\
name: tiny
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 10
data:
  source: {builtin: digits}
train:
  epochs: 2
  batch_size: 256
  optimizer: {adam: {learning_rate: 0.01}}
"""


@pytest.mark.slow
def test_a_spec_run_writes_tensorboard_in_its_run_directory(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(SPEC)
    train(read(tmp_path / "tiny.yaml"), tmp_path / "run", verbose=0)
    board = tmp_path / "run" / "tensorboard"
    assert [event.step for event in loaded(board / "train").Scalars("epoch_loss")] == [0, 1]
    assert "weights/dense/kernel" in loaded(board / "train").Tags()["histograms"]
    found = session(board)
    assert found["optimizer"] == "adam" and found["optimizer.learning_rate"] == pytest.approx(0.01)
