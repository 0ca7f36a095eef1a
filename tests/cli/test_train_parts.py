"""A multi-process `typednn train` reads one part of the data per process; a spec cannot ask for a part.

`load_data(spec, shard=...)` reads the source's part and splits it as the whole source
splits: the parts' training, validation and test rows together are a one-process run's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from typednn.spec import load_data, read

SPEC = """\
name: parts
model:
  input: [3]
  layers:
    - dense: 8
    - relu
    - dense: 3
data:
  source: SOURCE
  split: {validation: 0.2, test: 0.2}
  seed: 4
train:
  epochs: 2
  batch_size: 8
  optimizer: {adam: {learning_rate: 0.01}}
  metrics: [accuracy]
"""


def _spec(tmp_path: Path, source: str = "{csv: d.csv}") -> Path:
    rng = np.random.default_rng(0)
    rows = ["a,b,c,kind"] + [
        f"{x[0]:.4f},{x[1]:.4f},{x[2]:.4f},{('red', 'green', 'blue')[i % 3]}"
        for i, x in enumerate(rng.normal(size=(61, 3)))
    ]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    path = tmp_path / "parts.yaml"
    path.write_text(SPEC.replace("SOURCE", source))
    return path


def _rows(features: object) -> list[tuple[float, ...]]:
    return sorted(map(tuple, np.asarray(features).tolist()))


def test_the_parts_splits_together_are_the_one_process_split(tmp_path: Path) -> None:
    spec = read(_spec(tmp_path))
    whole = load_data(spec)
    parts = [load_data(spec, shard=(index, 3)) for index in range(3)]
    for side in ("train", "validation", "test"):
        want = getattr(whole, side)
        got = [getattr(part, side) for part in parts]
        assert want is not None and all(g is not None for g in got)
        assert _rows(np.concatenate([g.features for g in got])) == _rows(want.features)
        assert all(g.part is not None and g.part.count == 3 for g in got)
    assert all(part.schema == whole.schema for part in parts)


def test_a_spec_cannot_ask_for_a_part(tmp_path: Path) -> None:
    path = _spec(tmp_path, "{csv: {path: d.csv, shard: [0, 2]}}")
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{path}:") and "shard" in first


@pytest.mark.slow
def test_two_launched_processes_train_on_their_parts(tmp_path: Path) -> None:
    path = _spec(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "train", str(path), "--out", str(tmp_path / "run"), "--processes", "2"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("run directory:") == 1
    scores = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    assert set(scores) >= {"loss", "accuracy"}
