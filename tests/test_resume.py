"""Crash safety: a training process killed with SIGKILL, then resumed, ends bit-identical."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

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
model = tn.Model(x, x >> nn.Flatten() >> nn.Dense(32) >> nn.relu >> nn.Dropout(0.2) >> nn.Dense(10))
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
