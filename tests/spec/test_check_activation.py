"""`typednn check` of a spec gives fit's warning about a softmax/sigmoid output with a loss that takes logits."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import optax
import pytest

import typednn as tn
from typednn.spec import read
from typednn.spec._output_activation import activation_warnings
from typednn.train._keras_checks import OutputActivationWarning


def spec_text(last: str, loss: str, *, data: bool = False) -> str:
    """A spec of one hidden layer and the given last entry and loss (iris's shapes)."""
    source = "data: {source: {builtin: iris}}\n" if data else ""
    return (
        "model:\n  input: [4]\n  layers:\n    - dense: 8\n    - relu\n"
        f"    - {last}\ntrain:\n  epochs: 1\n  loss: {loss}\n{source}"
    )


def check(spec: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("last", "loss", "activation", "instead"),
    [
        ("dense: {units: 3, activation: softmax}", "softmax_cross_entropy", "softmax", "categorical_crossentropy"),
        ("dense: {units: 1, activation: sigmoid}", "binary_cross_entropy", "sigmoid", "binary_crossentropy"),
    ],
)
def test_a_probability_output_with_a_loss_on_logits_is_warned_about(
    tmp_path: Path, last: str, loss: str, activation: str, instead: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(last, loss))
    done = check(spec)
    assert done.returncode == 0, done.stderr  # a warning: the model trains
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.startswith(f"{spec}: ok: ")
    first, hint = done.stderr.splitlines()
    assert first == (
        f"{spec}:6:7 (dense_1): warning: the output 'dense_1' ends in a {activation}, but its loss {loss}"
        f" takes logits and applies the {activation} again: training runs, to a worse model"
    )
    assert hint.startswith(f"  hint: drop the final {activation} ") and hint.endswith(instead)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("last", "loss"),
    [
        ("dense: {units: 3, activation: softmax}", "categorical_crossentropy"),  # the loss takes probabilities
        ("dense: 3", "softmax_cross_entropy"),  # logits with a loss on logits
    ],
)
def test_agreeing_outputs_and_losses_are_not_warned_about(tmp_path: Path, last: str, loss: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text(last, loss))
    done = check(spec)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_the_warning_is_fits_own(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text("dense: {units: 3, activation: softmax}", "softmax_cross_entropy"))
    read_spec = read(spec)
    ((where, warning),) = activation_warnings(read_spec)
    assert where == f"{spec}:6:7 (dense_1)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tn.Trainer(read_spec.model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    (fits,) = [w for w in caught if issubclass(w.category, OutputActivationWarning)]
    assert str(fits.message) == str(warning)


def test_the_usual_loss_of_class_ids_counts_when_the_data_decides_it(tmp_path: Path) -> None:
    # No loss named: iris's class ids take softmax_cross_entropy, on logits.
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text("dense: {units: 3, activation: softmax}", "null", data=True))
    read_spec = read(spec)
    assert activation_warnings(read_spec) == []  # without the data the loss is unknown
    ((_, warning),) = activation_warnings(read_spec, tn.spec.check_data(read_spec))
    assert "its loss softmax_cross_entropy takes logits" in warning.message


def test_a_named_output_is_found_among_several(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [4]\n  layers:\n"
        "    - dense: {units: 3, activation: sigmoid, name: flags}\n"
        "    - dense: {units: 2, name: values, inputs: [input]}\n"
        "  outputs: [flags, values]\n"
        "train:\n  loss: {flags: binary_cross_entropy, values: mean_squared_error}\n"
    )
    ((where, warning),) = activation_warnings(read(spec))
    assert where == f"{spec}:4:7 (flags)"
    assert warning.message.startswith("the output 'flags' ends in a sigmoid")
