"""Multi-process jobs on 127.0.0.1, run as users run them: `typednn train --processes N` and
`--coordinator/--process-id/--num-processes`, each process a real subprocess, CPU collectives
through gloo. Each process reads only its own part of the data, so the order of the examples
is not a single-process run's: a job is compared with a one-process evaluate of its own
parameters on the same test split, and with a single-process run's accuracy."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from typednn.distributed._launch import free_port
from typednn.train._checkpoint_store import CheckpointStore

pytestmark = pytest.mark.slow

SPEC = """\
name: digits-mlp
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 128          # a 64x128 kernel: large enough to be sharded by --fsdp
    - relu
    - dropout: 0.1
    - dense: 10
data:
  source: {builtin: digits}
  split: {validation: 0.1, test: 0.2}
  seed: 0
train:
  epochs: EPOCHS
  batch_size: 32
  optimizer: {adam: {learning_rate: 0.003}}
  metrics: [accuracy]
"""


def spec(tmp_path: Path, epochs: int) -> Path:
    path = tmp_path / f"digits{epochs}.yaml"
    path.write_text(SPEC.replace("EPOCHS", str(epochs)))
    return path


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "typednn", "train", *map(str, args), "--quiet"]


def train(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command(*args), capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def weights(run: Path) -> dict[str, np.ndarray]:
    return load_file(str(run / "model" / "weights.safetensors"))


def assert_same(a: Path, b: Path, *, atol: float) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for name in wa:
        np.testing.assert_allclose(wa[name], wb[name], atol=atol, err_msg=name)


def assert_one_checkpoint_set(run: Path, steps: list[int]) -> None:
    """Only complete, verified checkpoints, each written once by the whole job: no leftovers."""
    store = CheckpointStore(run / "checkpoints")
    assert store.steps() == steps
    for step in steps:
        store.verify(step)
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [f"step_{s:08d}" for s in steps]


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("single")
    done = train(spec(tmp, 2), "--out", tmp / "run")
    assert done.returncode == 0, done.stderr
    return tmp / "run"


def evaluated(spec_file: Path, run: Path) -> dict[str, float]:
    """A one-process `typednn evaluate` of a run's model on the spec's test split."""
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "evaluate", str(spec_file), "--model", str(run / "model"), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    scores: dict[str, float] = json.loads(done.stdout)
    return scores


def test_two_launched_processes_train_on_their_own_parts(single: Path, tmp_path: Path) -> None:
    done = train(spec(tmp_path, 2), "--out", tmp_path / "run", "--processes", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("run directory:") == 1  # only process 0 reports
    scores = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    # The job's test split and its scores on it are a one-process run's.
    assert scores == pytest.approx(evaluated(spec(tmp_path, 2), tmp_path / "run"), abs=1e-5)
    alone = json.loads((single / "test_metrics.json").read_text())
    assert scores["accuracy"] == pytest.approx(alone["accuracy"], abs=0.05)  # another order, as good a model
    assert (tmp_path / "run" / "metrics.csv").read_text().count("\n") == 3  # header + 2 epochs, written once
    assert_one_checkpoint_set(tmp_path / "run", [40, 80])  # 40 steps an epoch


def test_four_processes_joined_by_hand_with_sharded_parameters(single: Path, tmp_path: Path) -> None:
    port = free_port()
    path = spec(tmp_path, 2)
    joined = [
        subprocess.Popen(
            [
                *command(path, "--out", tmp_path / "run", "--fsdp"),
                *("--coordinator", f"127.0.0.1:{port}", "--process-id", str(i), "--num-processes", "4"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [process.communicate(timeout=600) for process in joined]
    assert [process.returncode for process in joined] == [0, 0, 0, 0], [err for _, err in outputs]
    assert "run directory:" in outputs[0][0] and not any("run directory:" in out for out, _ in outputs[1:])
    scores = json.loads((tmp_path / "run" / "test_metrics.json").read_text())
    assert scores == pytest.approx(evaluated(path, tmp_path / "run"), abs=1e-5)
    assert scores["accuracy"] == pytest.approx(
        json.loads((single / "test_metrics.json").read_text())["accuracy"], abs=0.05
    )
    assert_one_checkpoint_set(tmp_path / "run", [40, 80])

    # The job's checkpoints hold global arrays: one process resumes them for a 3rd epoch.
    resumed = train(spec(tmp_path, 3), "--out", tmp_path / "run", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_one_checkpoint_set(tmp_path / "run", [40, 80, 120])


def test_a_killed_worker_stops_the_job_and_resume_finishes_it(tmp_path: Path) -> None:
    path = spec(tmp_path, 4)
    uninterrupted = train(path, "--out", tmp_path / "whole", "--processes", "2")
    assert uninterrupted.returncode == 0, uninterrupted.stderr

    run = tmp_path / "run"
    launcher = subprocess.Popen(
        command(path, "--out", run, "--processes", "2"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 300
    while not (run / "checkpoints" / "step_00000080").is_dir():  # the second epoch's checkpoint
        assert launcher.poll() is None and time.monotonic() < deadline, launcher.communicate()
        time.sleep(0.05)
    os.kill(worker(launcher.pid, 1), signal.SIGKILL)
    killed = time.monotonic()
    _, stderr = launcher.communicate(timeout=120)
    assert time.monotonic() - killed < 60
    assert launcher.returncode == 1, stderr
    assert "worker 1 was killed by SIGKILL" in stderr
    assert "worker 0 exited with 1" in stderr  # it stopped on its own, with an error
    assert "another process of the job stopped" in stderr
    assert "Traceback" not in stderr and "@ 0x" not in stderr

    resumed = train(path, "--out", run, "--processes", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert_same(run, tmp_path / "whole", atol=1e-6)
    assert (run / "metrics.csv").read_text() == (tmp_path / "whole" / "metrics.csv").read_text()


def worker(launcher: int, process_id: int) -> int:
    """The pid of the launcher's worker with this process id."""
    children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    for pid in map(int, children):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if argv[argv.index(b"--process-id") + 1] == str(process_id).encode():
            return pid
    raise AssertionError(f"no worker {process_id} among {children}")


def test_a_process_whose_job_never_assembles_stops_with_a_message(tmp_path: Path) -> None:
    started = time.monotonic()
    done = train(
        spec(tmp_path, 1),
        "--out",
        tmp_path / "run",
        "--coordinator",
        f"127.0.0.1:{free_port()}",
        "--process-id",
        "1",
        "--num-processes",
        "2",
        "--join-timeout",
        "3",
    )
    assert time.monotonic() - started < 60
    assert done.returncode == 1
    assert done.stderr.startswith("typednn: error: process 1 of 2: the job did not assemble at 127.0.0.1:")
    assert "within 3 s" in done.stderr and "hint: start every process with the same --coordinator" in done.stderr


def test_devices_that_leave_a_process_idle_are_refused(tmp_path: Path) -> None:
    done = train(spec(tmp_path, 1), "--out", tmp_path / "run", "--processes", "2", "--devices", "1")
    assert done.returncode == 1
    assert "the 1 devices chosen leave process(es) [1] of the job without a device" in done.stderr
    # Each worker refuses; under load the launcher may stop the slower one after its grace period.
    stopped = r"(exited with 1|was killed by SIG\w+|was stopped by JAX's distributed runtime \(SIGABRT\))"
    assert re.search(rf"worker 0 {stopped}; worker 1 {stopped}", done.stderr)
    assert "exited with 1" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coordinator", "127.0.0.1:1234"], "--coordinator, --process-id and --num-processes go together"),
        (["--processes", "2", "--coordinator", "a:1", "--process-id", "0", "--num-processes", "2"], "does not join"),
        (["--processes", "0"], "expected a number >= 1, got 0"),
    ],
)
def test_contradicting_options_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    done = train(spec(tmp_path, 1), "--out", tmp_path / "run", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
