"""Spec files: reading, validation messages at file:line:col, and the JSON schema."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path
from typing import Any

import jax
import pydantic
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn.layers._registry import KINDS
from typednn.spec import check_data, json_schema, read
from typednn.spec._schema import OPTIMIZERS, layer_kinds, source_kinds

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".yaml", ".json"))
SHARED = ROOT.parent / "shared" / "acceptance" / "specs"
ACCEPTANCE = sorted(SHARED.glob("ok_*.yaml")) if SHARED.is_dir() else []

DIGITS = """\
model:
  input: [8, 8, 1]
  layers:
    - flatten
    - dense: 32
    - relu
    - dense: 10
data:
  source: {builtin: digits}
  split: {validation: 0.1, test: 0.2}
train:
  epochs: 2
  optimizer: {adam: {learning_rate: 0.01}}
  metrics: [accuracy]
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(tn.TypednnError) as caught:
        check_data(read(path)) if "data:" in text else read(path)
    return str(caught.value)


def at(message: str) -> str:
    """The `name:line:col` a message starts with."""
    found = re.match(r"\S*?([\w.]+:\d+:\d+)", message)
    assert found, message
    return found.group(1)


@pytest.mark.parametrize("path", EXAMPLES + ACCEPTANCE, ids=lambda p: p.name)
def test_every_example_reads_and_fits_its_data(path: Path) -> None:
    spec = read(path)
    schema = check_data(spec)
    assert spec.model.inputs.shape.dims == schema.feature_shape.dims


def test_a_spec_builds_the_model_it_describes(tmp_path: Path) -> None:
    spec = read(write(tmp_path, DIGITS))
    assert repr(spec.model) == "Model((8, 8, 1) -> (10,))"
    assert spec.name == "spec"
    assert spec.train.epochs == 2 and spec.train.batch_size == 32  # the default
    assert spec.data is not None and spec.data.split.test == 0.2
    assert [name for name in spec.model.param_shapes()] == ["dense", "dense_1"]


def test_json_and_yaml_give_the_same_spec(tmp_path: Path) -> None:
    from_yaml = read(write(tmp_path, DIGITS))
    from_json = read(write(tmp_path, json.dumps(yaml.safe_load(DIGITS), indent="\t"), "spec.json"))
    assert from_json.model.summary() == from_yaml.model.summary()
    assert from_json.train == from_yaml.train and from_json.data == from_yaml.data


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        # unknown keys, with suggestions, at the key
        (("train:\n", "train:\n  epocs: 3\n"), "spec.yaml:12:3", ["unknown option 'epocs'", "did you mean 'epochs'"]),
        (("data:\n", "data:\n  sed: 3\n"), "spec.yaml:9:3", ["'sed'", "did you mean 'seed'"]),
        (("split: {", "split: {tset: 0.1, "), "spec.yaml:10:11", ["'tset'", "did you mean 'test'"]),
        (("model:\n", "modle: 1\nmodel:\n"), "spec.yaml:1:1", ["'modle'", "did you mean 'model'"]),
        (("- dense: 32", "- dense: {unts: 32}"), "spec.yaml:5:21", ["no option 'unts'", "did you mean 'units'"]),
        (("{learning_rate: 0.01}", "{learning_rat: 0.01}"), "spec.yaml:13:22", ["'learning_rat'", "'learning_rate'"]),
        # wrong types and values, at the value
        (("epochs: 2", "epochs: two"), "spec.yaml:12:11", ["train.epochs", "valid integer", '"two"']),
        (("epochs: 2", "epochs: 0"), "spec.yaml:12:11", ["greater than or equal to 1"]),
        (("epochs: 2", "epochs: 2.5"), "spec.yaml:12:11", ["valid integer"]),
        (("test: 0.2", "test: 1.5"), "spec.yaml:10:34", ["data.split.test", "less than 1"]),
        (("metrics: [accuracy]", "metrics: accuracy"), "spec.yaml:14:12", ["valid list"]),
        (("- dense: 32", "- dense: thirty"), "spec.yaml:5:14", ["'units' must be int", '"thirty"']),
        (("- dense: 32", "- dense: -3"), "spec.yaml:5:7", ["units"]),
        (("input: [8, 8, 1]", "input: 8"), "spec.yaml:2:10", ["list"]),
        # names of kinds, losses and metrics
        (("- relu", "- rleu"), "spec.yaml:6:7", ["unknown layer kind 'rleu'", "did you mean 'relu'"]),
        (("{adam: {", "{addam: {"), "spec.yaml:13:15", ["unknown optimizer 'addam'", "did you mean 'adam'"]),
        (("{builtin: digits}", "{biltin: digits}"), "spec.yaml:9:12", ["unknown data source 'biltin'", "'builtin'"]),
        (("[accuracy]", "[acuracy]"), "spec.yaml:14:13", ["unknown metric 'acuracy'", "did you mean 'accuracy'"]),
        (("  metrics:", "  loss: softmax_crossentropy\n  metrics:"), "spec.yaml:14:9", ["'softmax_cross_entropy'"]),
        # shapes, at the layer
        (("- dense: 10", "- dense: {units: 10, in_features: 64}"), "spec.yaml:7:7", ["64 input features", "(32,)"]),
        (("- flatten", "- max_pool2d: 16"), "spec.yaml:4:7", ["window"]),
        # the data against the model
        (("input: [8, 8, 1]", "input: [64]\n  "), "spec.yaml:2:10", ["(64,)", "(8, 8, 1)"]),
        (("- dense: 10", "- dense: 7"), "spec.yaml:7:7", ["10 classes"]),
        # YAML itself
        (("- relu", "- relu: {"), "spec.yaml:7", ["invalid YAML"]),
        (("  epochs: 2", "  epochs: 2\n  epochs: 3"), "spec.yaml:13:3", ["'epochs' appears twice"]),
        (("epochs: 2", "epochs: !!python/object/apply:os.system [ls]"), "spec.yaml:12:11", ["not allowed"]),
    ],
)
def test_errors_point_at_the_line_and_column(
    tmp_path: Path, change: tuple[str, str], place: str, words: list[str]
) -> None:
    assert change[0] in DIGITS
    message = error_of(tmp_path, DIGITS.replace(change[0], change[1], 1))
    assert place in message
    for word in words:
        assert word in message, message
    assert "hint:" in message or "invalid YAML" in message or "must be" in message or "should" in message


def test_every_problem_pydantic_finds_is_listed(tmp_path: Path) -> None:
    message = error_of(tmp_path, DIGITS.replace("epochs: 2", "epochs: -1\n  batch_size: big"))
    assert "spec.yaml:12:11: train.epochs" in message
    assert "spec.yaml:13:15: train.batch_size" in message


def test_invalid_json_gives_json_s_position(tmp_path: Path) -> None:
    message = error_of(tmp_path, '{"model": {"input": [4],\n  "layers": [{"dense": 3},]}}', "spec.json")
    assert "/spec.json:2:27: invalid JSON" in message, message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["a spec file is a mapping"]),
        ("- 1\n- 2\n", ["a spec file is a mapping"]),
        ("data: {source: {builtin: digits}}\n", ["model is missing"]),
        ("model: {input: [4], layers: []}\n", ["non-empty list"]),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, words: list[str]) -> None:
    message = error_of(tmp_path, text)
    assert re.match(r"spec\.yaml(:\d+:\d+)?: ", message.split(str(tmp_path) + "/")[-1]), message
    for word in words:
        assert word in message


def test_files_that_are_not_specs(tmp_path: Path) -> None:
    with pytest.raises(tn.TypednnError, match="no such file"):
        read(tmp_path / "missing.yaml")
    with pytest.raises(tn.TypednnError, match="YAML or JSON"):
        read(write(tmp_path, "model: {}", "spec.txt"))
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(tn.TypednnError, match="not UTF-8"):
        read(tmp_path / "latin1.yaml")


def test_a_pickle_source_is_refused_at_its_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, DIGITS.replace("{builtin: digits}", "{pickle: data.pkl}"))
    assert "spec.yaml:9:11" in message and "pickle" in message
    assert "--allow-pickle" in message


def test_optimizer_forms(tmp_path: Path) -> None:
    for form, rate in (("sgd", 0.01), ("{sgd: 0.5}", 0.5), ("{sgd: {learning_rate: 0.2, momentum: 0.9}}", 0.2)):
        spec = read(write(tmp_path, DIGITS.replace("{adam: {learning_rate: 0.01}}", form)))
        state = spec.optimizer().init({"w": jax.numpy.zeros(3)})
        assert float(state.hyperparams["learning_rate"]) == pytest.approx(rate)


def test_the_schema_covers_every_kind_source_and_optimizer() -> None:
    schema = json.dumps(json_schema())
    for name in [*KINDS, *source_kinds().options, *OPTIMIZERS, "early_stopping", "reduce_lr_on_plateau"]:
        assert f'"{name}"' in schema, name
    assert json_schema()["properties"]["model"]["$ref"] == "#/$defs/ModelSection"


@pytest.mark.parametrize("path", EXAMPLES + ACCEPTANCE, ids=lambda p: p.name)
def test_the_schema_types_accept_every_example(path: Path) -> None:
    value = yaml.safe_load(path.read_text())
    layers: Any = types.GenericAlias(list, (layer_kinds().json_type(),))  # a type built at run time
    pydantic.TypeAdapter(layers).validate_python(value["model"]["layers"])
    pydantic.TypeAdapter(source_kinds().json_type()).validate_python(value["data"]["source"])


def test_the_schema_types_refuse_unknown_options() -> None:
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(layer_kinds().json_type()).validate_python({"dense": {"unts": 3}})


# -- layer options: the schema's models are the loader's -------------------------------------------

UNITS = """\
model:
  input: [4]
  layers:
    - dense: {units: 10.0}
"""


def _schema_accepts(entry: object) -> bool:
    try:
        pydantic.TypeAdapter(layer_kinds().json_type()).validate_python(entry)
    except pydantic.ValidationError:
        return False
    return True


def _loader_accepts(kind: str, options: dict[str, object]) -> bool:
    from typednn.export._options import decode_options  # noqa: PLC0415 - the function under test

    try:
        decode_options(KINDS[kind], options, where="here")
    except tn.HyperparameterError:
        return False
    return True


def test_units_10_0_is_refused_by_the_schema_and_by_the_loader(tmp_path: Path) -> None:
    # Strict ints, as in every other section: both refuse it, in either form.
    assert not _schema_accepts({"dense": {"units": 10.0}})
    assert not _schema_accepts({"dense": 10.0})
    assert not _loader_accepts("dense", {"units": 10.0})
    path = tmp_path / "spec.yaml"
    path.write_text(UNITS)
    with pytest.raises(tn.TypednnError, match=r"spec.yaml:4:22 \(dense\): dense option 'units' must be int"):
        read(path)
    path.write_text(UNITS.replace("{units: 10.0}", "10.0"))
    with pytest.raises(tn.TypednnError, match=r"spec.yaml:4:14 \(dense\): dense option 'units' must be int"):
        read(path)
    assert _schema_accepts({"dense": {"units": 10}}) and _loader_accepts("dense", {"units": 10})


def test_the_schema_has_no_computed_sizes() -> None:
    # An Affine size exists only at check time: the schema offered it as an object, the loader refused it.
    assert "Affine" not in json.dumps(json_schema())
    assert not _schema_accepts({"dense": {"units": {"symbol": "a.B", "scale": 1, "offset": 0, "divisor": 1}}})


_SCALARS = st.one_of(
    st.integers(-3, 300),
    st.floats(allow_nan=False, width=32),
    st.sampled_from([10.0, 0.5, 1e-6]),
    st.booleans(),
    st.none(),
    st.sampled_from(["same", "valid", "", "tests.dims.Seq", "Seq", "mod.<locals>.T"]),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3), st.lists(st.lists(_SCALARS, max_size=2), max_size=2))
_OPTIONS: dict[str, tuple[dict[str, object], list[str]]] = {
    "dense": ({"units": 3}, ["units", "use_bias", "in_features"]),
    "conv2d": ({"filters": 2, "kernel": 3}, ["kernel", "padding", "stride"]),
    "dropout": ({"rate": 0.5}, ["rate"]),
    "layer_norm": ({}, ["epsilon", "use_bias"]),
    "reshape": ({"shape": [2, 2]}, ["shape"]),
    "zero_padding2d": ({"padding": 1}, ["padding"]),
}


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_schema_acceptance_is_loader_acceptance(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(_OPTIONS)))
    required, options = _OPTIONS[kind]
    option = data.draw(st.sampled_from(options))
    value = data.draw(_VALUES)
    given_options = {**required, option: value}
    assert _schema_accepts({kind: given_options}) == _loader_accepts(kind, given_options), given_options
