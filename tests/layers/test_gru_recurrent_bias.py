"""GRU(recurrent_bias=True): the candidate's recurrent bias, as Keras's GRU (reset_after=True) has it.

The numbers are held to a numpy reference of the cell; the default GRU keeps exactly the
parameters it had (flax.nnx's GRUCell's), so existing exports and checkpoints still load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn import HyperparameterError, nn
from typednn._shapes import GRUHyper, Shape
from typednn.export import load
from typednn.export._graph_json import graph_from_dict, graph_to_dict
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.spec._schema import json_schema
from typednn.testing import Case, check_case, sequences

FEATURES, LENGTH, BATCH, UNITS = 5, 7, 3, 4


def _sigmoid(v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(1.0 / (1.0 + np.exp(-v)))


def reference(params: dict[str, np.ndarray[Any, Any]], x: np.ndarray[Any, Any], *, reverse: bool) -> Any:
    """The GRU cell in float64 numpy, gates (reset, update, candidate), over (batch, sequence, features)."""
    units = params["recurrent_kernel"].shape[0]
    recurrent_bias = params.get("recurrent_bias", np.zeros(units))
    h = np.zeros((x.shape[0], units))
    steps = range(x.shape[1])
    outputs = np.zeros((x.shape[0], x.shape[1], units))
    for t in reversed(steps) if reverse else steps:
        xi = x[:, t] @ params["input_kernel"] + params["bias"]
        hh = h @ params["recurrent_kernel"]
        r = _sigmoid(xi[:, :units] + hh[:, :units])
        z = _sigmoid(xi[:, units : 2 * units] + hh[:, units : 2 * units])
        n = np.tanh(xi[:, 2 * units :] + r * (hh[:, 2 * units :] + recurrent_bias))
        h = (1 - z) * n + z * h
        outputs[:, t] = h
    return outputs, h


def random_params(layer: Any, seed: int) -> dict[str, jax.Array]:
    """The layer's parameters, every one random (its biases too)."""
    made = layer.init(jax.random.key(seed), Shape.of(LENGTH, FEATURES))
    keys = jax.random.split(jax.random.key(seed + 1), len(made))
    return {name: jax.random.normal(k, a.shape) for k, (name, a) in zip(keys, sorted(made.items()))}


def as_numpy(params: dict[str, jax.Array]) -> dict[str, np.ndarray[Any, Any]]:
    return {name: np.asarray(value, np.float64) for name, value in params.items()}


# ---------------------------------------------------------------------------- parameters


def test_the_default_gru_keeps_its_parameters() -> None:
    made = nn.GRU(UNITS).init(jax.random.key(0), Shape.of(LENGTH, FEATURES))
    assert sorted(made) == ["bias", "input_kernel", "recurrent_kernel"]
    assert GRUHyper(units=UNITS).recurrent_bias is False
    assert repr(nn.GRU(UNITS)) == "GRU(units=4)"


def test_the_option_adds_one_zero_bias_of_units() -> None:
    layer = nn.GRU(UNITS, recurrent_bias=True)
    assert repr(layer) == "GRU(units=4, recurrent_bias=True)"
    made = layer.init(jax.random.key(0), Shape.of(LENGTH, FEATURES))
    assert sorted(made) == ["bias", "input_kernel", "recurrent_bias", "recurrent_kernel"]
    np.testing.assert_array_equal(made["recurrent_bias"], np.zeros(UNITS, np.float32))
    assert made["recurrent_bias"].dtype == jnp.float32


def test_param_shapes_counts_and_summary_know_the_option() -> None:
    x = tn.Input(LENGTH, FEATURES)
    plain = tn.Model(x, x >> nn.GRU(UNITS))
    x = tn.Input(LENGTH, FEATURES)
    biased = tn.Model(x, x >> nn.GRU(UNITS, recurrent_bias=True))
    assert biased.param_shapes()["gru"]["recurrent_bias"].shape == (UNITS,)
    assert "recurrent_bias" not in plain.param_shapes()["gru"]
    assert biased.count_params() == plain.count_params() + UNITS
    assert f"{biased.count_params():,}" in biased.summary()
    x = tn.Input(LENGTH, FEATURES)
    both = tn.Model(x, x >> nn.Bidirectional(nn.GRU(UNITS, recurrent_bias=True)))
    shapes = both.param_shapes()["bidirectional"]
    assert shapes["forward_recurrent_bias"].shape == shapes["backward_recurrent_bias"].shape == (UNITS,)
    assert both.count_params() == 2 * biased.count_params()


def test_a_bad_value_fails_at_construction() -> None:
    flag: Any = 1
    with pytest.raises(HyperparameterError, match=r"GRU\(units=4, recurrent_bias=1\): recurrent_bias must be True"):
        nn.GRU(UNITS, recurrent_bias=flag)


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
def test_the_layer_computes_the_reference_cell(reverse: bool, return_sequences: bool) -> None:
    layer = nn.GRU(UNITS, recurrent_bias=True, return_sequences=return_sequences, reverse=reverse)
    params = random_params(layer, 1)
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    ours = jax.jit(lambda p, v: layer.apply(p, v, key=None, training=False))(params, x)
    outputs, last = reference(as_numpy(params), np.asarray(x, np.float64), reverse=reverse)
    np.testing.assert_allclose(ours, outputs if return_sequences else last, rtol=1e-5, atol=1e-5)


def test_a_zero_recurrent_bias_computes_what_the_default_gru_computes() -> None:
    params = random_params(nn.GRU(UNITS), 1)
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    plain = nn.GRU(UNITS).apply(params, x, key=None, training=False)
    zero = {**params, "recurrent_bias": jnp.zeros(UNITS)}
    biased = nn.GRU(UNITS, recurrent_bias=True).apply(zero, x, key=None, training=False)
    np.testing.assert_array_equal(plain, biased)
    # The default layer's numbers are flax's GRUCell's (test_recurrent.py), so the reference's too.
    outputs, _ = reference(as_numpy(params), np.asarray(x, np.float64), reverse=False)
    np.testing.assert_allclose(plain, outputs, atol=1e-5)


def test_bidirectional_runs_each_direction_with_its_own_recurrent_bias() -> None:
    layer = nn.Bidirectional(nn.GRU(UNITS, recurrent_bias=True))
    params = random_params(layer, 5)
    x = jax.random.normal(jax.random.key(6), (BATCH, LENGTH, FEATURES))
    ours = layer.apply(params, x, key=None, training=False)
    parts = as_numpy(params)
    forward = {k.removeprefix("forward_"): v for k, v in parts.items() if k.startswith("forward_")}
    backward = {k.removeprefix("backward_"): v for k, v in parts.items() if k.startswith("backward_")}
    xs = np.asarray(x, np.float64)
    want = np.concatenate([reference(forward, xs, reverse=False)[0], reference(backward, xs, reverse=True)[0]], -1)
    np.testing.assert_allclose(ours, want, rtol=1e-5, atol=1e-5)


def test_gradients_reach_the_recurrent_bias() -> None:
    layer = nn.GRU(UNITS, recurrent_bias=True, return_sequences=False)
    params = random_params(layer, 2)
    x = jax.random.normal(jax.random.key(4), (BATCH, LENGTH, FEATURES))
    grads = jax.jit(jax.grad(lambda p: jnp.sum(layer.apply(p, x, key=None, training=False))))(params)
    assert grads["recurrent_bias"].shape == (UNITS,)
    assert bool(jnp.any(grads["recurrent_bias"] != 0))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_rule_is_what_jax_computes(data: st.DataObject) -> None:
    layer = nn.GRU(
        data.draw(st.integers(1, 6), label="units"),
        return_sequences=data.draw(st.booleans(), label="return_sequences"),
        reverse=data.draw(st.booleans(), label="reverse"),
        recurrent_bias=True,
    )
    wrapped = data.draw(st.booleans(), label="in Bidirectional")
    case = Case(nn.Bidirectional(layer) if wrapped else layer, (data.draw(sequences(), label="x"),))
    check_case(case, data)


# ---------------------------------------------------------------------------- files

SPEC = """\
model:
  input: [9, 3]
  layers:
    - gru: {units: 4, recurrent_bias: true}
    - bidirectional: {wrapped: {gru: {units: 2, recurrent_bias: true}}, merge: sum}
    - gru: {units: 2, return_sequences: false}
    - dense: 3
"""


def test_a_spec_export_and_codegen_carry_the_option(tmp_path: Path) -> None:
    (tmp_path / "series.yaml").write_text(SPEC)
    model = read(tmp_path / "series.yaml").model
    assert [repr(layer) for layer in model.graph.layers()][:3] == [
        "GRU(units=4, recurrent_bias=True)",
        "Bidirectional(wrapped=GRU(units=2, recurrent_bias=True), merge='sum')",
        "GRU(units=2, return_sequences=False)",
    ]
    written = graph_to_dict(model.graph)
    assert written["layers"][0] == {"gru": {"units": 4, "recurrent_bias": True, "name": "gru"}}
    assert written["layers"][2] == {"gru": {"units": 2, "return_sequences": False, "name": "gru_1"}}
    assert graph_to_dict(graph_from_dict(json.loads(json.dumps(written)), source="export.json").graph) == written
    code = codegen(model)
    assert 'nn.GRU(4, recurrent_bias=True, name="gru")' in code
    assert 'nn.Bidirectional(nn.GRU(2, recurrent_bias=True), merge="sum", name="bidirectional")' in code
    assert json_schema()["$defs"]["GruOptions"]["properties"]["recurrent_bias"]["default"] is False
    params = model.init(jax.random.key(0))
    params["gru"]["recurrent_bias"] = jnp.full((4,), 0.5)
    tn.save(model, params, tmp_path / "saved")
    loaded, loaded_params = load(tmp_path / "saved")
    np.testing.assert_array_equal(loaded_params["gru"]["recurrent_bias"], params["gru"]["recurrent_bias"])
    xs = jax.random.normal(jax.random.key(1), (2, 9, 3))
    np.testing.assert_array_equal(loaded.lowered.apply(loaded_params, xs), model.lowered.apply(params, xs))


@pytest.mark.slow
def test_the_mypy_plugin_types_the_option(tmp_path: Path) -> None:
    from mypy import api  # noqa: PLC0415 - mypy is only needed here

    body = tmp_path / "body.py"
    body.write_text(
        "from typing import Literal as L, assert_type\n"
        "import typednn as tn\n"
        "from typednn import nn\n"
        "x = tn.Input(10, 8)\n"
        "assert_type(nn.GRU(16, recurrent_bias=True)(x), tn.Tensor[L[10], L[16]])\n"
        "assert_type(nn.Bidirectional(nn.GRU(4, recurrent_bias=True))(x), tn.Tensor[L[10], L[8]])\n"
        "nn.GRU(16, recurrent_bias=1)(x)\n"
    )
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nplugins = typednn.mypy\nstrict = True\ncache_dir = {tmp_path / 'cache'}\n")
    out, _, _ = api.run(["--config-file", str(config), "--no-error-summary", str(body)])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1 and ":7:" in errors[0], out
