"""`typednn check` of a spec reports every independent error of the file in one run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from typednn import TypednnError
from typednn.spec import read

FOUR_TYPOS = """\
model:
  input: [4]
  layers:
    - dense: {units: 8, use_biass: false}
    - reluu
    - dense: {unit: 3}
train:
  epochs: 2
  batchsize: 4
"""


def located_lines(message: str) -> list[str]:
    """The message's lines that start with `file:line:col:` (its hints left out)."""
    return [line for line in message.splitlines() if re.match(r"\S+:\d+:\d+", line)]


def test_four_typos_are_reported_at_once_in_the_files_order(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(FOUR_TYPOS)
    with pytest.raises(TypednnError) as raised:
        read(spec)
    lines = located_lines(str(raised.value))
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{spec}:4:36 (dense)",
        f"{spec}:5:7",
        f"{spec}:6:21 (dense)",
        f"{spec}:9:3",
    ]
    assert "no option 'use_biass'; did you mean 'use_bias'?" in lines[0]
    assert "unknown layer kind 'reluu'; did you mean 'relu'?" in lines[1]
    assert "no option 'unit'; did you mean 'units'?" in lines[2]
    assert "unknown option 'batchsize'; did you mean 'batch_size'?" in lines[3]
    assert "  hint: dense takes" in str(raised.value)  # each error keeps its hint


def test_a_single_error_reads_as_before(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("model:\n  input: [4]\n  layers:\n    - dense: {unit: 3}\n")
    with pytest.raises(TypednnError) as raised:
        read(spec)
    assert raised.value.message == f"{spec}:4:21 (dense): dense has no option 'unit'; did you mean 'units'?"
    assert raised.value.hint is not None and raised.value.hint.startswith("dense takes ")


def test_a_shape_error_and_a_later_option_typo_are_both_reported(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [4]\n  layers:\n"
        "    - dense: {units: 8, in_features: 5}\n"  # 4 features arrive
        "    - dense: {units: 0}\n"
        "    - dropout: {rat: 0.1}\n"
    )
    with pytest.raises(TypednnError) as raised:
        read(spec)
    lines = located_lines(str(raised.value))
    assert len(lines) == 3, str(raised.value)
    assert lines[0].startswith(f"{spec}:4:7 (dense): ")
    assert "units" in lines[1]
    assert "no option 'rat'; did you mean 'rate'?" in lines[2]


def test_shapes_after_a_bad_entry_wait_until_it_is_fixed(tmp_path: Path) -> None:
    # The second dense cannot take 8 features, but after a bad entry the shapes are unknown.
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [4]\n  layers:\n    - dense: {unit: 8}\n    - dense: {units: 3, in_features: 5}\n"
    )
    with pytest.raises(TypednnError) as raised:
        read(spec)
    assert len(located_lines(str(raised.value))) == 1


def test_train_and_optimizer_typos_are_reported_with_the_models(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [4]\n  layers:\n    - dense: {units: 3, use_biass: true}\n"
        "train:\n  optimizer: {adam: {learning_rat: 0.1}}\n  loss: mean_squared_eror\n  metrics: [acuracy]\n"
    )
    with pytest.raises(TypednnError) as raised:
        read(spec)
    lines = located_lines(str(raised.value))
    assert len(lines) == 4, str(raised.value)
    assert "use_biass" in lines[0]
    assert "learning_rat" in lines[1]
    assert "unknown loss 'mean_squared_eror'" in lines[2]
    assert "unknown metric 'acuracy'" in lines[3]


def test_unknown_loss_and_metric_names_are_reported_together(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [4]\n  layers:\n    - dense: 3\n"
        "train:\n  loss: mean_squared_eror\n  metrics: [acuracy, mean_absolute_eror]\n"
    )
    with pytest.raises(TypednnError) as raised:
        read(spec)
    lines = located_lines(str(raised.value))
    assert [line.split(": ", 1)[0] for line in lines] == [f"{spec}:6:9", f"{spec}:7:13", f"{spec}:7:22"]


def test_the_command_prints_every_error_and_exits_1(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(FOUR_TYPOS)
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith(f"{spec}:4:36 (dense): ")
    assert len(located_lines(done.stderr)) == 4, done.stderr


def test_train_takes_class_weight_and_turns_tensorboard_off(tmp_path: Path) -> None:
    spec = tmp_path / "cw.yaml"
    spec.write_text(
        "name: cw\nmodel: {input: [4], layers: [{dense: 3}]}\ndata: {source: {builtin: iris}}\n"
        'train: {epochs: 1, class_weight: {"0": 1.0, "1": 2.0, "2": 0.5}, tensorboard: false}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "train", str(spec), "--out", str(tmp_path / "run"), "--quiet"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "model").is_dir() and not (tmp_path / "run" / "tensorboard").exists()


TWO_TYPOS_IN_ONE_ENTRY = """\
model:
  input: [4]
  layers:
    - dense: {units: 8, activaton: relu, kernal_init: x}
    - dropout: {rat: 0.1}
"""


def test_every_option_error_of_one_entry_is_reported_at_once(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("model:\n  input: [4]\n  layers:\n    - dense: {unit: 3, use_biass: true, activation: 7}\n")
    with pytest.raises(TypednnError) as raised:
        read(spec)
    lines = located_lines(str(raised.value))
    assert lines == [
        f"{spec}:4:21 (dense): dense has no option 'unit'; did you mean 'units'?",
        f"{spec}:4:35 (dense): dense has no option 'use_biass'; did you mean 'use_bias'?",
        f"{spec}:4:53 (dense): dense option 'activation' must be string | null, but is 7",
    ]
    # 'units' is missing, but the typo 'unit' says so: no line of its own.
    assert "needs" not in str(raised.value)
    assert "  hint: dense takes in_features, units, use_bias, activation, inputs, name" in str(raised.value)


def test_a_missing_option_no_typo_stands_for_is_reported_with_the_typos(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("model:\n  input: [4]\n  layers:\n    - dense: {activaton: relu, use_bias: 3}\n")
    with pytest.raises(TypednnError) as raised:
        read(spec)
    assert located_lines(str(raised.value)) == [
        f"{spec}:4:26 (dense): dense has no option 'activaton'; did you mean 'activation'?",
        f"{spec}:4:42 (dense): dense option 'use_bias' must be bool, but is 3",
        f"{spec}:4:7 (dense): dense needs 'units'",
    ]
    assert "  hint: e.g. {dense: {units: ...}}" in str(raised.value)


def test_the_errors_of_a_wrapped_layer_are_reported_with_its_wrappers(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "model:\n  input: [5, 4]\n  layers:\n"
        "    - bidirectional: {wrapped: {lstm: {unit: 8, revers: true}}, merge_mod: concat}\n"
    )
    with pytest.raises(TypednnError) as raised:
        read(spec)
    message = str(raised.value)
    assert "lstm has no option 'unit'; did you mean 'units'?" in message
    assert "lstm has no option 'revers'" in message
    assert "bidirectional has no option 'merge_mod'; did you mean 'merge'?" in message
    # In the entry's order: the wrapped layer's options come before the later merge_mod.
    assert message.index("'revers'") < message.index("'merge_mod'")
    assert message.count("  hint: lstm takes ") == 1  # the options are listed once, not per typo


def test_one_run_reports_two_typos_of_one_entry_and_one_of_another(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(TWO_TYPOS_IN_ONE_ENTRY)
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == ""
    assert [line.split(": ", 1)[0] for line in located_lines(done.stderr)] == [
        f"{spec}:4:36 (dense)",
        f"{spec}:4:55 (dense)",
        f"{spec}:5:22 (dropout)",
    ]
    assert "no option 'activaton'; did you mean 'activation'?" in done.stderr
    assert "no option 'kernal_init'" in done.stderr
    assert "no option 'rat'; did you mean 'rate'?" in done.stderr
    assert "  hint: dense takes " in done.stderr and "  hint: dropout takes rate, inputs, name" in done.stderr
