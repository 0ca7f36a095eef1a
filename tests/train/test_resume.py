"""Crash safety: a training process killed with SIGKILL, then resumed, ends bit-identical.

Its model draws random numbers every step (random augmentation and dropout, from the
per-step key), so a resumed run is bit-identical only if it draws what the
uninterrupted run drew.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn

CHILD = """
import sys
import jax, numpy as np, optax
import typednn as tn
from typednn import nn

out, directory, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Report(tn.callbacks.Callback):
    def on_steps_end(self, run, steps):
        print("step", steps.first_step + len(steps.losses), flush=True)

x = tn.Input(8, 8, 1)
augment = nn.RandomFlip("horizontal") >> nn.RandomContrast(0.2, value_range=(0.0, 16.0)) >> nn.RandomCrop(6, 6)
model = tn.Model(x, x >> augment >> nn.Flatten() >> nn.Dense(32) >> nn.relu >> nn.Dropout(0.2) >> nn.Dense(10))
trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3), steps_per_dispatch=4)
callbacks = [tn.callbacks.Checkpoint(directory, keep=2), Report()]
trainer.fit(tn.data.digits(), epochs=epochs, batch_size=64, callbacks=callbacks, resume=True, verbose=0)
np.savez(out, *[np.asarray(leaf) for leaf in jax.tree.leaves((trainer.params, trainer.opt_state))])
print("done", trainer.step, flush=True)
"""
EPOCHS = 4
STEPS = EPOCHS * 29  # 1797 digits in batches of 64


def run_child(script: Path, out: Path, directory: Path, *, kill_at: int | None = None) -> None:
    command = [sys.executable, str(script), str(out), str(directory), str(EPOCHS)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if kill_at is not None and line.startswith("step") and int(line.split()[1]) >= kill_at:
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
                return
        error = child.stderr.read() if child.stderr else ""
        assert child.wait() == 0, error
    assert kill_at is None, "the run finished before the kill point"


def arrays(path: Path) -> list[np.ndarray]:
    with np.load(path, allow_pickle=False) as saved:
        return [saved[name] for name in saved.files]


@pytest.mark.slow
def test_a_killed_run_resumes_to_bit_identical_parameters(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    run_child(script, tmp_path / "reference.npz", tmp_path / "reference")
    reference = arrays(tmp_path / "reference.npz")
    kill_points = sorted(random.Random(1234).sample(range(4, STEPS - 4), 3))
    for kill_at in kill_points:
        directory, out = tmp_path / f"killed_at_{kill_at}", tmp_path / f"resumed_{kill_at}.npz"
        run_child(script, out, directory, kill_at=kill_at)
        assert not out.exists()
        run_child(script, out, directory)
        for ours, theirs in zip(arrays(out), reference, strict=True):
            assert np.array_equal(ours, theirs), f"killed at step {kill_at}: the resumed run differs"


def small_trainer(seed: int = 0) -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=seed)


def small_data() -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(40, 4)), rng.integers(0, 3, 40), classes=3)


def test_resume_in_process_continues_the_run_and_its_history(tmp_path: Path) -> None:
    whole = small_trainer()
    whole.fit(small_data(), epochs=4, batch_size=8, verbose=0)
    first = small_trainer()
    first.fit(small_data(), epochs=2, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path)], verbose=0)
    second = small_trainer()
    history = second.fit(
        small_data(), epochs=4, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path)], resume=True, verbose=0
    )
    assert len(history) == 4 and (second.epoch, second.step) == (4, 20)
    for ours, theirs in zip(jax.tree.leaves(second.params), jax.tree.leaves(whole.params), strict=True):
        assert np.array_equal(ours, theirs)


def test_resuming_a_damaged_checkpoint_names_the_file_and_an_older_good_step(tmp_path: Path) -> None:
    small_trainer().fit(
        small_data(), epochs=3, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path, keep=3)], verbose=0
    )
    newest = sorted(tmp_path.glob("step_*"))[-1]
    victim = max(
        (p for p in newest.rglob("*") if p.is_file() and p.name != "typednn-checkpoint.json"),
        key=lambda p: p.stat().st_size,
    )
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(tn.train.CheckpointError) as caught:
        small_trainer().fit(
            small_data(), epochs=4, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path)], resume=True, verbose=0
        )
    assert victim.name in str(caught.value) and "step 10 still loads" in str(caught.value)


def test_resuming_with_another_batch_size_is_refused(tmp_path: Path) -> None:
    small_trainer().fit(small_data(), epochs=1, batch_size=8, callbacks=[tn.callbacks.Checkpoint(tmp_path)], verbose=0)
    with pytest.raises(tn.TypednnError, match=r"the run changed \(batch_size 8 -> 4\)"):
        small_trainer().fit(
            small_data(), epochs=2, batch_size=4, callbacks=[tn.callbacks.Checkpoint(tmp_path)], resume=True, verbose=0
        )
