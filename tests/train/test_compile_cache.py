"""JAX's persistent compilation cache, on by default: where it lives, when typednn leaves it alone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jax
import pytest

from typednn.train import _compile_cache
from typednn.train._compile_cache import MIN_COMPILE_SECONDS, CompilationCacheWarning, enable

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
name: cached
model:
  input: [8, 8, 1]
  layers:
    - {LAYER}
    - relu
    - flatten
    - dense: 10
data:
  source: {{builtin: digits}}
  split: {{validation: 0.1}}
train:
  epochs: 1
  batch_size: 64
  optimizer: {{adam: 0.003}}
  metrics: [accuracy]
"""
CONV = SPEC.format(LAYER="conv2d: {filters: 8, kernel: 3, padding: same}")
"""A small CNN: on CPU its train step takes over the cache's 0.2 s threshold to compile, so it is kept."""
DENSE = SPEC.format(LAYER="dense: 8")


def setting(name: str) -> object:
    value: object = getattr(jax.config, name)  # jax.config declares no setting to mypy
    return value


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`enable` decides anew; JAX's settings and the process's decision are put back afterwards.

    Nothing is compiled while a test's folder is set: JAX opens its cache at the first
    compile after the folder is set, once per process.
    """
    names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs")
    before = {name: setting(name) for name in names}
    monkeypatch.setattr(_compile_cache, "_decision", _compile_cache._Decision())
    try:
        yield
    finally:
        for name, value in before.items():
            jax.config.update(name, value)


def test_the_cache_lives_under_typednn_cache_made_private(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path))
    monkeypatch.delenv("TYPEDNN_COMPILATION_CACHE", raising=False)
    jax.config.update("jax_compilation_cache_dir", None)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    assert enable() == tmp_path / "jax"
    assert setting("jax_compilation_cache_dir") == str(tmp_path / "jax")
    assert setting("jax_persistent_cache_min_compile_time_secs") == MIN_COMPILE_SECONDS
    assert (tmp_path / "jax").stat().st_mode & 0o077 == 0
    assert enable() == tmp_path / "jax"  # decided once per process


@pytest.mark.parametrize("value", ["0", "off", "False", " no "])
def test_typednn_compilation_cache_0_turns_it_off(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path))
    monkeypatch.setenv("TYPEDNN_COMPILATION_CACHE", value)
    jax.config.update("jax_compilation_cache_dir", None)
    assert enable() is None
    assert setting("jax_compilation_cache_dir") is None
    assert not (tmp_path / "jax").exists()


def test_a_cache_the_user_configured_is_left_alone(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path / "typednn"))
    monkeypatch.delenv("TYPEDNN_COMPILATION_CACHE", raising=False)
    jax.config.update("jax_compilation_cache_dir", str(tmp_path / "mine"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    assert enable() is None
    assert setting("jax_compilation_cache_dir") == str(tmp_path / "mine")
    assert setting("jax_persistent_cache_min_compile_time_secs") == 1.0
    assert not (tmp_path / "typednn").exists()


@pytest.mark.parametrize("problem", ["a file in the way", "writable by others"])
def test_an_unusable_folder_warns_once_and_leaves_the_cache_off(
    fresh: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    if problem == "a file in the way":
        (tmp_path / "jax").write_text("not a folder")
        expected = "cannot make it|not a folder"
    else:
        (tmp_path / "jax").mkdir()
        (tmp_path / "jax").chmod(0o777)  # a shared folder: anyone could plant an executable
        expected = "other users can write it"
    monkeypatch.setenv("TYPEDNN_CACHE", str(tmp_path))
    monkeypatch.delenv("TYPEDNN_COMPILATION_CACHE", raising=False)
    jax.config.update("jax_compilation_cache_dir", None)
    with pytest.warns(CompilationCacheWarning, match=f"not used as the compilation cache: ({expected})"):
        assert enable() is None
    assert setting("jax_compilation_cache_dir") is None
    assert enable() is None  # no second warning: `filterwarnings = error` would raise it


def _train(spec: Path, cache: Path, run: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The switches of the environment the tests run in do not leak into the run.
    inherited = {
        k: v for k, v in os.environ.items() if k not in ("TYPEDNN_COMPILATION_CACHE", "JAX_COMPILATION_CACHE_DIR")
    }
    environ = {**inherited, "TYPEDNN_CACHE": str(cache), **env}
    command = [sys.executable, "-m", "typednn", "train", str(spec), "--out", str(spec.parent / run)]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=180, env=environ, cwd=ROOT)


def _train_steps(folder: Path) -> set[str]:
    return {path.name for path in folder.glob("jit__train_on_device-*")}


@pytest.mark.slow
def test_a_second_run_reads_its_train_step_from_the_cache(tmp_path: Path) -> None:
    spec, cache = tmp_path / "cached.yaml", tmp_path / "cache"
    spec.write_text(CONV)
    first = _train(spec, cache, "run1")
    assert first.returncode == 0, first.stderr
    kept = _train_steps(cache / "jax")
    assert kept, sorted(path.name for path in (cache / "jax").iterdir())
    second = _train(spec, cache, "run2")
    assert second.returncode == 0, second.stderr
    assert _train_steps(cache / "jax") == kept  # served from the cache: the same program is not written again
    for done in (first, second):  # not a terminal: one line per epoch, which states the compile
        assert "(compile " in done.stdout.splitlines()[0] and "Traceback" not in done.stderr


@pytest.mark.slow
def test_training_goes_on_without_the_cache_when_it_is_off_or_unusable(tmp_path: Path) -> None:
    spec = tmp_path / "dense.yaml"
    spec.write_text(DENSE)
    off = _train(spec, tmp_path / "off", "run1", TYPEDNN_COMPILATION_CACHE="0")
    assert off.returncode == 0, off.stderr
    assert not (tmp_path / "off" / "jax").exists()
    (tmp_path / "shared" / "jax").mkdir(parents=True)
    (tmp_path / "shared" / "jax").chmod(0o777)
    shared = _train(spec, tmp_path / "shared", "run2")
    assert shared.returncode == 0, shared.stderr
    assert shared.stderr.count("not used as the compilation cache: other users can write it") == 1
    assert list((tmp_path / "shared" / "jax").iterdir()) == []
    assert "Traceback" not in shared.stderr
