"""Rescaling and Normalization: rules and messages, rule == jax.eval_shape, Keras's numbers, specs, exports, codegen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.layers.keras_backend import keras_call, keras_on_jax, run
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, NormalizationHyper, RescalingHyper, Shape, Symbol
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.testing import check_case, layers

# ---------------------------------------------------------------------------- rules and messages


def test_the_shape_is_kept() -> None:
    seq = Symbol("tests.Seq")
    for x in [Shape.of(224, 224, 3), Shape.of(seq, 3), Shape.of(), Shape((3,), open=True), Shape.anything()]:
        assert RescalingHyper(scale=1 / 255).output_shape(x) == x
        assert NormalizationHyper(mean=0.5, variance=0.25, invert=True).output_shape(x) == x
    per_channel = NormalizationHyper(mean=(0.5, 0.4, 0.3), variance=(1.0, 2.0, 0.0))
    assert per_channel.output_shape(Shape.of(8, 8, 3)) == Shape.of(8, 8, 3)
    # At check time mypy knows a tuple's length, not its floats: the length is still checked.
    unknown: Any = UNKNOWN  # what the plugin passes for a float
    assert RescalingHyper(scale=(unknown, unknown), offset=unknown).output_shape(Shape.of(5, 2)) == Shape.of(5, 2)
    with pytest.raises(ShapeError):
        RescalingHyper(scale=(unknown, unknown)).output_shape(Shape.of(5, 3))


def test_the_layers_name_their_kinds_and_have_no_parameters() -> None:
    layers = [nn.Rescaling(0.5, offset=-1.0), nn.Normalization(mean=(1.0, 2.0), variance=(4.0, 1.0))]
    for layer, kind, main in zip(layers, ["rescaling", "normalization"], ["scale", "mean"], strict=True):
        found = kind_of(layer)
        assert found is not None and found.name == kind and layer.default_name() == kind
        assert KINDS[kind].main_option() == main
        assert not layer.has_params
    assert [repr(layer) for layer in layers] == [
        "Rescaling(scale=0.5, offset=-1.0)",
        "Normalization(mean=(1.0, 2.0), variance=(4.0, 1.0))",
    ]


def test_lists_are_kept_as_tuples() -> None:
    layer = nn.Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0])  # type: ignore[arg-type]  # Keras's habit
    assert layer.hyper.mean == (1.0, 2.0) and layer.hyper.variance == (4.0, 1.0)
    assert hash(layer.hyper) == hash(nn.Normalization(mean=(1.0, 2.0), variance=(4.0, 1.0)).hyper)


@pytest.mark.parametrize(
    ("inputs", "layer", "message", "hint"),
    [
        (
            tn.Input(4, 5),
            nn.Normalization(mean=(1.0, 2.0), variance=(1.0, 1.0)),
            "Normalization(mean=(1.0, 2.0), variance=(1.0, 1.0)) expects an input whose last axis has 2 entries"
            " (one mean value each), but receives (4, 5)",
            "give mean one value per entry of the last axis, or one float for all",
        ),
        (
            tn.Input(8, 8, 1),
            nn.Rescaling(1.0, offset=(0.1, 0.2, 0.3)),
            "Rescaling(scale=1.0, offset=(0.1, 0.2, 0.3)) expects an input whose last axis has 3 entries"
            " (one offset value each), but receives (8, 8, 1)",
            "give offset one value per entry of the last axis, or one float for all",
        ),
        (
            tn.Input(),
            nn.Rescaling((2.0,)),
            "Rescaling(scale=(2.0,)) expects an input whose last axis has 1 entries (one scale value each),"
            " but receives ()",
            "give scale one value per entry of the last axis, or one float for all",
        ),
    ],
)
def test_a_per_channel_list_must_match_the_last_axis(
    inputs: tn.Tensor[Any], layer: tn.Layer[Any], message: str, hint: str
) -> None:
    with pytest.raises(ShapeError) as info:
        layer(inputs)
    assert str(info.value).splitlines()[0] == message
    assert info.value.hint == hint


@pytest.mark.parametrize(
    ("make", "message", "hint"),
    [
        (
            lambda: nn.Rescaling("1/255"),  # type: ignore[arg-type]
            "Rescaling(scale='1/255'): scale must be a float or a tuple of floats (one per channel), but is '1/255'",
            "e.g. scale=0.5, or scale=(0.5, 0.5, 0.5) for an RGB image",
        ),
        (
            lambda: nn.Rescaling(1.0, offset=()),  # type: ignore[typednn-param]
            "Rescaling(scale=1.0, offset=()): offset must be a float or a tuple of floats (one per channel), but is ()",
            "e.g. offset=0.5, or offset=(0.5, 0.5, 0.5) for an RGB image",
        ),
        (
            lambda: nn.Rescaling(float("nan")),
            "Rescaling(scale=nan): scale must be a float or a tuple of floats (one per channel), but is nan",
            "e.g. scale=0.5, or scale=(0.5, 0.5, 0.5) for an RGB image",
        ),
        (
            lambda: nn.Normalization(mean=(1.0, True), variance=1.0),  # type: ignore[typednn-param]
            "mean must be a float or a tuple of floats (one per channel), but is (1.0, True)",
            "e.g. mean=0.5, or mean=(0.5, 0.5, 0.5) for an RGB image",
        ),
        (
            lambda: nn.Normalization(mean=(1.0, 2.0), variance=(1.0, 1.0, 1.0)),  # type: ignore[typednn-param]
            "Normalization(mean=(1.0, 2.0), variance=(1.0, 1.0, 1.0)): per-channel values must agree in length,"
            " but mean has 2 and variance has 3",
            "give one per channel",
        ),
        (
            lambda: nn.Normalization(mean=0.0, variance=(1.0, -0.5)),  # type: ignore[typednn-param]
            "Normalization(mean=0.0, variance=(1.0, -0.5)): variance must not be negative, but is (1.0, -0.5)",
            "pass the variance (the squared standard deviation), as Keras's Normalization takes it",
        ),
        (
            lambda: nn.Normalization(mean=0.0, variance=1.0, invert=1),  # type: ignore[arg-type]
            "Normalization(mean=0.0, variance=1.0, invert=1): invert must be True or False, but is 1",
            None,
        ),
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str, hint: str | None) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message
    assert info.value.hint == hint


# ---------------------------------------------------------------------------- rule == jax.eval_shape


@pytest.mark.parametrize("kind", ["rescaling", "normalization"])
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind), label="case"), data)


# ---------------------------------------------------------------------------- the numbers: Keras's

IMAGES = np.random.default_rng(0).uniform(0, 255, size=(2, 5, 4, 3)).astype(np.float32)


def test_rescaling_is_keras_s(monkeypatch: pytest.MonkeyPatch) -> None:
    keras = keras_on_jax(monkeypatch)
    for ours, theirs in [
        (nn.Rescaling(1 / 255), keras.layers.Rescaling(1 / 255)),
        (nn.Rescaling(1 / 127.5, offset=-1.0), keras.layers.Rescaling(1 / 127.5, offset=-1.0)),
        (
            nn.Rescaling((0.1, 0.2, 0.3), offset=(1.0, 0.0, -1.0)),
            keras.layers.Rescaling([0.1, 0.2, 0.3], offset=[1.0, 0.0, -1.0]),
        ),
    ]:
        want = keras_call(theirs, IMAGES)
        np.testing.assert_allclose(run(ours, {}, IMAGES), want, rtol=1e-6, atol=1e-5 * float(np.abs(want).max()))


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_is_keras_s(monkeypatch: pytest.MonkeyPatch, invert: bool) -> None:
    keras = keras_on_jax(monkeypatch)
    mean, variance = [120.0, 110.0, 100.0], [3000.0, 0.0, 1e-16]  # the last two reach Keras's epsilon
    for ours, theirs in [
        (
            nn.Normalization(mean=tuple(mean), variance=tuple(variance), invert=invert),
            keras.layers.Normalization(mean=mean, variance=variance, invert=invert),
        ),
        (
            nn.Normalization(mean=127.5, variance=5000.0, invert=invert),
            keras.layers.Normalization(mean=127.5, variance=5000.0, invert=invert),
        ),
    ]:
        x = IMAGES / 255 if invert else IMAGES
        want = keras_call(theirs, x)
        np.testing.assert_allclose(run(ours, {}, x), want, rtol=1e-5, atol=1e-5 * float(np.abs(want).max()))


# ---------------------------------------------------------------------------- specs, exports, codegen

SPEC = """\
name: preprocessed
model:
  input: [6, 5, 3]
  layers:
    - rescaling: 0.00392156862745098
    - normalization: {mean: [0.485, 0.456, 0.406], variance: [0.052, 0.05, 0.051]}
    - {rescaling: {scale: [1, 2, 3], offset: -1, name: spread}}
    - conv2d: {filters: 2, kernel: 1}
"""


def spec_model(tmp_path: Path, text: str = SPEC) -> tn.Model[Any, Any]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return read(path).model


def test_a_spec_builds_the_layers(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    layers = list(model.graph.layers())
    assert [repr(layer) for layer in layers[:3]] == [
        "Rescaling(scale=0.00392156862745098)",
        "Normalization(mean=(0.485, 0.456, 0.406), variance=(0.052, 0.05, 0.051))",
        "Rescaling(scale=(1, 2, 3), offset=-1)",
    ]
    x = np.ones((2, 6, 5, 3), np.float32)
    assert model.apply(model.init(jax.random.key(0)), x).shape == (2, 6, 5, 2)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "variance: [0.052, 0.05, 0.051]",
            "variance: [0.052, 0.05]",
            r"spec\.yaml:6:\d+ \(normalization\): Normalization\(.*\): per-channel values must agree in length",
        ),
        (
            "mean: [0.485, 0.456, 0.406], variance: [0.052, 0.05, 0.051]",
            "mean: [0.485, 0.456], variance: [0.052, 0.05]",
            r"spec\.yaml:6:\d+ \(normalization\): Normalization\(.*\) expects an input whose last axis has 2 entries",
        ),
        ("rescaling: 0.00392156862745098", "rescaling: one", r"spec\.yaml:5:\d+"),
        ("offset: -1", "offset: -.inf", r"spec\.yaml:7:\d+.*offset must be a float"),
    ],
)
def test_spec_errors_name_the_line(tmp_path: Path, replace: str, by: str, message: str) -> None:
    with pytest.raises(tn.TypednnError, match=message):
        spec_model(tmp_path, SPEC.replace(replace, by))


def test_the_statistics_are_written_into_spec_json_and_read_back(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    params = model.init(jax.random.key(1))
    tn.save(model, params, tmp_path / "export")
    written = json.loads((tmp_path / "export" / "spec.json").read_text())
    assert {
        "normalization": {"mean": [0.485, 0.456, 0.406], "variance": [0.052, 0.05, 0.051], "name": "normalization"}
    } in written["model"]["layers"]
    again, loaded = load(tmp_path / "export")
    assert graph_to_dict(again.graph) == graph_to_dict(model.graph)
    x = np.random.default_rng(1).uniform(0, 255, size=(2, 6, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(model.apply(params, x)))
    code = codegen(model)
    for call in [
        "nn.Rescaling(0.00392156862745098)",
        "nn.Normalization(mean=(0.485, 0.456, 0.406), variance=(0.052, 0.05, 0.051))",
        'nn.Rescaling((1, 2, 3), offset=-1, name="spread")',
    ]:
        assert call in code, (call, code)
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the code under test
    rebuilt: tn.Model[Any, Any] = namespace["build_model"]()
    assert graph_to_dict(rebuilt.graph) == graph_to_dict(model.graph)
