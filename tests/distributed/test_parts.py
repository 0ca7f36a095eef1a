"""Each process of a job fits its own part of the data (`fit(data.shard(i, n))`).

The local order and padding are tested without processes; the job itself runs as two
real processes on 127.0.0.1 (XLA CPU, gloo), each launched from `py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from tests.distributed.parts_worker import VALIDATION, dataset, model
from typednn.distributed import Placement, data_mesh
from typednn.distributed._launch import free_port
from typednn.train._parts import Parts, agree

HERE = Path(__file__).resolve().parent
COLUMNS = {0: slice(0, 4), 1: slice(4, 8)}  # two processes, 4 examples of each batch of 8 each


def test_steps_per_epoch_are_the_most_any_process_needs() -> None:
    assert Parts((50, 51), 0).steps(COLUMNS) == 13
    assert Parts((8, 1), 1).steps(COLUMNS) == 2
    assert Parts((3, 2), 0).steps({0: slice(0, 1), 1: slice(1, 3)}) == 3  # a process with fewer devices


def test_the_local_order_is_a_pure_function_of_seed_epoch_and_process() -> None:
    parts = Parts((50, 51), 1)
    first = parts.order(seed=3, epoch=2, shuffle=True)
    assert sorted(first.tolist()) == list(range(51))
    assert np.array_equal(first, Parts((50, 51), 1).order(seed=3, epoch=2, shuffle=True))
    assert not np.array_equal(first, parts.order(seed=3, epoch=1, shuffle=True))
    assert not np.array_equal(first[:50], Parts((51, 51), 0).order(seed=3, epoch=2, shuffle=True)[:50])
    assert parts.order(seed=3, epoch=2, shuffle=False).tolist() == list(range(51))


def test_a_process_with_fewer_rows_pads_with_weight_zero_and_every_example_is_used_once() -> None:
    rows = (9, 6)
    for me in (0, 1):
        parts = Parts(rows, me)
        order = parts.order(seed=0, epoch=0, shuffle=True)
        got = list(parts.chunks(order, columns=COLUMNS, batch_size=8, steps_per_chunk=2))
        assert [c.first_step for c in got] == [0, 2]
        index = np.concatenate([c.index for c in got])
        weights = np.concatenate([c.weights for c in got])
        assert index.shape == weights.shape == (3, 8)
        block = COLUMNS[me]
        assert np.array_equal(index[:, block][weights[:, block] > 0], order)  # each of its rows once, in order
        # Every process sees the same padding: whether a batch is ragged, and the job's example count.
        assert weights[:, :4].sum() == 9 and weights[:, 4:].sum() == 6
        assert sum(c.examples for c in got) == 15
        assert weights[2].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]


def test_sample_weights_go_with_this_process_s_examples_only() -> None:
    parts = Parts((3, 2), 1)
    order = np.array([1, 0])
    [chunk] = parts.chunks(
        order, columns=COLUMNS, batch_size=8, steps_per_chunk=4, sample_weights=np.array([0.5, 2.0], np.float32)
    )
    assert chunk.sample is not None
    assert chunk.sample.tolist() == [[0, 0, 0, 0, 2.0, 0.5, 0, 0]]
    assert chunk.index.tolist() == [[0, 0, 0, 0, 1, 0, 0, 0]]


def test_one_process_holds_every_column_and_a_part_is_just_a_dataset() -> None:
    placement = Placement(data_mesh(1))
    assert placement.process_columns(8) == {0: slice(0, 8)}
    data = tn.data.from_arrays(np.ones((10, 4), np.float32), np.arange(10) % 3, classes=3)
    part = data.shard(1, 2)
    assert agree(part, placement, what="data", method="Trainer.fit") is None  # one process: no collective
    x = tn.Input(4)
    trainer = tn.Trainer(
        tn.Model(x, x >> tn.nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1)
    )
    trainer.fit(part, epochs=1, batch_size=2, verbose=0)
    assert trainer.step == 3  # its 5 rows


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two identical 2-process jobs; each directory holds both processes' reports and process 0's params."""
    return [job(tmp_path_factory.mktemp(f"job{n}")) for n in range(2)]


def job(out: Path) -> Path:
    port = str(free_port())
    env = os.environ | {"JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)  # one CPU device a process
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "parts_worker.py"), port, str(me), str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for me in range(2)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], [err for _, err in outputs]
    return out


def report(out: Path, me: int) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / f"{me}.json").read_text())
    return loaded


@pytest.mark.slow
def test_each_process_reads_only_its_own_rows(jobs: list[Path]) -> None:
    for me in range(2):
        seen = report(jobs[0], me)
        mine = range(seen["start"], seen["start"] + seen["rows"])
        assert seen["taken"] and all(row in mine for row in seen["taken"])
    assert [report(jobs[0], me)["rows"] for me in range(2)] == [50, 51]


@pytest.mark.slow
def test_unequal_parts_use_every_example_once_an_epoch_and_count_the_job_s_examples(jobs: list[Path]) -> None:
    reports = [report(jobs[0], me) for me in range(2)]
    for epoch in range(3):
        used = sorted(reports[0]["epochs"][epoch] + reports[1]["epochs"][epoch])
        assert used == list(range(101))
    assert reports[0]["epochs"][0] != reports[0]["epochs"][1]  # shuffled anew each epoch
    for seen in reports:
        assert seen["steps"] == 13  # ceil(51 / 4): the larger part's
        assert seen["examples"] == [101, 101, 101]  # the progress bar's count: the job's
    assert reports[0]["history"] == reports[1]["history"]


@pytest.mark.slow
def test_two_identical_runs_end_with_identical_parameters_and_resume_is_bit_identical(jobs: list[Path]) -> None:
    first, second = (np.load(out / "params.npz") for out in jobs)
    assert sorted(first) == sorted(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    assert report(jobs[0], 0)["history"] == report(jobs[1], 0)["history"]
    for me in range(2):
        assert report(jobs[0], me)["continued_identical"] is True  # fit(1 epoch) twice == fit(2 epochs)
        assert report(jobs[0], me)["resumed_identical"] is True  # stopped, resumed from its checkpoint


@pytest.mark.slow
def test_validation_on_parts_equals_a_one_process_evaluate_of_the_whole(jobs: list[Path]) -> None:
    stored = np.load(jobs[0] / "params.npz")
    params: dict[str, dict[str, jax.Array]] = {}
    for key in stored:
        layer, name = key.split("/")
        params.setdefault(layer, {})[name] = jax.numpy.asarray(stored[key])
    whole = dataset(VALIDATION, 1)
    scores = tn.train.evaluate(model(), params, whole, loss=tn.losses.softmax_cross_entropy, metrics=["accuracy"])
    last = report(jobs[0], 0)["history"][-1]
    assert last["val_loss"] == pytest.approx(scores["loss"], abs=1e-5)
    assert last["val_accuracy"] == pytest.approx(scores["accuracy"], abs=1e-6)
    assert report(jobs[0], 1)["evaluate"] == pytest.approx(scores, abs=1e-5)  # Trainer.evaluate of the parts


@pytest.mark.slow
def test_a_part_that_is_not_the_process_s_own_is_refused_by_every_process(jobs: list[Path]) -> None:
    for me in range(2):
        seen = report(jobs[0], me)
        assert seen["wrong_index"].startswith(
            "Trainer.fit: process 1 of 2 is given part 0 of 2 of the data, not part 1 of 2\n"
            "  hint: give each process its own part: data.shard(tn.distributed.process_index(),"
        )
        assert seen["wrong_count"].startswith("Trainer.fit: process 0 of 2 is given part 0 of 1 of the data")
        assert seen["mixed"].startswith(
            "Trainer.fit: processes [0] pass their part of the data, but process(es) [1] pass all of it"
        )
        assert seen["evaluate_wrong"].startswith("Trainer.evaluate: process 0 of 2 is given part 1 of 2 of the data")
