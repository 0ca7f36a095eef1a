"""Lowering: typed models compute what the hand-written Flax NNX models compute, the same way.

design.md section 5: "the forward pass must compile to the same computation as the
hand-written Flax model (compare the jitted HLO or the numbers), so typing costs
nothing at run time". Both are checked: the numbers (outputs and gradients with the
same parameters) and the StableHLO of the jitted forward passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

import typednn as tn
from typednn import nn
from typednn.graph import Graph
from typednn.lower import lower


class Seq(tn.Dim):
    """Tokens in a sequence."""


# ---------------------------------------------------------------------------- the twin models


def typed_mlp() -> tn.Model[Any, Any]:
    x = tn.Input(784)
    return tn.Model(x, x >> nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10))


class FlaxMLP(nnx.Module):
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.hidden = nnx.Linear(784, 256, rngs=rngs)
        self.out = nnx.Linear(256, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(jax.nn.relu(self.hidden(x)))


def typed_cnn() -> tn.Model[Any, Any]:
    x = tn.Input(16, 16, 3)
    y = (
        x
        >> nn.Conv2D(8, kernel=3)
        >> nn.relu
        >> nn.MaxPool2D(2)
        >> nn.Conv2D(16, kernel=3, stride=2, padding="same")
        >> nn.AvgPool2D(2)
        >> nn.Flatten()
        >> nn.Dense(10)
    )
    return tn.Model(x, y)


class FlaxCNN(nnx.Module):
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.conv1 = nnx.Conv(3, 8, kernel_size=(3, 3), padding="VALID", rngs=rngs)
        self.conv2 = nnx.Conv(8, 16, kernel_size=(3, 3), strides=(2, 2), padding="SAME", rngs=rngs)
        self.linear = nnx.Linear(64, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jax.nn.relu(self.conv1(x))  # (14, 14, 8)
        x = nnx.max_pool(x, (2, 2), strides=(2, 2))  # type: ignore[no-untyped-call]  # (7, 7, 8)
        x = self.conv2(x)  # (4, 4, 16)
        x = nnx.avg_pool(x, (2, 2), strides=(2, 2))  # type: ignore[no-untyped-call]  # (2, 2, 16)
        x = x.reshape((x.shape[0], -1))
        return self.linear(x)


# (typed model, Flax model, {Flax attribute: typed layer name}, example shape)
TWINS = {
    "mlp": (typed_mlp, FlaxMLP, {"hidden": "dense", "out": "dense_1"}, (784,)),
    "cnn": (typed_cnn, FlaxCNN, {"conv1": "conv2d", "conv2": "conv2d_1", "linear": "dense"}, (16, 16, 3)),
}


class Twins:
    """A typed model and its hand-written Flax twin holding the same parameters."""

    def __init__(self, which: str) -> None:
        make_typed, make_flax, self.names, self.example = TWINS[which]
        self.typed = make_typed()
        self.params = self.typed.init(jax.random.key(0))
        self.graphdef, state = nnx.split(make_flax(nnx.Rngs(1)))
        pure = nnx.to_pure_dict(state)
        for attribute, name in self.names.items():
            assert jax.tree.map(jnp.shape, pure[attribute]) == jax.tree.map(jnp.shape, self.params[name])
            pure[attribute] = dict(self.params[name])
        nnx.replace_by_pure_dict(state, pure)
        self.state = state

    def flax_forward(self, state: Any, x: jax.Array) -> jax.Array:
        """The Flax model as a pure function of its parameters."""
        out: jax.Array = nnx.merge(self.graphdef, state)(x)
        return out

    def batch(self, size: int = 4) -> jax.Array:
        return jax.random.normal(jax.random.key(2), (size, *self.example))


@pytest.fixture(params=sorted(TWINS), scope="module")
def twins(request: pytest.FixtureRequest) -> Twins:
    return Twins(request.param)


# ---------------------------------------------------------------------------- (a) numbers


def test_outputs_equal_the_flax_model(twins: Twins) -> None:
    x = twins.batch()
    typed = twins.typed.apply(twins.params, x)
    flax_jitted = jax.jit(twins.flax_forward)(twins.state, x)
    flax_eager = nnx.merge(twins.graphdef, twins.state)(x)
    assert typed.shape == (4, 10)
    np.testing.assert_allclose(typed, flax_jitted, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(typed, flax_eager, rtol=1e-5, atol=1e-5)


def test_gradients_equal_the_flax_model(twins: Twins) -> None:
    x = twins.batch()
    labels = jnp.arange(4) % 10

    def loss(forward: Callable[[Any, jax.Array], jax.Array]) -> Callable[[Any], jax.Array]:
        def of(params: Any) -> jax.Array:
            logits = forward(params, x)
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))

        return of

    typed_loss, typed_grads = jax.jit(jax.value_and_grad(loss(twins.typed.lowered.apply)))(twins.params)
    flax_loss, flax_grads = jax.jit(jax.value_and_grad(loss(twins.flax_forward)))(twins.state)
    np.testing.assert_allclose(typed_loss, flax_loss, rtol=1e-6)
    flax_pure = nnx.to_pure_dict(flax_grads)
    for attribute, name in twins.names.items():
        for array in ("kernel", "bias"):
            np.testing.assert_allclose(
                typed_grads[name][array], flax_pure[attribute][array], rtol=1e-5, atol=1e-6, err_msg=f"{name}.{array}"
            )


def test_initial_parameters_use_flax_defaults() -> None:
    params = typed_mlp().init(jax.random.key(0))
    np.testing.assert_array_equal(params["dense"]["bias"], 0.0)
    # lecun_normal: variance 1 / fan_in.
    assert float(jnp.std(params["dense"]["kernel"])) == pytest.approx((1 / 784) ** 0.5, rel=0.1)
    assert params["dense"]["kernel"].dtype == jnp.float32


# ---------------------------------------------------------------------------- (b) the jitted program


def canonical_stablehlo(text: str) -> str:
    """StableHLO text without what only names things: module name, locations, helper names."""
    text = re.sub(r"\s*loc\((?:[^()]|\([^()]*\))*\)", "", text)  # locations, one level of nesting
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#loc"))
    text = re.sub(r"^module @[\w.$-]+", "module @m", text)
    # Private helpers (e.g. @relu) get names by order of appearance.
    helpers: dict[str, str] = {}
    for name in re.findall(r"func\.func private @([\w.$-]+)", text):
        helpers.setdefault(name, f"f{len(helpers)}")
    for name, new in helpers.items():
        text = re.sub(rf"@{re.escape(name)}\b", f"@{new}", text)
    return text.strip()


def operations(text: str) -> list[str]:
    """The operations in order, each with its result type: what the program computes."""
    ops = []
    for line in text.splitlines():
        match = re.match(r'\s*(?:%[\w#:]+(?:, %[\w#:]+)* = )?"?((?:stablehlo|func|chlo)\.[\w.]+|call|return)', line)
        if match:
            result = line.rsplit("->", 1)[-1] if "->" in line else line.rsplit(":", 1)[-1]
            ops.append(f"{match.group(1)} : {result.strip()}")
    return ops


def test_the_jitted_program_is_the_flax_program(twins: Twins) -> None:
    batch = jax.ShapeDtypeStruct((4, *twins.example), jnp.float32)
    typed = jax.jit(twins.typed.lowered.apply).lower(twins.params, batch).as_text()
    flax = jax.jit(twins.flax_forward).lower(twins.state, batch).as_text()
    typed_ops, flax_ops = operations(typed), operations(flax)
    assert len(typed_ops) > 5
    assert any(op.startswith("stablehlo.dot_general") for op in typed_ops)
    assert typed_ops == flax_ops
    # The attributes too (padding, strides, window sizes, precision), not just the operations.
    assert canonical_stablehlo(typed) == canonical_stablehlo(flax)


def test_the_program_comparison_notices_a_difference() -> None:
    # The comparison is not vacuous: SAME padding where the twin has VALID shows up.
    twins = Twins("cnn")
    batch = jax.ShapeDtypeStruct((4, *twins.example), jnp.float32)
    x = tn.Input(16, 16, 3)
    other = tn.Model(x, x >> nn.Conv2D(8, kernel=3, padding="same"))
    conv_only = nnx.Conv(3, 8, kernel_size=(3, 3), padding="VALID", rngs=nnx.Rngs(0))
    graphdef, state = nnx.split(conv_only)
    params = other.init(jax.random.key(0))
    typed = jax.jit(other.lowered.apply).lower(params, batch).as_text()
    flax = jax.jit(lambda s, v: nnx.merge(graphdef, s)(v)).lower(state, batch).as_text()
    assert canonical_stablehlo(typed) != canonical_stablehlo(flax)


# ---------------------------------------------------------------------------- (c) dropout


def test_dropout_drops_while_training_and_is_the_identity_otherwise() -> None:
    x = tn.Input(1000)
    model = tn.Model(x, x >> nn.Dropout(0.5))
    ones = jnp.ones((2, 1000))
    np.testing.assert_array_equal(model.apply({}, ones), ones)
    np.testing.assert_array_equal(model.apply({}, ones, training=False, key=jax.random.key(0)), ones)
    dropped = np.asarray(model.apply({}, ones, key=jax.random.key(0), training=True))
    assert set(np.unique(dropped)) == {0.0, 2.0}  # survivors scaled by 1 / (1 - rate)
    assert 0.4 < (dropped == 0).mean() < 0.6
    again = model.apply({}, ones, key=jax.random.key(0), training=True)
    np.testing.assert_array_equal(dropped, again)
    other = np.asarray(model.apply({}, ones, key=jax.random.key(1), training=True))
    assert (other != dropped).any()


def test_each_dropout_layer_draws_its_own_mask() -> None:
    x = tn.Input(1000)
    model = tn.Model(x, nn.concat(x >> nn.Dropout(0.5), x >> nn.Dropout(0.5)))
    out = np.asarray(model.apply({}, jnp.ones((1, 1000)), key=jax.random.key(0), training=True))
    assert (out[:, :1000] != out[:, 1000:]).any()


def test_dropout_without_a_key_is_a_typednn_error() -> None:
    x = tn.Input(8)
    model = tn.Model(x, x >> nn.Dropout(0.5))
    with pytest.raises(tn.TypednnError):
        model.apply({}, jnp.ones((2, 8)), training=True)


# ---------------------------------------------------------------------------- (d) input checks and named dims


def test_a_wrong_input_shape_fails_before_compiling() -> None:
    model = typed_mlp()
    params = model.init(jax.random.key(0))
    with pytest.raises(tn.ShapeError) as info:
        model.apply(params, jnp.ones((2, 783)))
    assert info.value.message == (
        "the model's input 0 expects arrays of shape (batch, 784), but receives an array of shape (2, 783)"
    )
    assert info.value.hint == "the first axis is the batch; the others must match tn.Input"
    # Raised while tracing, so before anything is lowered or compiled.
    with pytest.raises(tn.ShapeError):
        jax.jit(model.lowered.apply).trace(params, jax.ShapeDtypeStruct((2, 28, 28), jnp.float32))
    with pytest.raises(tn.ShapeError, match=r"receives an array of shape \(784,\)"):
        model.apply(params, jnp.ones((784,)))


def test_a_named_dim_binds_to_any_length() -> None:
    x = tn.Input(Seq, 8)
    model = tn.Model(x, x >> nn.Dense(16) >> nn.relu >> nn.Dense(3))
    params = model.init(jax.random.key(0))
    for length in (1, 5, 12):
        assert model.apply(params, jnp.ones((2, length, 8))).shape == (2, length, 3)
    with pytest.raises(tn.ShapeError, match=r"expects arrays of shape \(batch, Seq, 8\)"):
        model.apply(params, jnp.ones((2, 5, 9)))


def test_a_named_dim_binds_consistently_across_inputs() -> None:
    a, b = tn.Input(Seq, 4), tn.Input(Seq, 4)
    lowered = lower(Graph((a, b), (a + b,)))
    params = lowered.init(jax.random.key(0))
    assert lowered.apply(params, jnp.ones((2, 5, 4)), jnp.ones((2, 5, 4))).shape == (2, 5, 4)
    with pytest.raises(tn.ShapeError) as info:
        lowered.apply(params, jnp.ones((2, 5, 4)), jnp.ones((2, 6, 4)))
    assert info.value.message == (
        "the model's input 1 expects arrays of shape (batch, Seq, 4), but receives an array of shape (2, 6, 4)"
    )
    with pytest.raises(tn.ShapeError, match=r"^the model expects 2 input array\(s\), but receives 1"):
        lowered.apply(params, jnp.ones((2, 5, 4)))


def test_symbolic_images_keep_their_size_through_same_convolutions() -> None:
    x = tn.Input(Seq, Seq, 3)
    model = tn.Model(x, x >> nn.Conv2D(4, kernel=3, padding="same") >> nn.relu >> nn.Conv2D(2, kernel=1))
    params = model.init(jax.random.key(0))
    assert model.apply(params, jnp.ones((1, 9, 9, 3))).shape == (1, 9, 9, 2)
    with pytest.raises(tn.ShapeError):
        model.apply(params, jnp.ones((1, 9, 8, 3)))


def test_parameters_need_fixed_sizes() -> None:
    x = tn.Input(Seq)
    model = tn.Model(x, x >> nn.Dense(3))
    with pytest.raises(tn.TypednnError, match=r"must be a fixed size to create parameters, but it is Seq"):
        model.init(jax.random.key(0))


def test_reshape_infers_at_most_one_axis() -> None:
    # A named Dim is inferred from the data just as -1 is: one of them per Reshape.
    with pytest.raises(tn.HyperparameterError, match=r"at most one axis may be inferred"):
        nn.Reshape(Seq, -1)  # type: ignore[typednn-param]
    x = tn.Input(Seq, 4)
    model = tn.Model(x, x >> nn.Reshape(Seq, 2, 2))
    assert model.apply({}, jnp.ones((2, 5, 4))).shape == (2, 5, 2, 2)


def test_reshape_keeps_a_named_dim_only_when_it_can_prove_it() -> None:
    x = tn.Input(Seq, 8)
    try:
        y = x >> nn.Reshape(Seq, 2, 2)  # type: ignore[typednn-shape]
    except tn.ShapeError:
        return  # rejecting it is a fine answer
    assert tn.Model(x, y).apply({}, jnp.ones((1, 3, 8))).shape == (1, 3, 2, 2)
