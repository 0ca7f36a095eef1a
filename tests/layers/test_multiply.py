"""Multiply: its rule and messages, rule == jax.eval_shape, Keras's numbers, spec files, exports, codegen.

`*` between tensors is not part of it: `+` is `Tensor.__add__` plus a mypy plugin hook of
its own (`TENSOR_ADD`), so a `*` would be two more places, not one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.layers.keras_backend import keras_call, keras_on_jax, run
from typednn import ShapeError, nn
from typednn._shapes import AddHyper, MultiplyHyper, Shape, Symbol
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.testing import check_case, layers

# ---------------------------------------------------------------------------- rule and messages


def test_the_rule_is_add_s() -> None:
    seq = Symbol("tests.Seq")
    for inputs in [
        (Shape.of(8, 8, 16), Shape.of(8, 8, 16)),
        (Shape.of(3), Shape.of(3), Shape.of(3)),
        (Shape.of(seq, 4), Shape.of(seq, 4)),
        (Shape((4,), open=True), Shape.of(2, 4)),
        (Shape.of(), Shape.of()),
    ]:
        assert MultiplyHyper().output_shape(*inputs) == AddHyper().output_shape(*inputs)


def test_the_layer_names_its_kind() -> None:
    layer = nn.Multiply()
    assert repr(layer) == "Multiply"
    found = kind_of(layer)
    assert found is not None and found.name == "multiply" and layer.default_name() == "multiply"
    assert KINDS["multiply"].main_option() is None
    assert not layer.has_params
    x = tn.Input(8, 16)
    assert nn.Multiply()(x, x >> nn.Dense(16) >> nn.sigmoid).shape == Shape.of(8, 16)


@pytest.mark.parametrize(
    ("inputs", "received"),
    [
        ((tn.Input(4, 5), tn.Input(4, 6)), "(4, 5) and (4, 6)"),
        ((tn.Input(4, 5), tn.Input(4, 5, 1)), "(4, 5) and (4, 5, 1)"),
        ((tn.Input(8, 8, 16), tn.Input(1, 1, 16)), "(8, 8, 16) and (1, 1, 16)"),  # Keras would broadcast
        ((tn.Input(3), tn.Input(3), tn.Input(2)), "(3,) and (3,) and (2,)"),
    ],
)
def test_unequal_shapes_are_refused_with_a_hint(inputs: tuple[tn.Tensor[Any], ...], received: str) -> None:
    with pytest.raises(ShapeError) as info:
        nn.Multiply()(*inputs)
    assert str(info.value).splitlines()[0] == f"Multiply expects inputs of equal shape, but receives {received}"
    assert (
        info.value.hint == "multiply only equal shapes: Multiply does not broadcast, so give a gate the features' shape"
    )


def test_one_input_is_refused() -> None:
    with pytest.raises(ShapeError, match=r"^Multiply expects two or more inputs, but receives 1"):
        nn.Multiply()(tn.Input(3))  # type: ignore[typednn-shape]


def test_add_s_messages_are_unchanged() -> None:
    with pytest.raises(ShapeError) as info:
        tn.Input(4, 5) + tn.Input(4, 6)  # type: ignore[typednn-shape]
    assert str(info.value).splitlines()[0] == "Add expects inputs of equal shape, but receives (4, 5) and (4, 6)"
    assert info.value.hint == "project the shortcut (e.g. a 1x1 Conv2D with the same stride) so both paths agree"
    with pytest.raises(ShapeError) as info:
        tn.Input(4, 5) + tn.Input(4, 5, 1)  # type: ignore[typednn-shape]
    assert info.value.hint == "add only equal shapes"


# ---------------------------------------------------------------------------- rule == jax.eval_shape


@given(data=st.data())
def test_rule_is_jax_eval_shape(data: st.DataObject) -> None:
    check_case(data.draw(layers("multiply"), label="case"), data)


# ---------------------------------------------------------------------------- Keras's numbers


@pytest.mark.parametrize("count", [2, 3])
def test_the_numbers_are_keras_s(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    keras = keras_on_jax(monkeypatch)
    rng = np.random.default_rng(count)
    xs = [rng.normal(size=(2, 5, 4)).astype(np.float32) for _ in range(count)]
    want = keras_call(keras.layers.Multiply(), *xs)
    np.testing.assert_allclose(run(nn.Multiply(), {}, *xs), want, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------- specs, exports, codegen

SPEC = """\
name: gated
model:
  input: [6, 4]
  layers:
    - {dense: {units: 4, name: features}}
    - {dense: {units: 4, inputs: [input], name: logits}}
    - {sigmoid: {inputs: [logits], name: gate}}
    - {multiply: {inputs: [features, gate], name: gated}}
    - {multiply: {inputs: [gated, gate, input]}}
"""


def spec_model(tmp_path: Path, text: str = SPEC) -> tn.Model[Any, Any]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return read(path).model


def test_a_spec_merges_by_name(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    assert repr(model) == "Model((6, 4) -> (6, 4))"
    x = np.random.default_rng(0).normal(size=(2, 6, 4)).astype(np.float32)
    params = model.init(jax.random.key(0))
    features = x @ np.asarray(params["features"]["kernel"]) + np.asarray(params["features"]["bias"])
    gate = np.asarray(jax.nn.sigmoid(x @ np.asarray(params["logits"]["kernel"]) + np.asarray(params["logits"]["bias"])))
    np.testing.assert_allclose(np.asarray(model.apply(params, x)), features * gate * gate * x, rtol=1e-5, atol=1e-6)


def test_a_spec_error_names_the_line(tmp_path: Path) -> None:
    text = SPEC.replace("{units: 4, name: features}", "{units: 3, name: features}")
    with pytest.raises(tn.TypednnError, match=r"spec\.yaml:8:\d+ \(gated\): Multiply expects inputs of equal shape"):
        spec_model(tmp_path, text)


def test_save_load_and_codegen_rebuild_the_model(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    params = model.init(jax.random.key(1))
    tn.save(model, params, tmp_path / "export")
    again, loaded = load(tmp_path / "export")
    assert graph_to_dict(again.graph) == graph_to_dict(model.graph)
    x = np.random.default_rng(1).normal(size=(2, 6, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(model.apply(params, x)))
    code = codegen(model)
    assert 'nn.Multiply(name="gated")' in code, code
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the code under test
    rebuilt: tn.Model[Any, Any] = namespace["build_model"]()
    assert graph_to_dict(rebuilt.graph) == graph_to_dict(model.graph)
