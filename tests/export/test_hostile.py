"""Hostile exports: tampered spec.json and weights, special files, names that escape, debris that is not ours.

Each export is saved by typednn and then altered the way someone who sends a folder can
alter it; `load` (and `typednn`'s commands, in a real process) must end in a one-line
TypednnError naming the file, in bounded time, touching nothing outside the export.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
import safetensors.numpy

import typednn as tn
from typednn import nn
from typednn.export import load
from typednn.export._safetensors import DTYPES, decode, encode

AnyModel = tn.Model[Any, Any]


def mlp() -> AnyModel:
    x = tn.Input(4)
    return tn.Model(x, x >> nn.Dense(6) >> nn.relu >> nn.Dense(3), name="mlp")


def params_of(model: AnyModel, dtype: Any = np.float32) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        layer: {name: jnp.asarray(rng.standard_normal(shape.shape).astype(dtype)) for name, shape in arrays.items()}
        for layer, arrays in model.param_shapes().items()
    }


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    model = mlp()
    tn.save(model, params_of(model), tmp_path / "mlp")
    return tmp_path / "mlp"


def edit_spec(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    spec = directory / "spec.json"
    document = json.loads(spec.read_text())
    change(document)
    spec.write_text(json.dumps(document, indent=1))


def set_weights(directory: Path, data: bytes) -> None:
    """Replace the weights file and record its sha256 in spec.json, as anyone can (no secret)."""
    (directory / "weights.safetensors").write_bytes(data)
    edit_spec(directory, lambda d: d["weights"].update(sha256=hashlib.sha256(data).hexdigest()))


def load_error(directory: Path) -> str:
    with pytest.raises(tn.TypednnError) as info:
        load(directory)
    return str(info.value)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under `folder` (not following symlinks) with its mode and size."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            status = os.lstat(os.path.join(root, name))
            found[os.path.relpath(os.path.join(root, name), folder)] = (status.st_mode, status.st_size)
    return found


# ---------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype", ["bfloat16", "float8_e4m3fn", "float8_e5m2", "float16", "float64", "int8"])
def test_every_dtype_safetensors_holds_loads_back(dtype: str, tmp_path: Path) -> None:
    arrays = {"a/b": np.arange(12).reshape(3, 4).astype(np.dtype(getattr(ml_dtypes, dtype, dtype)))}
    decoded = decode(encode(arrays, where="test"), source="w")
    assert decoded["a/b"].dtype == arrays["a/b"].dtype
    assert decoded["a/b"].tobytes() == arrays["a/b"].tobytes()


@pytest.mark.parametrize(("code", "tensor"), [("BF16", "dense/kernel"), ("F8_E4M3", "dense/kernel")])
def test_a_weights_file_of_another_dtype_names_the_tensor_and_dtype(code: str, tensor: str, saved: Path) -> None:
    arrays = safetensors.numpy.load((saved / "weights.safetensors").read_bytes())
    arrays[tensor] = arrays[tensor].astype(DTYPES[code])
    set_weights(saved, safetensors.numpy.save(arrays))
    message = load_error(saved)
    assert message.startswith(f"{saved / 'weights.safetensors'}: ")
    assert f"{tensor}: weights.safetensors holds (4, 6) {DTYPES[code].name}, spec.json says (4, 6) float32" in message


def test_packed_dtypes_are_refused_by_name(saved: Path) -> None:
    header = json.dumps({"dense/kernel": {"dtype": "F4", "shape": [4, 6], "data_offsets": [0, 12]}}).encode()
    set_weights(saved, len(header).to_bytes(8, "little") + header + bytes(12))
    message = load_error(saved)
    assert "tensor 'dense/kernel' has dtype 'F4', which typednn cannot load" in message


def test_save_refuses_a_dtype_safetensors_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(tn.TypednnError, match=r"x: a parameter of dtype complex128 cannot be stored"):
        encode({"x": np.zeros(2, np.complex128)}, where="saving")


# ---------------------------------------------------------------------------- spec.json


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("weights\x00.safetensors", "holds a NUL byte or another control character"),
        ("../../etc/passwd", "holds a path separator"),
        ("..", "starts with a dot"),
        ("/etc/passwd", "holds a path separator"),
        ("w\\..\\x", "holds a path separator"),
        ("x" * 300, "is longer than 255 bytes"),
        ("", "is not a non-empty string"),
    ],
)
def test_the_weights_file_name_must_be_one_plain_name(name: str, problem: str, saved: Path) -> None:
    edit_spec(saved, lambda d: d["weights"].update(file=name))
    message = load_error(saved)
    assert message.startswith(f"{saved / 'spec.json'}: weights.file must be a file name in the same directory")
    assert problem in message and "\x00" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nested more than 64 levels deep"),
        ('{"format": ' + "[" * 70 + "]" * 70 + "}", "nested more than 64 levels deep"),
        ('{"format": "typednn-model", "version": ' + "9" * 5000 + "}", "holds a number Python cannot read"),
        ('{"version": 1e999999}', "not a typednn export"),
        ("\ud800".encode("utf-8", "surrogatepass").decode("latin-1"), "not UTF-8 text"),
    ],
    ids=["deep-array", "deep-value", "huge-int", "huge-float", "not-utf8"],
)
def test_hostile_json_in_spec_json_names_the_file(text: str, message: str, saved: Path) -> None:
    (saved / "spec.json").write_bytes(text.encode("latin-1") if "not UTF-8" in message else text.encode())
    found = load_error(saved)
    assert found.startswith(f"{saved / 'spec.json'}")
    assert message in found


def test_huge_sizes_in_spec_json_are_refused(saved: Path) -> None:
    edit_spec(saved, lambda d: d["model"]["layers"][0]["dense"].update(units=10**30))
    assert load_error(saved).startswith(f"{saved / 'spec.json'}")
    edit_spec(saved, lambda d: d["model"].update(input=[2**62, 2**62]))
    assert load_error(saved).startswith(f"{saved / 'spec.json'}")


# ---------------------------------------------------------------------------- special files


def _special(kind: str, path: Path) -> None:
    path.unlink()
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory"])
@pytest.mark.parametrize("file", ["spec.json", "weights.safetensors"])
def test_special_files_are_refused_without_reading(kind: str, file: str, saved: Path) -> None:
    _special(kind, saved / file)
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(load_error(saved)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert outcome, "load hung"
    assert outcome[0].startswith(f"{saved / file}: ")
    assert "not a regular file" in outcome[0] or "is a directory" in outcome[0]


def test_a_huge_spec_json_is_refused_before_it_is_read(saved: Path) -> None:
    with open(saved / "spec.json", "r+b") as file:
        file.truncate(65 * 2**20)  # sparse: costs no disk
    assert "more than the 64.0 MiB a spec.json may be" in load_error(saved)


# ---------------------------------------------------------------------------- debris and replacing


def test_recover_moves_back_only_what_typednn_wrote(saved: Path, tmp_path: Path) -> None:
    old = saved.parent / ".mlp.typednn-old"
    os.rename(saved, old)
    (old / "notes.txt").write_text("mine")
    with pytest.raises(tn.TypednnError, match="no such directory"):
        load(saved)
    assert (old / "notes.txt").read_text() == "mine" and not saved.exists()


def test_recover_does_not_follow_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "spec.json").write_text("{}")
    (tmp_path / ".mlp.typednn-old").symlink_to(elsewhere)
    before = snapshot(tmp_path)
    with pytest.raises(tn.TypednnError, match="no such directory"):
        load(tmp_path / "mlp")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("debris", [".mlp.typednn-new", ".mlp.typednn-old"])
def test_save_never_deletes_a_folder_it_did_not_write(debris: str, saved: Path) -> None:
    folder = saved.parent / debris
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    model = mlp()
    with pytest.raises(tn.TypednnError, match="holds something typednn did not write"):
        tn.save(model, params_of(model), saved)
    assert (folder / "thesis.tex").read_text() == "years of work"
    load(saved)  # the export is intact


def test_save_never_deletes_through_a_symlinked_debris_name(saved: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "spec.json").write_text("{}")
    (saved.parent / ".mlp.typednn-new").symlink_to(victim)
    model = mlp()
    with pytest.raises(tn.TypednnError, match="holds something typednn did not write"):
        tn.save(model, params_of(model), saved)
    assert (victim / "spec.json").read_text() == "{}"


def test_save_refuses_to_replace_an_export_holding_a_folder_or_a_symlink(saved: Path, tmp_path: Path) -> None:
    (saved / "weights.safetensors").unlink()
    (saved / "weights.safetensors").mkdir()
    (saved / "weights.safetensors" / "data").write_text("mine")
    model = mlp()
    with pytest.raises(tn.TypednnError, match=r"holds weights\.safetensors, so it is not a typednn export"):
        tn.save(model, params_of(model), saved)
    assert (saved / "weights.safetensors" / "data").read_text() == "mine"
    spec = saved / "spec.json"
    spec.unlink()
    spec.symlink_to("/dev/zero")
    with pytest.raises(tn.TypednnError, match="refusing to replace it"):
        tn.save(model, params_of(model), saved)


# ---------------------------------------------------------------------------- a real process


@pytest.mark.parametrize("damage", ["nul-name", "deep", "dev-zero-weights", "fifo-spec"])
def test_the_command_line_ends_in_one_line_and_exit_1(damage: str, saved: Path, tmp_path: Path) -> None:
    if damage == "nul-name":
        edit_spec(saved, lambda d: d["weights"].update(file="w\x00x"))
    elif damage == "deep":
        (saved / "spec.json").write_text("[" * 100_000)
    elif damage == "dev-zero-weights":
        _special("dev-zero", saved / "weights.safetensors")
    else:
        _special("fifo", saved / "spec.json")
    np.save(tmp_path / "inputs.npy", np.zeros((2, 4), np.float32))
    before = snapshot(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "predict", str(tmp_path / "inputs.npy"), "--model", str(saved)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert str(saved) in lines[0] and len(lines) <= 2, done.stderr
    assert snapshot(tmp_path) == before
