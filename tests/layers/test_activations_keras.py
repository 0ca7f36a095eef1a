"""relu6, hard_sigmoid and hard_swish: formulas, Keras 3's numbers, names and hints, rule == jax.eval_shape, specs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.layers.keras_backend import keras_call, keras_on_jax, run
from typednn import HyperparameterError, nn
from typednn._shapes import ACTIVATIONS, ActivationHyper, Shape
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers._registry import KINDS
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.testing import check_case, layers

NEW = ("relu6", "hard_sigmoid", "hard_swish")
# Every kink of the three (-3, 0, 3, 6) and the flat parts beyond them.
X = np.concatenate([np.linspace(-9.0, 9.0, 181), [-3.0, 0.0, 3.0, 6.0]]).astype(np.float32).reshape(1, -1)


Array = np.ndarray[Any, Any]


def relu6(x: Array) -> Array:
    clipped: Array = np.minimum(np.maximum(x, 0.0), 6.0)
    return clipped


FORMULAS: dict[str, Callable[[Array], Array]] = {
    "relu6": relu6,
    "hard_sigmoid": lambda x: relu6(x + 3.0) / 6.0,  # Keras 3's; Keras 2's was 0.2 * x + 0.5, clipped
    "hard_swish": lambda x: x * relu6(x + 3.0) / 6.0,
}


def test_they_are_in_the_one_list_and_are_kinds() -> None:
    assert set(NEW) <= set(ACTIVATIONS)
    for name in NEW:
        assert KINDS[name].layer is nn.Activation and dict(KINDS[name].fixed) == {"function": name}
        assert ActivationHyper(function=name).output_shape(Shape.of(4, 2)) == Shape.of(4, 2)
        assert nn.Dense(3, activation=name).hyper.activation == name


@pytest.mark.parametrize("name", NEW)
def test_the_formulas(name: str) -> None:
    np.testing.assert_allclose(run(nn.Activation(name), {}, X), FORMULAS[name](X), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("ours", "keras_name"), [*((n, n) for n in NEW), ("hard_swish", "hard_silu")])
def test_the_numbers_are_keras_s(monkeypatch: pytest.MonkeyPatch, ours: str, keras_name: str) -> None:
    keras = keras_on_jax(monkeypatch)
    want = keras_call(keras.layers.Activation(keras_name), X)
    np.testing.assert_allclose(run(nn.Activation(ours), {}, X), want, rtol=1e-6, atol=1e-7)
    # Keras's `Dense(units, activation=...)`: the same weights give the same numbers.
    theirs = keras.layers.Dense(4, activation=keras_name)
    theirs.build((None, 3))
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)
    theirs.set_weights([kernel, bias])
    x = rng.normal(scale=3.0, size=(8, 3)).astype(np.float32)
    got = run(nn.Dense(4, activation=ours), {"kernel": jax.numpy.asarray(kernel), "bias": jax.numpy.asarray(bias)}, x)
    np.testing.assert_allclose(got, keras_call(theirs, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("given_name", "hint"),
    [("hard_silu", "did you mean 'hard_swish'?"), ("Relu6", "did you mean 'relu6'?"), ("hardswish", None)],
)
def test_keras_s_spellings_get_a_hint(given_name: str, hint: str | None) -> None:
    with pytest.raises(HyperparameterError) as info:
        nn.Conv2D(4, kernel=3, activation=given_name)
    assert "activation must be None or one of relu, gelu, tanh, sigmoid, softmax, silu, elu, leaky_relu, " in str(
        info.value
    )
    assert "relu6, hard_sigmoid, hard_swish, but is" in str(info.value)
    if hint is not None:
        assert info.value.hint == hint
    else:
        assert info.value.hint is not None and info.value.hint.startswith("did you mean 'hard_")


@pytest.mark.parametrize("name", NEW)
@given(data=st.data())
def test_rule_is_jax_eval_shape(name: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(name), label="case"), data)


SPEC = """\
name: mobile
model:
  input: [6]
  layers:
    - dense: {units: 4, activation: hard_swish}
    - relu6
    - {hard_sigmoid: {name: gate}}
    - {activation: {function: hard_swish}}
"""


def test_a_spec_names_them_and_an_export_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    model = read(path).model
    assert [repr(layer) for layer in model.graph.layers()] == [
        "Dense(4, activation='hard_swish')",
        "Activation('relu6')",
        "Activation('hard_sigmoid')",
        "Activation('hard_swish')",
    ]
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "export")
    again, loaded = load(tmp_path / "export")
    assert graph_to_dict(again.graph) == graph_to_dict(model.graph)
    x = np.random.default_rng(0).normal(scale=4.0, size=(3, 6)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(model.apply(params, x)))
    code = codegen(model)
    assert (
        'nn.Dense(4, activation="hard_swish", name="dense")' in code
        and 'nn.Activation("hard_sigmoid", name="gate")' in code
    ), code


def test_a_spec_with_keras_s_spelling_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace("activation: hard_swish}", "activation: hard_silu}", 1))
    with pytest.raises(
        tn.TypednnError, match=r"spec\.yaml:5:\d+ \(dense\): Dense\(4, activation='hard_silu'\)"
    ) as info:
        read(path)
    assert "did you mean 'hard_swish'?" in str(info.value)
