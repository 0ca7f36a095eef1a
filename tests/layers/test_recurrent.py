"""LSTM, GRU and Bidirectional: rules, the rules against JAX, the lowering against flax.nnx.RNN, files.

The property test draws `typednn.testing`'s cases and holds them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from tests.shapes.test_rules_vs_jax import SEQ
from typednn import HyperparameterError, ShapeError, TypednnError, nn
from typednn._shapes import UNKNOWN, BidirectionalHyper, GRUHyper, LSTMHyper, Shape
from typednn.cli import main
from typednn.export import load
from typednn.export._graph_json import graph_from_dict, graph_to_dict
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.spec._schema import json_schema
from typednn.testing import check_case, layers


def rejection(hyper: Any, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as caught:
        hyper.output_shape(*inputs)
    return caught.value


# ---------------------------------------------------------------------------- rules


@pytest.mark.parametrize("hyper", [LSTMHyper, GRUHyper])
def test_the_rule_gives_units_per_step_or_for_the_last_step(hyper: Any) -> None:
    assert hyper(units=32).output_shape(Shape.of(10, 8)) == Shape.of(10, 32)
    assert hyper(units=32, reverse=True).output_shape(Shape.of(10, 8)) == Shape.of(10, 32)
    assert hyper(units=4, return_sequences=False).output_shape(Shape.of(10, 8)) == Shape.of(4)
    # A named sequence length flows through; a named feature axis is read, not kept.
    assert hyper(units=3).output_shape(Shape.of(SEQ, 8)) == Shape.of(SEQ, 3)
    assert hyper(units=3).output_shape(Shape.of(8, SEQ)) == Shape.of(8, 3)
    # Less knowledge never rejects.
    assert hyper(units=3).output_shape(Shape.anything()) == Shape.of(UNKNOWN, 3)
    assert hyper(units=3, return_sequences=UNKNOWN).output_shape(Shape.of(4, 5)) == Shape.anything()
    assert hyper(units=UNKNOWN).output_shape(Shape.of(4, 5)) == Shape.of(4, UNKNOWN)


@pytest.mark.parametrize(("merge", "features"), [("concat", 128), ("sum", 64), ("mean", 64), ("mul", 64)])
def test_bidirectional_merges_the_two_directions(merge: str, features: int) -> None:
    bi = BidirectionalHyper(wrapped=LSTMHyper(units=64), merge=merge)
    assert bi.output_shape(Shape.of(10, 8)) == Shape.of(10, features)
    last = BidirectionalHyper(wrapped=GRUHyper(units=64, return_sequences=False), merge=merge)
    assert last.output_shape(Shape.of(SEQ, 8)) == Shape.of(features)
    assert BidirectionalHyper(wrapped=UNKNOWN).output_shape(Shape.of(10, 8)) == Shape.anything()
    assert BidirectionalHyper(wrapped=LSTMHyper(units=UNKNOWN)).output_shape(Shape.of(4, 2)) == Shape.of(4, UNKNOWN)


@pytest.mark.parametrize("dims", [(), (64,), (4, 10, 64), (2, 3, 4, 5)])
def test_the_input_must_be_a_sequence_of_feature_vectors(dims: tuple[int, ...]) -> None:
    hint = "a recurrent layer steps through the first axis; Reshape to (sequence, features) first"
    for hyper, name in [
        (LSTMHyper(units=4), "LSTM(units=4)"),
        (GRUHyper(units=2, reverse=True), "GRU(units=2, reverse=True)"),
        (
            BidirectionalHyper(wrapped=LSTMHyper(units=4), merge="sum"),
            "Bidirectional(wrapped=LSTM(units=4), merge='sum')",
        ),
    ]:
        error = rejection(hyper, Shape.of(*dims))
        assert str(error).startswith(f"{name} expects a (sequence, features) input, but receives {Shape.of(*dims)!r}")
        assert error.hint == hint


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.LSTM(0), "LSTM(units=0): units must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.GRU(-2), "GRU(units=-2): units must be a positive int, but is -2"),  # type: ignore[typednn-param]
        (lambda: nn.LSTM(3, reverse=1), "LSTM(units=3, reverse=1): reverse must be True or False, but is 1"),  # type: ignore[arg-type]
        (lambda: nn.GRU(3, return_sequences="no"), "return_sequences must be True or False, but is 'no'"),  # type: ignore[arg-type]
        (
            lambda: nn.Bidirectional(nn.LSTM(4), merge="max"),  # type: ignore[arg-type]
            "Bidirectional(wrapped=LSTM(units=4), merge='max'): merge must be 'concat' or 'sum' or 'mean' or 'mul'",
        ),
        (lambda: nn.Bidirectional(nn.Dense(4)), "wrapped must be an LSTM or a GRU, but is Dense(4)"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(build: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as caught:
        build()
    assert message in str(caught.value)


def test_the_layers_in_a_model() -> None:
    x = tn.Input(12, 5)
    h = x >> nn.LSTM(6) >> nn.Bidirectional(nn.GRU(4, reverse=True), merge="mean")
    y = h >> nn.Bidirectional(nn.LSTM(3, return_sequences=False)) >> nn.Dense(2)
    assert h.shape == Shape.of(12, 4) and y.shape == Shape.of(2)
    model = tn.Model(x, y)
    params = jax.eval_shape(model.init, jax.random.key(0))
    assert {name: a.shape for name, a in params["lstm"].items()} == {
        "input_kernel": (5, 24),
        "recurrent_kernel": (6, 24),
        "bias": (24,),
    }
    assert {name: a.shape for name, a in params["bidirectional"].items()} == {
        f"{direction}_{name}": shape
        for direction in ("forward", "backward")
        for name, shape in (("input_kernel", (6, 12)), ("recurrent_kernel", (4, 12)), ("bias", (12,)))
    }
    xs = jax.ShapeDtypeStruct((2, 12, 5), jnp.float32)
    assert jax.eval_shape(model.lowered.apply, params, xs).shape == (2, 2)
    with pytest.raises(ShapeError, match=r"rnn: LSTM\(units=4\) expects a \(sequence, features\) input"):
        x >> nn.Flatten() >> nn.LSTM(4, name="rnn")  # type: ignore[typednn-shape]


def test_a_named_sequence_length_runs_at_any_length() -> None:
    class Steps(tn.Dim):
        """Steps of a series."""

    x = tn.Input(Steps, 3)
    y = x >> nn.Bidirectional(nn.LSTM(4)) >> nn.Dense(2)
    assert y.shape.dims[0] == x.shape.dims[0]
    model = tn.Model(x, y)
    params = jax.eval_shape(model.init, jax.random.key(0))
    for length in (1, 5, 9):
        out = jax.eval_shape(model.lowered.apply, params, jax.ShapeDtypeStruct((2, length, 3), jnp.float32))
        assert out.shape == (2, length, 2)


def test_kinds_build_the_layers_and_name_them() -> None:
    assert [KINDS[k].main_option() for k in ("lstm", "gru", "bidirectional")] == ["units", "units", "wrapped"]
    layer = KINDS["bidirectional"].build({"wrapped": GRUHyper(units=4), "merge": "mul"}, name=None)
    assert isinstance(layer, nn.Bidirectional)
    assert repr(layer) == "Bidirectional(wrapped=GRU(units=4), merge='mul')"
    for built, kind, name in [(layer, "bidirectional", "bidirectional"), (nn.LSTM(3), "lstm", "lstm")]:
        found = kind_of(built)
        assert found is not None and found.name == kind and built.default_name() == name
    assert nn.GRU(2).default_name() == "gru"


# ---------------------------------------------------------------------------- rules vs JAX


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_rule_is_what_jax_computes(data: st.DataObject) -> None:
    check_case(data.draw(st.one_of(layers("lstm"), layers("gru"), layers("bidirectional"))), data)


# ---------------------------------------------------------------------------- lowering vs Flax

FEATURES, LENGTH, BATCH, UNITS = 5, 7, 3, 4
CELLS: dict[str, tuple[type[nn.LSTM[Any]] | type[nn.GRU[Any]], type[nnx.OptimizedLSTMCell] | type[nnx.GRUCell]]] = {
    "lstm": (nn.LSTM, nnx.OptimizedLSTMCell),
    "gru": (nn.GRU, nnx.GRUCell),
}


def set_param(param: nnx.Param[jax.Array] | None, value: jax.Array) -> None:
    """Set a flax parameter that the module was built with (flax types each as optional)."""
    assert param is not None
    param.set_value(value)


def twins(kind: str, reverse: bool) -> tuple[Any, dict[str, jax.Array], Any]:
    """Our layer's parameters (random, biases too) and Flax's cell holding the same ones."""
    cls, cell_cls = CELLS[kind]
    made = cls(UNITS).init(jax.random.key(1), Shape.of(LENGTH, FEATURES))
    keys = jax.random.split(jax.random.key(2), len(made))
    params = {name: jax.random.normal(k, a.shape) for k, (name, a) in zip(keys, made.items())}
    cell = cell_cls(FEATURES, UNITS, rngs=nnx.Rngs(0))
    cell.dense_i.kernel.set_value(params["input_kernel"])
    cell.dense_h.kernel.set_value(params["recurrent_kernel"])
    # The one bias sits where Flax puts it: on the recurrent projection for the LSTM, the input one for the GRU.
    set_param((cell.dense_h if kind == "lstm" else cell.dense_i).bias, params["bias"])
    return cls, params, nnx.RNN(cell, reverse=reverse, keep_order=True, return_carry=True)


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_layer_computes_what_flax_nnx_rnn_computes(kind: str, reverse: bool, return_sequences: bool) -> None:
    cls, params, rnn = twins(kind, reverse)
    layer = cls(UNITS, return_sequences=return_sequences, reverse=reverse)
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    ours = jax.jit(lambda p, v: layer.apply(p, v, key=None, training=False))(params, x)
    carry, outputs = rnn(x)
    last = carry[1] if kind == "lstm" else carry  # the last step's output: the LSTM's h
    np.testing.assert_allclose(ours, outputs if return_sequences else last, rtol=1e-6, atol=1e-6)
    assert ours.shape == (BATCH, *layer.output_shape(Shape.of(LENGTH, FEATURES)).dims)


def test_the_lowering_is_one_scan_not_a_python_loop() -> None:
    layer = nn.LSTM(UNITS)
    params = layer.init(jax.random.key(0), Shape.of(50, FEATURES))
    jaxpr = jax.make_jaxpr(lambda p, v: layer.apply(p, v, key=None, training=False))(params, jnp.ones((2, 50, 5)))
    primitives = [eqn.primitive.name for eqn in jaxpr.jaxpr.eqns]
    assert primitives.count("scan") == 1 and len(primitives) < 20  # 50 steps, one loop


@pytest.mark.parametrize("merge", ["concat", "sum", "mean", "mul"])
def test_bidirectional_is_a_forward_and_a_reversed_copy_merged(merge: Literal["concat", "sum", "mean", "mul"]) -> None:
    layer = nn.Bidirectional(nn.GRU(UNITS), merge=merge)
    params = layer.init(jax.random.key(0), Shape.of(LENGTH, FEATURES))
    params = {name: a + 0.1 for name, a in params.items()}  # nonzero biases
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    halves = [
        layer.apply(
            {k.removeprefix(f"{d}_"): v for k, v in params.items() if k.startswith(d)}, x, key=None, training=False
        )
        for d, layer in (("forward", nn.GRU(UNITS)), ("backward", nn.GRU(UNITS, reverse=True)))
    ]
    forward, backward = halves
    expected = {
        "concat": jnp.concatenate([forward, backward], axis=-1),
        "sum": forward + backward,
        "mean": (forward + backward) / 2,
        "mul": forward * backward,
    }[merge]
    np.testing.assert_allclose(layer.apply(params, x, key=None, training=False), expected, rtol=1e-6, atol=1e-6)
    # Flax's Bidirectional over the same cells gives the concatenation.
    if merge == "concat":
        cells = []
        for direction in ("forward", "backward"):
            cell = nnx.GRUCell(FEATURES, UNITS, rngs=nnx.Rngs(0))
            cell.dense_i.kernel.set_value(params[f"{direction}_input_kernel"])
            set_param(cell.dense_i.bias, params[f"{direction}_bias"])
            cell.dense_h.kernel.set_value(params[f"{direction}_recurrent_kernel"])
            cells.append(cell)
        flax = nnx.Bidirectional(nnx.RNN(cells[0]), nnx.RNN(cells[1]))  # backward: reversed, order kept
        np.testing.assert_allclose(expected, flax(x), rtol=1e-6, atol=1e-6)


def test_the_backward_direction_reads_from_the_end() -> None:
    # Output t of a reversed layer depends on inputs t.. only; a forward one on ..t only.
    x = jax.random.normal(jax.random.key(0), (1, 5, 2))
    for reverse in (False, True):
        layer = nn.LSTM(3, reverse=reverse)
        params = layer.init(jax.random.key(1), Shape.of(5, 2))
        jacobian = jax.jacfwd(lambda v, layer=layer, params=params: layer.apply(params, v, key=None, training=False))(x)
        depends = np.abs(np.asarray(jacobian)).sum(axis=(0, 2, 3, 5)) > 0  # (output step, input step)
        lower = np.tril(np.ones((5, 5), bool))
        np.testing.assert_array_equal(depends, lower.T if reverse else lower)


def test_gradients_run_under_jit() -> None:
    x = tn.Input(LENGTH, FEATURES)
    model = tn.Model(x, x >> nn.Bidirectional(nn.LSTM(UNITS)) >> nn.GRU(2, return_sequences=False) >> nn.Dense(1))
    params = model.init(jax.random.key(0))
    xs = jax.random.normal(jax.random.key(1), (BATCH, LENGTH, FEATURES))

    def loss(p: Any) -> jax.Array:
        return jnp.mean(model.lowered.apply(p, xs) ** 2)

    grads = jax.jit(jax.grad(loss))(params)
    leaves = jax.tree.leaves(grads)
    assert leaves and all(bool(jnp.all(jnp.isfinite(g))) for g in leaves)
    assert any(float(jnp.abs(g).sum()) > 0 for g in jax.tree.leaves(grads["bidirectional"]))


# ---------------------------------------------------------------------------- files

SPEC = """\
name: series
model:
  input: [12, 5]
  layers:
    - lstm: 6
    - bidirectional: {wrapped: {gru: {units: 4, reverse: true}}, merge: sum}
    - bidirectional: {lstm: 3}
    - bidirectional: {wrapped: {lstm: {units: 2, return_sequences: false}}}
    - dense: 3
"""


def test_a_spec_names_the_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "series.yaml").write_text(SPEC.replace("    - bidirectional: {lstm: 3}\n", ""))
    model = read(tmp_path / "series.yaml").model
    assert model.outputs.shape == Shape.of(3)
    assert [repr(layer) for layer in model.graph.layers()][:3] == [
        "LSTM(units=6)",
        "Bidirectional(wrapped=GRU(units=4, reverse=True), merge='sum')",
        "Bidirectional(wrapped=LSTM(units=2, return_sequences=False))",
    ]
    assert main(["check", str(tmp_path / "series.yaml")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("entry", "error", "message"),
    [
        # `{bidirectional: {...}}` is the options mapping: the wrapped layer needs its key.
        ("{lstm: 3}", HyperparameterError, r"bad.yaml:7:29 \(bidirectional\): bidirectional has no option 'lstm'"),
        ("{wrapped: {lstm: 0}}", HyperparameterError, r"bad.yaml:7:32 \(bidirectional\): LSTM\(units=0\): units must"),
        ("{wrapped: {lstn: 3}}", TypednnError, r"bad.yaml:7:32 \(bidirectional\): unknown layer kind 'lstn'; did you"),
        ("{wrapped: {dense: 3}}", TypednnError, r"unknown layer kind 'dense'"),
        ("{wrapped: {gru: {units: 2, reverso: true}}}", HyperparameterError, r"gru has no option 'reverso'; did you"),
        ("{wrapped: {gru: {units: true}}}", HyperparameterError, r"gru option 'units' must be int"),
        ("{wrapped: {lstm: 2}, merge: max}", HyperparameterError, r"merge must be 'concat' or 'sum'"),
        ("{wrapped: lstm}", HyperparameterError, r"lstm needs 'units'"),
    ],
)
def test_a_spec_s_wrapped_layer_errors_say_where(tmp_path: Path, entry: str, error: type, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(SPEC.replace("{lstm: 3}", entry))
    with pytest.raises(error, match=message):
        read(tmp_path / "bad.yaml")


def test_export_writes_the_wrapped_layer_as_a_nested_entry_and_reads_it_back(tmp_path: Path) -> None:
    x = tn.Input(12, 5)
    y = x >> nn.Bidirectional(nn.LSTM(6), merge="sum") >> nn.Bidirectional(nn.GRU(2, reverse=True)) >> nn.Dense(3)
    model = tn.Model(x, y)
    written = graph_to_dict(model.graph)
    assert written["layers"][:2] == [
        {"bidirectional": {"wrapped": {"lstm": 6}, "merge": "sum", "name": "bidirectional"}},
        {"bidirectional": {"wrapped": {"gru": {"units": 2, "reverse": True}}, "name": "bidirectional_1"}},
    ]
    assert graph_to_dict(graph_from_dict(json.loads(json.dumps(written)), source="export.json").graph) == written
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "saved")
    loaded, loaded_params = load(tmp_path / "saved")
    xs = jax.random.normal(jax.random.key(1), (2, 12, 5))
    np.testing.assert_array_equal(loaded.lowered.apply(loaded_params, xs), model.lowered.apply(params, xs))


def test_the_schema_describes_the_wrapped_entry() -> None:
    definitions = json_schema()["$defs"]
    wrapped = definitions["BidirectionalOptions"]["properties"]["wrapped"]["anyOf"]
    assert {"const": "lstm", "type": "string"} in wrapped
    assert {"$ref": "#/$defs/GruWrappedOptionsEntry"} in wrapped
    assert "name" not in definitions["LstmWrappedOptions"]["properties"]  # a wrapped layer is no list entry


def test_codegen_writes_the_wrapped_constructor(tmp_path: Path) -> None:
    (tmp_path / "series.yaml").write_text(SPEC.replace("    - bidirectional: {lstm: 3}\n", ""))
    code = codegen(read(tmp_path / "series.yaml").model)
    assert 'nn.Bidirectional(nn.GRU(4, reverse=True), merge="sum", name="bidirectional")' in code
    assert 'nn.Bidirectional(nn.LSTM(2, return_sequences=False), name="bidirectional_1")' in code
