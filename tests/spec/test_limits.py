"""Sizes, ranges and names in specs; losses that cannot apply; memory estimates.

Each hostile value ends as a located error (`spec.yaml:L:C: ...`) where the spec is read,
or at `check` time with the data, never as an overflow deep in JAX; a model too large
for the machine is reported by `check` and refused by `train` before anything is made.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import _memory, nn
from typednn._memory import Memory, estimate
from typednn._reading import size
from typednn._shapes import HyperparameterError, ShapeError
from typednn._shapes._dims import MAX_SIZE
from typednn.layers._names import NAME_LIMIT
from typednn.spec import check_data, read

BASE = """\
name: t
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 10
data:
  source: {builtin: digits}
train:
  epochs: 1
"""

BIG = """\
name: big
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 1000000
    - dense: 1000000
    - dense: 10
data:
  source: {builtin: digits}
train:
  epochs: 1
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> str:
    """The message reading the spec (and checking its data) ends with, its folder removed."""
    with pytest.raises(tn.TypednnError) as caught:
        spec = read(write(tmp_path, text))
        if spec.data is not None:
            check_data(spec)
    message = str(caught.value).replace(f"{tmp_path}/", "")
    assert len(message.splitlines()[0]) < 400, message[:400]  # no long value quoted back
    return message


def cli(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """A `typednn` command in a real process, from `tmp_path`, and the seconds it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "typednn", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    return done, time.monotonic() - started


def cli_rss(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """A `typednn` command in a real process, and the most memory it held (bytes, Linux)."""
    out, err = tmp_path / ".stdout", tmp_path / ".stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "typednn", *args],
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "JAX_PLATFORMS": "cpu"},
        )
        deadline = time.monotonic() + 60
        while (waited := os.wait4(process.pid, os.WNOHANG))[0] == 0:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("no answer within 60 s")
            time.sleep(0.05)
    _, status, usage = waited
    process.returncode = os.waitstatus_to_exitcode(status)
    done = subprocess.CompletedProcess(process.args, process.returncode, out.read_text(), err.read_text())
    out.unlink()
    err.unlink()
    return done, usage.ru_maxrss * 1024


def assert_one_error(done: subprocess.CompletedProcess[str], first: str) -> None:
    """Exit 1 with a one-line error (and a hint line), the first line matching `first`."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert 1 <= len(lines) <= 2, done.stderr[-2000:]
    assert re.search(first, lines[0]), lines[0]
    assert len(lines) == 1 or lines[1].startswith("  hint:")


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


# ---------------------------------------------------------------------------- sizes and seeds


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("epochs: 1", "epochs: 1\n  batch_size: 2147483648", r"spec\.yaml:11:15: train\.batch_size: .*2147483647"),
        ("epochs: 1", "epochs: 1\n  seed: 1000000000000000000000000000000", r"spec\.yaml:11:9: train\.seed: "),
        ("epochs: 1", "epochs: 1\n  seed: -1", r"spec\.yaml:11:9: train\.seed: .*greater than or equal to 0"),
        ("digits}", "digits}\n  seed: 1000000000000000000000000000000", r"spec\.yaml:9:9: data\.seed: "),
        ("digits}", "digits}\n  seed: -5", r"spec\.yaml:9:9: data\.seed: "),
        ("epochs: 1", "epochs: 100000000000000000000", r"spec\.yaml:10:11: train\.epochs: "),
    ],
)
def test_batch_size_seeds_and_epochs_are_bounded_where_the_spec_states_them(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    message = refused(tmp_path, BASE.replace(old, new))
    assert re.match(where, message), message
    assert "hint:" in message


def test_the_largest_seed_is_accepted(tmp_path: Path) -> None:
    text = BASE.replace("epochs: 1", f"epochs: 1\n  seed: {2**63 - 1}").replace("digits}", "digits}\n  seed: 0")
    spec = read(write(tmp_path, text))
    assert spec.train.seed == 2**63 - 1


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("max_pool2d: {window: 2, stride: 100000000000000000000}", "stride must be at most 2,147,483,647"),
        ("conv2d: {filters: 2147483648, kernel: 3}", "filters must be at most 2,147,483,647"),
        ("dense: 2147483648", "units must be at most 2,147,483,647"),
        ("up_sampling2d: 1000000000000", "size must be at most"),
        ("zero_padding2d: 1000000000000", "padding must be at most"),
    ],
)
def test_a_size_past_what_jax_indexes_is_refused_at_its_layer(tmp_path: Path, layer: str, message: str) -> None:
    found = refused(tmp_path, BASE.replace("- flatten", f"- {layer}\n    - flatten"))
    assert re.match(r"spec\.yaml:5:7 \(\w+\): ", found), found
    assert message in found


def test_an_lstm_of_2_31_units_is_refused_at_check_time(tmp_path: Path) -> None:
    text = "model:\n  input: [8, 8]\n  layers:\n    - lstm: 2147483648\n"
    done, seconds = cli(tmp_path, "check", str(write(tmp_path, text)))
    assert_one_error(done, r"spec\.yaml:4:7 \(lstm\): LSTM\(units=2147483648\): units must be at most 2,147,483,647")
    assert seconds < 60


def test_an_input_size_past_the_bound_is_refused(tmp_path: Path) -> None:
    message = refused(tmp_path, BASE.replace("input: [8, 8, 1]", "input: [2147483648]"))
    assert message.startswith("spec.yaml:"), message
    assert "every size must be at most 2,147,483,647" in message


def test_the_bounds_are_the_python_apis_too() -> None:
    with pytest.raises(HyperparameterError, match=r"units must be at most 2,147,483,647 \(2\*\*31 - 1\)"):
        nn.LSTM(2**31)  # type: ignore[typednn-param]
    with pytest.raises(HyperparameterError, match=r"stride must be at most"):
        nn.MaxPool2D(2, stride=10**20)
    nn.Dense(MAX_SIZE)  # the bound itself is a size
    with pytest.raises(tn.TypednnError, match=r"every size must be at most"):
        tn.Input(2**31)  # type: ignore[typednn-param]


def test_an_axis_a_rule_makes_past_the_bound_is_refused() -> None:
    x = tn.Input(2**20, 2**20, 4)
    with pytest.raises(ShapeError, match=r"Flatten\(\) expects an input it maps to axes of at most 2,147,483,647"):
        x >> nn.Flatten()  # type: ignore[typednn-shape]


def test_a_huge_top_k_is_refused_at_its_metric(tmp_path: Path) -> None:
    message = refused(tmp_path, BASE.replace("epochs: 1", "epochs: 1\n  metrics: [accuracy, top_3000000000_accuracy]"))
    assert message.startswith("spec.yaml:11:23: "), message
    assert "needs an integer k from 1 to 2,147,483,647, not 3000000000" in message
    message = refused(tmp_path, BASE.replace("epochs: 1", "epochs: 1\n  metrics: [accuracy, top_30_accuracy]"))
    assert message.startswith("spec.yaml:11:23: "), message
    assert "30 highest scores, but the data has 10 classes" in message


def test_a_top_k_within_the_classes_is_accepted(tmp_path: Path) -> None:
    spec = read(write(tmp_path, BASE.replace("epochs: 1", "epochs: 1\n  metrics: [top_10_accuracy]")))
    assert check_data(spec).classes == 10


# ---------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("..", "the name '..' is no directory of its own"),
        ("'.'", "the name '.' is no directory of its own"),
        ("a" * 256, "a name has at most 255 bytes (UTF-8)"),
        ("é" * 128, "has 256"),
        ("a/b", "should match pattern"),
    ],
)
def test_the_spec_name_is_one_path_component(tmp_path: Path, name: str, problem: str) -> None:
    message = refused(tmp_path, BASE.replace("name: t", f"name: {name}"))
    assert message.startswith("spec.yaml:1:7: name: "), message
    assert problem in message


def test_a_name_of_255_bytes_is_accepted(tmp_path: Path) -> None:
    assert read(write(tmp_path, BASE.replace("name: t", "name: " + "a" * 255))).name == "a" * 255


def test_a_layer_name_of_100000_characters_is_refused_at_the_name(tmp_path: Path) -> None:
    spec = write(tmp_path, BASE.replace("- flatten", "- flatten: {name: " + "a" * 100_000 + "}"))
    before = snapshot(tmp_path)
    done, seconds = cli(tmp_path, "train", "--quiet", str(spec))
    assert_one_error(done, r"spec\.yaml:5:23: model\.layers\.flatten\.name: a layer's name has at most 128 bytes")
    assert "(100,000 characters) has 100,000" in done.stderr
    assert len(done.stderr) < 500  # the name is not quoted back
    assert seconds < 60
    assert snapshot(tmp_path) == before  # no run directory, no half-written checkpoint


@pytest.mark.parametrize(
    ("name", "problem"),
    [('"a\\nb"', "holds no control characters"), ("a" * (NAME_LIMIT + 1), f"has {NAME_LIMIT + 1}")],
)
def test_layer_names_are_bounded_in_specs(tmp_path: Path, name: str, problem: str) -> None:
    message = refused(tmp_path, BASE.replace("- dense: 10", f"- dense: {{units: 10, name: {name}}}"))
    assert message.startswith("spec.yaml:6:32: model.layers.dense.name: "), message
    assert problem in message


def test_layer_names_are_bounded_in_python() -> None:
    with pytest.raises(HyperparameterError, match=r"at most 128 bytes"):
        nn.Dense(3, name="x" * 129)
    with pytest.raises(HyperparameterError, match=r"control characters"):
        nn.Sequential(nn.Dense(3), name="a\0b")
    assert nn.Dense(3, name="x" * 128).name == "x" * 128
    assert nn.Dense(3, name="block/conv.1 ü").name == "block/conv.1 ü"  # any other text is fine


@pytest.mark.parametrize(
    ("source", "where", "problem"),
    [
        ("{csv: " + "a" * 300 + ".csv}", "spec.yaml:8:17: data.source.csv.path: ", "at most 255 bytes each"),
        ("{npz: {path: d/" + "b" * 256 + "/x.npz}}", "spec.yaml:8:24: data.source.npz.path: ", "has 256"),
        ('{csv: "a\\0b.csv"}', "spec.yaml:8:17: data.source.csv.path: ", "holds no NUL character"),
        ("{images: " + "c/" * 2100 + "}", "spec.yaml:8:20: data.source.images.path: ", "at most 4,096 bytes"),
    ],
)
def test_a_path_no_file_system_takes_is_refused_at_its_option(
    tmp_path: Path, source: str, where: str, problem: str
) -> None:
    message = refused(tmp_path, BASE.replace("{builtin: digits}", source))
    assert message.startswith(where), message
    assert problem in message


# ---------------------------------------------------------------------------- losses


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "mean_squared_error", "mae", "huber"])
def test_a_loss_that_cannot_take_class_ids_is_refused_at_check_time(tmp_path: Path, loss: str) -> None:
    text = BASE.replace("epochs: 1", f"epochs: 1\n  loss: {loss}")
    message = refused(tmp_path, text)
    assert message.startswith("spec.yaml:11:9: train.loss: "), message
    assert "but the data's targets are class ids (10 classes), for outputs of shape (10,)" in message
    assert "hint: class ids take softmax_cross_entropy" in message


@pytest.mark.slow
def test_check_and_train_refuse_binary_cross_entropy_of_three_classes(tmp_path: Path) -> None:
    rows = "\n".join(f"{i % 7}.0,{i % 5}.0,{'abc'[i % 3]}" for i in range(30))
    (tmp_path / "three.csv").write_text("x,y,label\n" + rows + "\n")
    text = (
        "model:\n  input: [2]\n  layers: [{dense: 3}]\n"
        "data:\n  source: {csv: {path: three.csv, label: label}}\n"
        "train:\n  epochs: 1\n  loss: binary_cross_entropy\n"
    )
    spec = write(tmp_path, text)
    for command in ("check", "train"):
        done, seconds = cli(tmp_path, command, str(spec))
        assert_one_error(done, r"spec\.yaml:8:9: train\.loss: binary_cross_entropy takes targets of the model's")
        assert seconds < 60
    assert not (tmp_path / "runs").exists()  # refused before the run directory is made


def test_the_losses_that_apply_are_accepted(tmp_path: Path) -> None:
    assert check_data(read(write(tmp_path, BASE.replace("epochs: 1", "epochs: 1\n  loss: softmax_cross_entropy"))))
    values = np.linspace(0, 1, 24, dtype=np.float32).reshape(12, 2)
    np.savez(tmp_path / "values.npz", x=values, y=(values > 0.5).astype(np.float32))
    for loss in ("binary_cross_entropy", "mse", "mean_absolute_error", "huber", "softmax_cross_entropy"):
        model = "model:\n  input: [2]\n  layers: [{dense: 2}]\n"
        text = f"{model}data:\n  source: {{npz: values.npz}}\ntrain:\n  loss: {loss}\n"
        assert check_data(read(write(tmp_path, text))).target_shape == tn.Shape.of(2)


def data_of_classes(classes: int) -> tn.data.Dataset[object, object]:
    return tn.data.from_arrays(np.ones((6, 4), np.float32), np.arange(6) % classes)


def test_fit_refuses_a_loss_that_cannot_apply_before_compiling() -> None:
    x = tn.Input(4)
    trainer = tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.mean_squared_error, optimizer=optax.sgd(0.1))
    with pytest.raises(tn.TypednnError, match=r"mean_squared_error takes targets of the model's output shape"):
        trainer.fit(data_of_classes(3), epochs=1, verbose=0)
    assert trainer.step == 0


def test_fit_refuses_a_custom_loss_that_cannot_take_the_targets() -> None:
    x = tn.Input(4)

    def squared(outputs: jax.Array, targets: jax.Array) -> jax.Array:
        return jnp.mean(jnp.square(outputs - targets), axis=-1)  # (batch, 3) scores less (batch,) ids

    trainer = tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=squared, optimizer=optax.sgd(0.1))
    with pytest.raises(tn.TypednnError, match=r"squared cannot take the data's targets, class ids \(3 classes\)"):
        trainer.fit(data_of_classes(3), epochs=1, verbose=0)
    assert trainer.step == 0


# ---------------------------------------------------------------------------- memory


def test_the_estimate_comes_from_the_shapes() -> None:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(3))
    memory = estimate(model, optax.adam(0.1))
    assert memory.parameters == memory.trainable == 15 * 4
    assert memory.activations == (4 + 3) * 4
    assert memory.optimizer is not None and memory.optimizer >= 2 * 15 * 4  # Adam's mu and nu, and its count
    assert memory.training(10) == 60 + 60 + memory.optimizer + 28 * 10
    assert estimate(model).optimizer_state == 2 * 60  # Adam's, when no optimizer is given


def test_a_named_dim_makes_the_activations_a_lower_bound() -> None:
    class Seq(tn.Dim):
        """Steps."""

    x = tn.Input(Seq, 4)
    memory = estimate(tn.Model(x, x >> nn.Dense(3)))
    assert not memory.sized
    assert "at least 28 bytes per example" in "\n".join(memory.lines())


def test_sizes_read_up_to_exbibytes() -> None:
    assert size(4 * 10**12) == "3.6 TiB"
    assert size(2**62) == "4.0 EiB"
    assert size(1023) == "1023 bytes"


def test_summary_adds_the_memory_for_a_batch_size() -> None:
    x = tn.Input(784)
    model = tn.Model(x, x >> nn.Dense(128) >> nn.relu >> nn.Dense(10))
    assert model.summary().endswith("Total params: 101,770 (397.5 KiB)")  # unchanged without a batch size
    lines = model.summary(batch_size=32).splitlines()
    assert lines[-4] == "Total params: 101,770 (397.5 KiB)"
    assert lines[-3] == "Parameter memory: 397.5 KiB"
    assert lines[-2] == "Activation memory: 4.1 KiB per example, 131.2 KiB at batch size 32"
    assert lines[-1].startswith("Training memory: about 1.7 MiB (parameters, gradients,")


def test_check_reports_the_memory_of_a_model_of_10_12_parameters(tmp_path: Path) -> None:
    done, seconds = cli(tmp_path, "check", str(write(tmp_path, BIG)))
    assert done.returncode == 0, done.stderr
    assert "1,000,076,000,010 parameters" in done.stdout
    assert (
        "Parameter memory: 3.6 TiB; Activation memory: 7.6 MiB per example, 244.2 MiB at batch size 32" in done.stdout
    )
    assert "Training memory: about 14.6 TiB" in done.stdout
    assert seconds < 60


def test_train_refuses_a_model_of_10_12_parameters_before_allocating(tmp_path: Path) -> None:
    spec = write(tmp_path, BIG)
    before = snapshot(tmp_path)
    done, peak = cli_rss(tmp_path, "train", "--quiet", str(spec))  # within 60 s
    # Refused before the run directory is made, at the spec's model section.
    assert_one_error(done, r"spec\.yaml:\d+:\d+: model 'big' needs 14\.6 TiB to train at batch size 32")
    assert "(parameters 3.6 TiB, gradients 3.6 TiB, optimizer state 7.3 TiB" in done.stderr
    assert peak < 4 * 2**30  # nothing of the 14.6 TiB was allocated (JAX and the digits: under 1 GiB alone)
    assert snapshot(tmp_path) == before  # not even the run directory was made


def test_trainer_refuses_a_model_that_cannot_fit_before_making_it() -> None:
    x = tn.Input(1_000_000)
    model = tn.Model(x, x >> nn.Dense(1_000_000))
    started = time.monotonic()
    with pytest.raises(tn.TypednnError, match=r"needs 10\.9 TiB to make its parameters.*but the device has"):
        tn.Trainer(model, loss=tn.losses.mean_squared_error, optimizer=optax.adam(0.001))
    assert time.monotonic() - started < 30


def test_fit_refuses_a_batch_that_cannot_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    x = tn.Input(4)
    trainer = tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    monkeypatch.setattr(_memory, "available", lambda: (1 << 20, "a test's limit"))
    with pytest.raises(
        tn.TypednnError, match=r"to train at batch size 100,000 .*activations 2\.7 MiB.*but the device has 1\.0 MiB"
    ):
        trainer.fit(data_of_classes(3), epochs=1, batch_size=100_000, verbose=0)
    with pytest.raises(tn.TypednnError, match=r"batch_size must be at most 2,147,483,647"):
        trainer.fit(data_of_classes(3), epochs=1, batch_size=2**31, verbose=0)
    trainer.fit(data_of_classes(3), epochs=1, batch_size=4, verbose=0)  # a batch that fits trains
    assert trainer.step == 2


def test_a_sharded_run_needs_a_share_per_device() -> None:
    memory = Memory(parameters=800, trainable=800, optimizer=1600, activations=10)
    assert memory.training(8) == 3200 + 80
    assert memory.training(8, devices=4) == 3200 + 20
    assert memory.training(8, devices=4, sharded=True) == 800 + 20
