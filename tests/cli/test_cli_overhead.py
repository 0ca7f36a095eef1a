"""What `typednn train` adds to each epoch: checkpoints written off the training thread, a plot redrawn now and then."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train._checkpoint_callback import Checkpoint
from typednn.train._checkpoint_manifest import MANIFEST

ROOT = Path(__file__).resolve().parents[2]


def iris_spec(folder: Path, *, epochs: int) -> Path:
    shutil.copy(ROOT / "examples" / "data" / "iris.csv", folder / "iris.csv")
    spec = json.loads((ROOT / "examples" / "iris.json").read_text())
    spec["data"]["source"]["csv"]["path"] = "iris.csv"
    spec["train"]["epochs"] = epochs
    spec["train"]["reduce_lr_on_plateau"] = {"monitor": "loss", "factor": 0.5, "patience": 1, "min_delta": 10.0}
    path = folder / "iris.json"
    path.write_text(json.dumps(spec))
    return path


@pytest.mark.slow
def test_a_cli_run_numbers_epochs_like_its_console_and_completes_its_checkpoints(tmp_path: Path) -> None:
    spec = iris_spec(tmp_path, epochs=3)
    result = subprocess.run(
        [sys.executable, "-m", "typednn", "train", str(spec), "--out", str(tmp_path / "run")],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout.splitlines()
    epoch_lines = [line for line in out if line.startswith("epoch ")]
    assert [line.split(" - ")[0] for line in epoch_lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    # The plateau notice (min_delta=10: never an improvement after the first epoch) follows its epoch's line.
    notice = "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.005."
    assert out.index(notice) == out.index(epoch_lines[1]) + 1
    run = tmp_path / "run"
    rows = list(csv.DictReader((run / "metrics.csv").read_text().splitlines()))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    steps = sorted((run / "checkpoints").glob("step_*"))
    assert steps and all((step / MANIFEST).is_file() for step in steps)
    assert not list((run / "checkpoints").glob("*typednn-*"))  # no staging folder left behind
    assert (run / "training.png").read_bytes()[:4] == b"\x89PNG"


def small_trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(0.01), seed=3)


def small_data() -> tn.data.Dataset[Any, Any]:
    features = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    return tn.data.from_arrays(features, np.arange(64) % 3)


def test_a_background_checkpoint_resumes_as_a_blocking_one(tmp_path: Path) -> None:
    whole = small_trainer()
    whole.fit(small_data(), epochs=4, batch_size=16, verbose=0)
    first = small_trainer()
    first.fit(small_data(), epochs=2, batch_size=16, verbose=0, callbacks=[Checkpoint(tmp_path / "ck")])
    resumed = small_trainer()
    history = resumed.fit(
        small_data(), epochs=4, batch_size=16, verbose=0, resume=True, callbacks=[Checkpoint(tmp_path / "ck")]
    )
    assert len(history) == 4 and resumed.step == whole.step
    for layer, arrays in whole.params.items():
        for name, array in arrays.items():
            np.testing.assert_array_equal(np.asarray(resumed.params[layer][name]), np.asarray(array))


def test_a_failed_background_save_is_raised_by_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoint = Checkpoint(tmp_path / "ck")
    save = checkpoint.store.save

    def full(step: int, state: Any, meta: dict[str, Any]) -> Path:
        if step == 4:  # the first save, which blocks
            return save(step, state, meta)
        raise tn.TypednnError(f"{tmp_path}/ck: cannot write the checkpoint of step {step}: No space left on device")

    monkeypatch.setattr(checkpoint.store, "save", full)
    with pytest.raises(tn.TypednnError, match="cannot write the checkpoint of step 8"):
        small_trainer().fit(small_data(), epochs=3, batch_size=16, verbose=0, callbacks=[checkpoint])
    assert checkpoint._writer is None  # the thread was shut down


def test_a_failed_background_save_does_not_hide_the_error_that_stopped_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoint = Checkpoint(tmp_path / "ck")

    def full(step: int, state: Any, meta: dict[str, Any]) -> Path:
        if step == 4:  # the first save, which blocks
            return tmp_path
        raise tn.TypednnError("the disk is full")

    class Stop(tn.callbacks.Callback):
        def on_epoch_end(self, run: tn.callbacks.Run, epoch: int, logs: dict[str, float]) -> None:
            if epoch == 1:  # after the second save went to the background
                raise ValueError("the user's callback failed")

    monkeypatch.setattr(checkpoint.store, "save", full)
    with pytest.raises(ValueError, match="the user's callback failed"):
        small_trainer().fit(small_data(), epochs=3, batch_size=16, verbose=0, callbacks=[checkpoint, Stop()])
