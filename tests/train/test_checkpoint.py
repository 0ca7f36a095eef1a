"""CheckpointStore: round trips, retention, leftovers of crashes, corruption, and a real SIGKILL."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint
import pytest

from typednn._errors import TypednnError
from typednn.train._checkpoint_manifest import MANIFEST
from typednn.train._checkpoint_orbax import OrbaxInfoFilter as _OrbaxInfoFilter
from typednn.train._checkpoint_store import CheckpointError, CheckpointStore


@jax.jit
def _optimizer_states(params: dict[str, Any]) -> dict[str, Any]:
    """Two optax states after one update, so no moment is all zeros (jitted: one compile, not dozens)."""
    grads = jax.tree.map(lambda p: jnp.full_like(p, 0.5), params)
    states = {}
    for name, opt in {
        "adam": optax.adam(1e-3),
        "inject": optax.inject_hyperparams(optax.adam)(learning_rate=1e-3),
    }.items():
        _, states[name] = opt.update(grads, opt.init(params), params)
    return states


def _state(seed: int = 0, *, features: int = 64) -> dict[str, Any]:
    """A trainer's state (params, adam and injected-hyperparameter adam states), plus a numpy leaf."""
    rng = np.random.default_rng(seed)  # not jax.random: its compile takes seconds on a small machine
    params = {
        "dense": {
            "kernel": jnp.asarray(rng.standard_normal((features, 10), np.float32)),
            "bias": jnp.asarray(rng.standard_normal(10, np.float32)),
        },
        "embed": {"table": jnp.asarray(rng.standard_normal((5, 3), np.float32).astype(jnp.bfloat16))},
    }
    return {"params": params, "opt_state": _optimizer_states(params), "seen": np.arange(6, dtype=np.int8)}


def _assert_bit_equal(actual: Any, expected: Any) -> None:
    assert jax.tree_util.tree_structure(actual) == jax.tree_util.tree_structure(expected)  # type: ignore[operator]  # jax's PyTreeDef alias is opaque to mypy
    for (path, a), e in zip(jax.tree_util.tree_flatten_with_path(actual)[0], jax.tree.leaves(expected)):
        assert isinstance(a, jax.Array), path
        assert a.dtype == e.dtype and a.shape == e.shape, path
        assert np.asarray(a).tobytes() == np.asarray(e).tobytes(), path


def _biggest_file(folder: pathlib.Path) -> pathlib.Path:
    """The biggest file of array data (orbax keeps it in a `d/` folder)."""
    return max((p for p in folder.rglob("*") if p.parent.name == "d"), key=lambda p: p.stat().st_size)


# -- round trip and layout ---------------------------------------------------------------


def test_round_trip_is_bit_exact_and_restores_namedtuples(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    state = _state()
    meta = {"epoch": 3, "seed": 0, "batch_size": 32, "metrics": {"loss": 0.25, "val_loss": 0.5}}
    folder = store.save(123, state, meta)

    assert folder == tmp_path / "step_00000123"
    assert store.steps() == [123] and store.latest() == 123
    like = jax.eval_shape(lambda: _state(1))  # ShapeDtypeStructs: what a fresh run knows
    restored, restored_meta = store.restore(123, like)
    _assert_bit_equal(restored, state)
    assert restored_meta == meta
    inject = restored["opt_state"]["inject"]
    assert type(inject).__name__ == "InjectStatefulHyperparamsState"
    assert type(inject.inner_state[0]).__name__ == "ScaleByAdamState"
    assert type(inject.inner_state[1]).__name__ == "EmptyState"
    assert float(inject.hyperparams["learning_rate"]) == np.float32(1e-3)
    # The saved numpy leaf comes back as a jax array too.
    _assert_bit_equal(store.restore(123, state)[0], state)


def test_manifest_records_step_meta_leaves_and_every_file(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    folder = store.save(7, _state(), {"epoch": 1, "metrics": {"val_loss": np.float32(0.5)}})

    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["format"] == "typednn-checkpoint" and manifest["version"] == 1 and manifest["step"] == 7
    assert manifest["meta"] == {"epoch": 1, "metrics": {"val_loss": 0.5}}  # numpy scalar became a float
    assert {"path": "params/dense/kernel", "shape": [64, 10], "dtype": "float32"} in manifest["leaves"]
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk
    assert all(len(f["sha256"]) == 64 and f["size"] >= 0 for f in manifest["files"].values())
    assert sorted(os.listdir(tmp_path)) == ["step_00000007"]


def test_saving_an_existing_step_replaces_it(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(5, _state(0), {"run": "a"})
    store.save(5, _state(1), {"run": "b"})

    restored, meta = store.restore(5, _state())
    _assert_bit_equal(restored, _state(1))
    assert meta == {"run": "b"}
    assert sorted(os.listdir(tmp_path)) == ["step_00000005"]


def test_a_failed_save_leaves_the_old_checkpoint_of_that_step(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(5, _state(0), {"run": "a"})
    with pytest.raises(ValueError, match="Unsupported type"):  # orbax refuses to write a shape without data
        store.save(5, jax.eval_shape(_state), {"run": "b"})

    assert store.steps() == [5]
    _assert_bit_equal(store.restore(5, _state())[0], _state(0))
    store.save(6, _state(), {})
    assert sorted(os.listdir(tmp_path)) == ["step_00000005", "step_00000006"]


def test_save_rejects_what_it_cannot_store(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    with pytest.raises(TypednnError, match=r"meta cannot be stored as JSON: object is not JSON-serialisable"):
        store.save(1, _state(), {"when": object()})
    with pytest.raises(TypednnError, match=r"leaf 'params/lr' is a float, expected a jax or numpy array"):
        store.save(1, {"params": {"lr": 0.1}}, {})
    with pytest.raises(TypednnError, match=r"step must be an int >= 0, got -1"):
        store.save(-1, _state(), {})
    assert store.steps() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keep": 0}, r"CheckpointStore\(keep=0\): keep must be an int >= 1"),
        ({"keep_best": -1}, r"CheckpointStore\(keep_best=-1\): keep_best must be an int >= 0"),
        ({"mode": "lowest"}, r"CheckpointStore\(mode='lowest'\): mode must be 'min' or 'max'"),
    ],
)
def test_invalid_configuration_is_refused(tmp_path: pathlib.Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypednnError, match=message):
        CheckpointStore(tmp_path, **kwargs)


# -- retention -----------------------------------------------------------------------------


def _save_metrics(store: CheckpointStore, metrics: list[dict[str, float]]) -> None:
    state = {"w": np.zeros(3, np.float32)}
    for step, values in enumerate(metrics, start=1):
        store.save(step * 100, state, {"metrics": values})


def test_retention_keeps_newest_and_lowest(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path, keep=2, keep_best=1)
    _save_metrics(store, [{"val_loss": v} for v in (0.5, 0.2, 0.4, 0.3, 0.6)])
    assert store.steps() == [200, 400, 500]


def test_retention_keeps_newest_and_highest(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path, keep=1, keep_best=2, monitor="val_accuracy", mode="max")
    _save_metrics(store, [{"val_accuracy": v} for v in (0.5, 0.9, 0.7, 0.8, 0.6, 0.1)])
    assert store.steps() == [200, 400, 600]


def test_checkpoints_without_the_metric_count_only_as_recent(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path, keep=1, keep_best=1)
    _save_metrics(store, [{"val_loss": 0.9}, {"loss": 0.1}, {"val_loss": float("nan")}, {}])
    assert store.steps() == [100, 400]


def test_retention_by_recency_only(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path, keep=2, keep_best=0)
    _save_metrics(store, [{"val_loss": v} for v in (0.1, 0.5, 0.6)])
    assert store.steps() == [200, 300]


def test_the_checkpoint_just_saved_is_kept_even_when_newer_ones_exist(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path, keep=1, keep_best=0)
    store.save(300, {"w": np.zeros(3, np.float32)}, {})
    store.save(250, {"w": np.ones(3, np.float32)}, {})  # a run resumed from an older step
    assert store.steps() == [250, 300]


# -- leftovers of crashes ----------------------------------------------------------------------


def test_incomplete_folders_are_ignored_and_removed_by_the_next_save(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, _state(), {})
    leftovers = [
        "step_00000002",  # orbax finished, the manifest was never written
        "step_00000003.orbax-checkpoint-tmp",  # orbax was interrupted
        "step_00000004.typednn-tmp",  # staging without a manifest
        "step_00000004.typednn-tmp.orbax-checkpoint-tmp",
        "step_00000001.typednn-trash",  # a deletion was interrupted
    ]
    for name in leftovers:
        (tmp_path / name / "d").mkdir(parents=True)
        (tmp_path / name / "d" / "blob").write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("not the store's")

    assert store.steps() == [1]
    store.save(5, _state(), {})
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "step_00000001", "step_00000005"]
    store.verify(1)


def test_a_crash_between_the_renames_of_a_replace_loses_nothing(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, _state(1), {"run": "new"})
    # The state a crash leaves after `step_1 -> trash` and before `staging -> step_1`.
    os.rename(tmp_path / "step_00000001", tmp_path / "step_00000001.typednn-tmp")
    (tmp_path / "step_00000001.typednn-trash").mkdir()

    assert store.steps() == [1]
    assert store.restore(1, _state())[1] == {"run": "new"}
    store.save(2, _state(2), {})
    assert sorted(os.listdir(tmp_path)) == ["step_00000001", "step_00000002"]
    _assert_bit_equal(store.restore(1, _state())[0], _state(1))


# -- corruption ------------------------------------------------------------------------------------


def _truncate(path: pathlib.Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_bit(path: pathlib.Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _break_json(path: pathlib.Path) -> None:
    path.write_text(path.read_text()[:-20])


def _edit_meta(path: pathlib.Path) -> None:
    manifest = json.loads(path.read_text())
    manifest["meta"]["epoch"] = 7
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("target", "damage", "message"),
    [
        ("data", _truncate, r"has \d+ bytes, expected \d+ \(truncated or rewritten\)"),
        ("data", _flip_bit, r"is corrupt: sha256 [0-9a-f]{12}\.\.\., expected [0-9a-f]{12}\.\.\. \(\d+ bytes"),
        ("data", pathlib.Path.unlink, r"is missing \(expected \d+ bytes\)"),
        ("_METADATA", pathlib.Path.unlink, r"is missing \(expected \d+ bytes\)"),
        (MANIFEST, _break_json, r"is not valid JSON \("),
        (MANIFEST, _edit_meta, r"is corrupt: its contents hash to sha256 [0-9a-f]{12}\.\.\., expected [0-9a-f]{12}"),
        (MANIFEST, pathlib.Path.unlink, None),
    ],
    ids=["truncated", "bit-flipped", "deleted", "deleted-metadata", "manifest-json", "manifest-edited", "no-manifest"],
)
def test_damage_is_reported_with_the_file_and_the_previous_good_step(
    tmp_path: pathlib.Path, target: str, damage: Any, message: str | None
) -> None:
    store = CheckpointStore(tmp_path)
    store.save(100, _state(1), {"epoch": 1})
    folder = store.save(200, _state(2), {"epoch": 2})
    path = _biggest_file(folder) if target == "data" else folder / target
    damage(path)

    if message is None:  # without its manifest the folder is no checkpoint at all
        assert store.steps() == [100]
        with pytest.raises(CheckpointError, match=r"no checkpoint for step 200 in .* \(complete steps: \[100\]\)"):
            store.verify(200)
    else:
        for attempt in (store.verify, lambda step: store.restore(step, _state())):
            with pytest.raises(CheckpointError) as error:
                attempt(200)
            assert f"checkpoint step 200: {path} " in error.value.message
            assert error.value.hint == "step 100 still loads: store.restore(100, like)"
            assert re.search(message, error.value.message), error.value.message
    assert store.newest_good() == 100
    restored, meta = store.restore(100, _state())
    _assert_bit_equal(restored, _state(1))
    assert meta == {"epoch": 1}


def test_without_an_older_good_step_the_hint_says_so(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    folder = store.save(100, _state(), {})
    _flip_bit(_biggest_file(folder))
    with pytest.raises(CheckpointError, match=r"hint: no checkpoint older than step 100 verifies either"):
        store.restore(100, _state())
    assert store.newest_good() is None


def test_unknown_step(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(100, _state(), {})
    with pytest.raises(CheckpointError, match=r"no checkpoint for step 150 in .* \(complete steps: \[100\]\)"):
        store.restore(150, _state())
    assert store.newest_good(before=100) is None and store.newest_good(before=101) == 100


# -- a `like` that does not match --------------------------------------------------------------------


def test_a_mismatched_like_names_the_first_leaf_that_differs(tmp_path: pathlib.Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, _state(), {})

    with pytest.raises(CheckpointError) as error:
        store.restore(1, _state(features=32))
    assert "checkpoint step 1 (" in error.value.message
    assert error.value.message.endswith(
        "does not match `like`: params/dense/kernel: saved (64, 10) float32, expected (32, 10) float32"
        " (and 4 more: opt_state/adam/0/mu/dense/kernel, opt_state/adam/0/nu/dense/kernel,"
        " opt_state/inject/inner_state/0/mu/dense/kernel, ...)"
    )
    assert error.value.hint is not None and "same model and optimizer" in error.value.hint

    like = _state()
    like["params"]["embed"]["table"] = like["params"]["embed"]["table"].astype(jnp.float32)
    with pytest.raises(
        CheckpointError, match=r"params/embed/table: saved \(5, 3\) bfloat16, expected \(5, 3\) float32"
    ):
        store.restore(1, like)

    like = _state()
    like["params"]["extra"] = {"kernel": jnp.zeros((2, 2))}
    with pytest.raises(CheckpointError, match=r"params/extra/kernel: not in the checkpoint, expected \(2, 2\) float32"):
        store.restore(1, like)

    like = _state()
    del like["opt_state"]["adam"]
    with pytest.raises(CheckpointError, match=r"opt_state/adam/0/count: saved \(\) int32, missing from `like`"):
        store.restore(1, like)


# -- logging ---------------------------------------------------------------------------------------------


def test_orbax_info_logs_are_dropped_and_its_warnings_kept(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = CheckpointStore(tmp_path)
    store.save(1, _state(), {})
    store.restore(1, _state())
    assert [r.getMessage() for r in caplog.records if r.name == "absl"] == []

    (log_filter,) = [f for f in logging.getLogger("absl").filters if isinstance(f, _OrbaxInfoFilter)]
    orbax_file = os.path.join(os.path.dirname(orbax.checkpoint.__file__), "checkpointer.py")
    record = logging.LogRecord("absl", logging.INFO, orbax_file, 1, "noise", None, None)
    assert not log_filter.filter(record)
    record = logging.LogRecord("absl", logging.WARNING, orbax_file, 1, "problem", None, None)
    assert log_filter.filter(record)
    record = logging.LogRecord("absl", logging.INFO, "/elsewhere/app.py", 1, "someone else's", None, None)
    assert log_filter.filter(record)


# -- a real crash -------------------------------------------------------------------------------------------

_SAVER = """
import sys
import numpy as np
from typednn.train._checkpoint_store import CheckpointStore

store = CheckpointStore(sys.argv[1], keep=3, keep_best=1)
latest = store.latest()
like = {"w": np.zeros((256, 256), np.float32), "b": np.zeros((7,), np.int32)}
i = 0 if latest is None else store.restore(latest, like)[1]["i"] + 1
while True:
    # Every step is saved twice, so replacing a step is interrupted as often as writing one.
    state = {"w": np.full((256, 256), i, np.float32), "b": np.full((7,), -i, np.int32)}
    store.save(i // 2 * 10, state, {"i": i, "metrics": {"val_loss": float(i % 5)}})
    print(i, flush=True)
    i += 1
"""


def test_sigkill_while_saving_leaves_only_good_checkpoints(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "saver.py"
    script.write_text(textwrap.dedent(_SAVER))
    directory = tmp_path / "ckpt"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    like = {"w": np.zeros((256, 256), np.float32), "b": np.zeros((7,), np.int32)}
    store = CheckpointStore(directory, keep=3, keep_best=1)
    delays = []
    for _ in range(3):
        child = subprocess.Popen(
            [sys.executable, str(script), str(directory)], stdout=subprocess.PIPE, env=env, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline(), "the saver died before its first save"
        delays.append(random.uniform(0.0, 0.8))
        time.sleep(delays[-1])
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL

        assert store.steps(), delays
        for step in store.steps():
            restored, meta = store.restore(step, like)  # verifies first
            assert step == meta["i"] // 2 * 10, delays
            assert np.all(np.asarray(restored["w"]) == meta["i"]), delays
            assert np.all(np.asarray(restored["b"]) == -meta["i"]), delays

    store.save(10**6, like, {})
    assert all(name.startswith("step_") and name[5:].isdigit() for name in os.listdir(directory)), os.listdir(directory)
