"""Wiring layers at run time: `tn.Input`, layer calls, `>>`, `+`, `nn.concat`, `Sequential`."""

from __future__ import annotations

from typing import Literal as L

import pytest

import typednn as tn
from typednn import nn
from typednn._shapes import UNKNOWN, Shape, Symbol
from typednn._shapes._dims import plus, times
from typednn.layers import Node, Tensor


class Seq(tn.Dim):
    """Tokens in a sequence."""


def runtime(value: int) -> int:
    """An int that only exists at run time (as sizes read from a config file do)."""
    return int(str(value))


# ---------------------------------------------------------------------------- inputs


def test_input_gives_a_symbolic_tensor() -> None:
    x = tn.Input(28, 28, 1)
    assert isinstance(x, tn.Tensor)
    assert x.shape == Shape.of(28, 28, 1)
    assert repr(x) == "Tensor(28, 28, 1)"
    assert x.node.layer is None
    assert x.node.inputs == ()


def test_input_with_a_named_dim() -> None:
    x = tn.Input(Seq, 64)
    assert x.shape == Shape.of(Symbol.of(Seq), 64)
    assert repr(x) == "Tensor(Seq, 64)"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3", None, int])
def test_bad_input_sizes_are_rejected(bad: object) -> None:
    with pytest.raises(tn.TypednnError) as info:
        tn.Input(28, bad)  # type: ignore[call-overload]
    assert info.value.message == (
        f"Input(28, {bad!r}): every size must be a positive int or a tn.Dim subclass, but got {bad!r}"
    )
    assert info.value.hint is not None
    assert "batch axis is implicit" in info.value.hint


# ---------------------------------------------------------------------------- calls and pipes


def test_the_design_example_wires() -> None:
    x = tn.Input(28, 28, 1)
    h = nn.Conv2D(32, kernel=3)(x)
    assert h.shape == Shape.of(26, 26, 32)
    y = h >> nn.relu >> nn.MaxPool2D(2) >> nn.Flatten() >> nn.Dense(10)
    assert y.shape == Shape.of(10)
    r = nn.Conv2D(32, kernel=3, padding="same")(h) + h
    assert r.shape == Shape.of(26, 26, 32)
    assert isinstance(r.node.layer, nn.Add)


def test_a_call_records_the_layer_and_its_inputs() -> None:
    x = tn.Input(784)
    dense = nn.Dense(784, 128)
    y = dense(x)
    assert isinstance(y.node, Node)
    assert y.node.layer is dense
    assert y.node.inputs == (x,)
    assert (x >> dense).shape == y.shape


def test_add_and_concat_build_merge_nodes() -> None:
    a, b = tn.Input(10, 300), tn.Input(10, 484)
    joined = nn.concat(a, b, axis=-1)
    assert joined.shape == Shape.of(10, 784)
    assert isinstance(joined.node.layer, nn.Concatenate)
    assert joined.node.inputs == (a, b)
    assert nn.concat(a, a, a, axis=0).shape == Shape.of(30, 300)
    total = a + a
    assert total.node.inputs == (a, a)
    with pytest.raises(tn.ShapeError, match=r"^Add expects inputs of equal shape, but receives \(10, 300\)"):
        a + b  # type: ignore[typednn-shape]


def test_layers_that_keep_the_shape() -> None:
    x = tn.Input(Seq, 16)
    for layer in (nn.relu, nn.gelu, nn.tanh, nn.sigmoid, nn.softmax, nn.Dropout(0.2), nn.Activation("elu")):
        assert layer(x).shape == x.shape
    assert nn.relu.hyper.function == "relu"
    assert nn.Dropout(0.2).stochastic
    assert not nn.relu.stochastic


def test_layer_repr_reads_as_written() -> None:
    assert repr(nn.Dense(784, 128)) == "Dense(784 -> 128)"
    assert repr(nn.Dense(10)) == "Dense(10)"
    assert repr(nn.Conv2D(16, kernel=5, stride=2)) == "Conv2D(16, kernel=5, stride=2)"
    assert repr(nn.relu) == "Activation('relu')"
    assert repr(nn.Reshape(28, 28, 1)) == "Reshape(28, 28, 1)"
    assert repr(nn.Reshape(Seq, 4)) == "Reshape(Seq, 4)"


def test_dense_forms() -> None:
    assert nn.Dense(10).hyper.in_features is None
    assert nn.Dense(784, 10).hyper.in_features == 784
    assert nn.Dense(in_features=784, units=10).hyper.in_features == 784
    assert nn.Dense(units=10).hyper.in_features is None
    assert nn.Dense(10, use_bias=False).hyper.use_bias is False
    with pytest.raises(tn.HyperparameterError, match="Dense needs units"):
        nn.Dense(in_features=784)  # type: ignore[call-overload]


# ---------------------------------------------------------------------------- Sequential


def test_sequential_flattens() -> None:
    a, b, c = nn.Dense(784, 256), nn.relu, nn.Dense(256, 10)
    left = (a >> b) >> c
    right = a >> (b >> c)
    assert isinstance(left, nn.Sequential)
    assert left.layers == right.layers == (a, b, c)
    assert nn.Sequential(nn.Sequential(a, b), c).layers == (a, b, c)
    assert repr(left) == "Sequential(Dense(784 -> 256), Activation('relu'), Dense(256 -> 10))"


def test_sequential_applies_its_layers_in_order() -> None:
    a, c = nn.Dense(784, 256), nn.Dense(256, 10)
    x = tn.Input(784)
    z = (a >> nn.relu >> c)(x)
    assert z.shape == Shape.of(10)
    # The block is not a node: its members are, so parameters and names stay per layer.
    assert z.node.layer is c
    assert z.node.inputs[0].node.layer is nn.relu
    assert z.node.inputs[0].node.inputs[0].node.layer is a
    assert (x >> (a >> nn.relu >> c)).shape == z.shape


def test_sequential_fails_where_it_is_written() -> None:
    with pytest.raises(tn.ShapeError) as info:
        nn.Dense(784, 128) >> nn.Dense(64, 10)  # type: ignore[typednn-shape]
    # The message may go on to say where the 128 features come from.
    assert info.value.message.startswith("Dense(64 -> 10) expects 64 input features, but receives (..., 128)")
    block = nn.Dense(784, 128) >> nn.relu
    with pytest.raises(tn.ShapeError, match=r"^Dense\(64 -> 10\) expects 64 input features"):
        block >> nn.Dense(64, 10)  # type: ignore[typednn-shape]
    with pytest.raises(tn.ShapeError, match=r"^Conv2D\(3, kernel=3\) expects a \(height, width, channels\) input"):
        nn.Flatten() >> nn.Conv2D(3, kernel=3)  # type: ignore[typednn-shape]


def test_sequential_checks_the_tensor_it_is_applied_to() -> None:
    block = nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10)
    assert block.output_shape(Shape.anything()) == Shape((10,), open=True)
    with pytest.raises(tn.ShapeError) as info:
        block(tn.Input(100))  # type: ignore[typednn-shape]
    assert info.value.message == "Dense(784 -> 256) expects 784 input features, but receives (100,)"


# ---------------------------------------------------------------------------- runtime-int sizes


def test_runtime_int_sizes_are_checked_at_the_call() -> None:
    n_in, n_out, features = runtime(64), runtime(10), runtime(128)
    with pytest.raises(tn.ShapeError) as info:
        nn.Dense(n_in, n_out)(tn.Input(features))
    assert info.value.message == "Dense(64 -> 10) expects 64 input features, but receives (128,)"
    with pytest.raises(tn.ShapeError) as info:
        nn.Dense(n_in, n_out, name="head")(tn.Input(features))
    assert info.value.message == "head: Dense(64 -> 10) expects 64 input features, but receives (128,)"
    assert info.value.where == "head"
    size = runtime(2)
    with pytest.raises(tn.ShapeError, match=r"^stem: Conv2D\(8, kernel=3\) expects a height of at least 3"):
        nn.Conv2D(8, kernel=3, name="stem")(tn.Input(size, size, 1))


def test_runtime_int_sizes_are_checked_again_at_model_time() -> None:
    # A node whose recorded shape skipped its rule (as a deserialized graph could):
    # Model validation re-runs every rule and names the layer by its place in the graph.
    x = tn.Input(runtime(128))
    head: Tensor[L[10]] = Tensor(Node(nn.Dense(64, 10), (x,)), Shape.of(10))
    with pytest.raises(tn.ShapeError) as info:
        tn.Model(x, head)
    assert info.value.message == "dense: Dense(64 -> 10) expects 64 input features, but receives (128,)"
    assert info.value.where == "dense"


def test_symbolic_sizes_flow_through_layers() -> None:
    x = tn.Input(Seq, 8)
    assert (x >> nn.Dense(16)).shape == Shape.of(Symbol.of(Seq), 16)
    assert (x >> nn.Flatten()).shape == Shape.of(times(Symbol.of(Seq), 8))
    image = tn.Input(Seq, Seq, 3)
    assert (image >> nn.Conv2D(4, kernel=3, padding="same")).shape == Shape.of(Symbol.of(Seq), Symbol.of(Seq), 4)
    assert (image >> nn.Conv2D(4, kernel=3)).shape == Shape.of(plus(Symbol.of(Seq), -2), plus(Symbol.of(Seq), -2), 4)
    assert (image >> nn.Conv2D(4, kernel=3, stride=2)).shape == Shape.of(UNKNOWN, UNKNOWN, 4)
    assert (image >> nn.Conv2D(4, kernel=3, in_channels=3)).shape.last == 4
