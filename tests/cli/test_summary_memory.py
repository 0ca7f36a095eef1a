"""`typednn summary --batch-size`: XLA's peak memory of a step; `train: {accumulate, remat}` in specs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typednn.spec import read
from typednn.spec._run import memory_trainer

SPEC = """\
model:
  input: [16]
  layers:
    - dense: {units: 32, name: block0_a}
    - relu: {}
    - dense: {units: 32, name: block0_b}
    - dense: 3
train:
  accumulate: 4
  remat: [%s]
"""


def typednn(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *arguments], capture_output=True, text=True, timeout=120, check=False
    )


def test_summary_with_a_batch_size_prints_the_step_peak_memory(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(SPEC % "block0_*")
    done = typednn("summary", str(spec), "--batch-size", "64")
    assert done.returncode == 0, done.stderr
    assert "Activation memory:" in done.stdout and "at batch size 64" in done.stdout  # the shape-based lines stay
    assert "Peak memory of one training step:" in done.stdout
    assert "XLA's memory analysis: arguments" in done.stdout and "temporaries" in done.stdout


def test_summary_refuses_a_batch_size_that_is_not_positive(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(SPEC % "block0_*")
    done = typednn("summary", str(spec), "--batch-size", "0")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "batch size is an int from 1" in done.stderr


def test_check_names_an_unknown_remat_layer_at_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(SPEC % "block0_*, blok1_a")
    done = typednn("check", str(spec))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert f"{spec}:10:" in first and "remat= names 'blok1_a'" in first, done.stderr


def test_the_train_section_reaches_the_trainer(tmp_path: Path) -> None:
    spec = tmp_path / "deep.yaml"
    spec.write_text(SPEC % "block0_*")
    trainer = memory_trainer(read(spec))
    assert trainer.accumulate == 4
    assert trainer.remat == (range(0, 3),)
