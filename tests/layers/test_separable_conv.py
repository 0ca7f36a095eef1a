"""SeparableConv2D: its rule and messages, rule == jax.eval_shape, Keras's numbers, spec files, exports, codegen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.layers.keras_backend import keras_call, keras_on_jax, run
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, SeparableConv2DHyper, Shape, Symbol
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.testing import check_case, layers

# ---------------------------------------------------------------------------- rule and messages


def test_the_rule_is_the_depthwise_rule_then_filters_channels() -> None:
    rule = SeparableConv2DHyper(filters=16, kernel=3, stride=2, depth_multiplier=2)
    assert rule.output_shape(Shape.of(28, 28, 8)) == Shape.of(13, 13, 16)
    same = SeparableConv2DHyper(filters=4, kernel=(3, 5), padding="same", stride=(1, 2))
    assert same.output_shape(Shape.of(7, 9, 3)) == Shape.of(7, 5, 4)
    dilated = SeparableConv2DHyper(filters=4, kernel=3, dilation=2)
    assert dilated.output_shape(Shape.of(9, 9, 3)) == Shape.of(5, 5, 4)
    seq = Symbol("tests.Seq")
    assert rule.output_shape(Shape.of(seq, 28, 8)).dims[1:] == (13, 16)
    assert SeparableConv2DHyper(filters=UNKNOWN, kernel=3).output_shape(Shape.of(5, 5, 2)) == Shape.of(3, 3, UNKNOWN)


def test_the_layer_names_its_kind_and_options() -> None:
    layer = nn.SeparableConv2D(16, kernel=3, stride=2, depth_multiplier=2, activation="relu6")
    assert repr(layer) == "SeparableConv2D(16, kernel=3, stride=2, depth_multiplier=2, activation='relu6')"
    found = kind_of(layer)
    assert found is not None and found.name == "separable_conv2d" and layer.default_name() == "separable_conv2d"
    assert KINDS["separable_conv2d"].main_option() == "filters"
    assert layer(tn.Input(32, 32, 8)).shape == Shape.of(15, 15, 16)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: nn.SeparableConv2D(0, kernel=3),  # type: ignore[typednn-param]
            "SeparableConv2D(0, kernel=3): filters must be a positive int, but is 0",
        ),
        (
            lambda: nn.SeparableConv2D(4, kernel=3, depth_multiplier=0),  # type: ignore[typednn-param]
            "depth_multiplier must be a positive int, but is 0",
        ),
        (lambda: nn.SeparableConv2D(4, kernel=(1, 2, 3)), "kernel must be an int or a pair of ints, but is (1, 2, 3)"),  # type: ignore[arg-type]
        (
            lambda: nn.SeparableConv2D(4, kernel=3, padding="full"),  # type: ignore[arg-type]
            "padding must be 'valid' or 'same', but is 'full'",
        ),
        (
            lambda: nn.SeparableConv2D(4, kernel=3, activation="hard_silu"),  # type: ignore[typednn-param]
            "activation must be None or one of",
        ),
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_wrong_inputs_are_shape_errors_with_hints() -> None:
    with pytest.raises(
        ShapeError, match=r"SeparableConv2D\(4, kernel=3\) expects a \(height, width, channels\)"
    ) as info:
        nn.SeparableConv2D(4, kernel=3)(tn.Input(10, 3))  # type: ignore[typednn-shape]
    assert info.value.hint == "SeparableConv2D takes NHWC images"
    with pytest.raises(ShapeError, match=r"in_channels=5\) expects 5 input channels"):
        nn.SeparableConv2D(4, kernel=3, in_channels=5)(tn.Input(9, 9, 3))  # type: ignore[typednn-shape]
    with pytest.raises(ShapeError, match=r"SeparableConv2D\(4, kernel=5\) expects") as info:
        nn.SeparableConv2D(4, kernel=5)(tn.Input(3, 3, 2))  # type: ignore[typednn-shape]
    assert info.value.hint is not None and "padding='same'" in info.value.hint


def test_activation_hint_names_keras_spelling() -> None:
    with pytest.raises(HyperparameterError) as info:
        nn.SeparableConv2D(4, kernel=3, activation="hard_silu")  # type: ignore[typednn-param]
    assert info.value.hint == "did you mean 'hard_swish'?"


# ---------------------------------------------------------------------------- rule == jax.eval_shape


@given(data=st.data())
def test_rule_is_jax_eval_shape(data: st.DataObject) -> None:
    # The cases (typednn.testing) also draw other ranks and too-small images: the rule must
    # reject exactly what JAX cannot run.
    check_case(data.draw(layers("separable_conv2d"), label="case"), data)


# ---------------------------------------------------------------------------- Keras's numbers


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "multiplier", "use_bias", "activation"),
    [
        (3, 1, "valid", 1, 1, True, None),
        (3, 2, "same", 1, 2, True, "relu6"),
        ((2, 3), (1, 2), "valid", 1, 3, False, None),
        (3, 1, "same", 2, 1, True, "hard_swish"),
        (1, 1, "valid", 1, 2, True, "relu"),
    ],
)
def test_the_numbers_are_keras_s(
    monkeypatch: pytest.MonkeyPatch,
    kernel: int | tuple[int, int],
    stride: int | tuple[int, int],
    padding: Literal["valid", "same"],
    dilation: int,
    multiplier: int,
    use_bias: bool,
    activation: str | None,
) -> None:
    keras = keras_on_jax(monkeypatch)
    filters, channels = 5, 4
    theirs = keras.layers.SeparableConv2D(
        filters,
        kernel,
        strides=stride,
        padding=padding,
        dilation_rate=dilation,
        depth_multiplier=multiplier,
        use_bias=use_bias,
        activation=activation,
    )
    theirs.build((None, 9, 10, channels))
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=tuple(w.shape)).astype(np.float32) for w in theirs.weights]
    theirs.set_weights(weights)
    depthwise = weights[0]
    # Keras's (kh, kw, channels, multiplier) kernel is DepthwiseConv2D's (kh, kw, 1, channels * multiplier).
    params = {
        "depthwise_kernel": depthwise.reshape(*depthwise.shape[:2], 1, -1),
        "pointwise_kernel": weights[1],
    }
    if use_bias:
        params["bias"] = weights[2]
    ours = nn.SeparableConv2D(
        filters,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        depth_multiplier=multiplier,
        use_bias=use_bias,
        activation=activation,
    )
    x = rng.normal(size=(2, 9, 10, channels)).astype(np.float32)
    got = run(ours, {k: jax.numpy.asarray(v) for k, v in params.items()}, x)
    want = keras_call(theirs, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * float(np.abs(want).max()))


def test_the_parameters_have_the_documented_shapes() -> None:
    layer = nn.SeparableConv2D(6, kernel=(3, 2), depth_multiplier=2)
    shapes = {k: v.shape for k, v in layer.init(jax.random.key(0), Shape.of(8, 8, 3)).items()}
    assert shapes == {"depthwise_kernel": (3, 2, 1, 6), "pointwise_kernel": (1, 1, 6, 6), "bias": (6,)}
    without = nn.SeparableConv2D(6, kernel=3, use_bias=False).init(jax.random.key(0), Shape.of(8, 8, 3))
    assert set(without) == {"depthwise_kernel", "pointwise_kernel"}


# ---------------------------------------------------------------------------- specs, exports, codegen

SPEC = """\
name: separable
model:
  input: [16, 16, 3]
  layers:
    - separable_conv2d: {filters: 8, kernel: 3, stride: 2, padding: same, depth_multiplier: 2, activation: relu6}
    - {separable_conv2d: {filters: 4, kernel: [3, 1], use_bias: false, name: second}}
    - separable_conv2d: 2
"""


def spec_model(tmp_path: Path, text: str = SPEC) -> tn.Model[Any, Any]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return read(path).model


def test_a_spec_builds_the_layers(tmp_path: Path) -> None:
    with pytest.raises(tn.TypednnError, match=r"spec\.yaml:7:\d+.*kernel"):
        spec_model(tmp_path)  # `{separable_conv2d: 2}` gives the filters, but the kernel is required too
    model = spec_model(tmp_path, SPEC.replace("separable_conv2d: 2", "separable_conv2d: {filters: 2, kernel: 1}"))
    assert repr(model) == "Model((16, 16, 3) -> (6, 8, 2))"
    layers = list(model.graph.layers())
    assert [repr(layer) for layer in layers] == [
        "SeparableConv2D(8, kernel=3, stride=2, padding='same', depth_multiplier=2, activation='relu6')",
        "SeparableConv2D(4, kernel=(3, 1), use_bias=False)",
        "SeparableConv2D(2, kernel=1)",
    ]


def test_a_spec_error_names_the_line(tmp_path: Path) -> None:
    text = SPEC.replace("depth_multiplier: 2", "depth_multiplier: 0")
    with pytest.raises(tn.TypednnError, match=r"spec\.yaml:5:\d+ \(separable_conv2d\): SeparableConv2D\(8, .*"):
        spec_model(tmp_path, text)


def test_save_load_and_codegen_rebuild_the_model(tmp_path: Path) -> None:
    model = spec_model(tmp_path, SPEC.replace("separable_conv2d: 2", "separable_conv2d: {filters: 2, kernel: 1}"))
    params = model.init(jax.random.key(1))
    tn.save(model, params, tmp_path / "export")
    again, loaded = load(tmp_path / "export")
    assert graph_to_dict(again.graph) == graph_to_dict(model.graph)
    x = np.random.default_rng(1).normal(size=(2, 16, 16, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(model.apply(params, x)))
    code = codegen(model)
    assert 'nn.SeparableConv2D(4, kernel=(3, 1), use_bias=False, name="second")' in code, code
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the code under test
    rebuilt: tn.Model[Any, Any] = namespace["build_model"]()
    assert graph_to_dict(rebuilt.graph) == graph_to_dict(model.graph)
