"""The graph IR: run order, layer names, unlisted inputs, weight sharing, summaries."""

from __future__ import annotations

from typing import Literal as L

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import typednn as tn
from typednn import nn
from typednn.graph import Graph
from typednn.lower import lower


def mlp() -> tn.Model[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
    x = tn.Input(784)
    return tn.Model(x, x >> nn.Dense(784, 128) >> nn.relu >> nn.Dense(10))


# ---------------------------------------------------------------------------- names


def test_auto_names_are_unique_and_follow_the_class() -> None:
    x = tn.Input(8, 8, 3)
    y = x >> nn.Conv2D(4, kernel=3) >> nn.MaxPool2D(2) >> nn.Flatten() >> nn.Dense(6) >> nn.Dense(5) >> nn.Dense(4)
    graph = tn.Model(x, y).graph
    names = [graph.name(layer) for layer in graph.layers()]
    assert names == ["conv2d", "max_pool2d", "flatten", "dense", "dense_1", "dense_2"]


def test_user_names_are_kept_and_auto_names_avoid_them() -> None:
    x = tn.Input(4)
    y = x >> nn.Dense(8, name="dense_1") >> nn.Dense(8) >> nn.Dense(8) >> nn.Dense(3, name="head")
    graph = tn.Model(x, y).graph
    assert [graph.name(layer) for layer in graph.layers()] == ["dense_1", "dense", "dense_2", "head"]
    params = tn.Model(x, y).init(jax.random.key(0))
    assert sorted(params) == ["dense", "dense_1", "dense_2", "head"]
    assert params["head"]["kernel"].shape == (8, 3)


def test_duplicate_user_names_are_rejected() -> None:
    x = tn.Input(4)
    y = x >> nn.Dense(8, name="block") >> nn.Dense(8, name="block")
    with pytest.raises(tn.TypednnError) as info:
        tn.Model(x, y)
    assert info.value.message == "two layers are named 'block'"
    assert info.value.hint == "give each layer its own name"


# ---------------------------------------------------------------------------- inputs and order


def test_outputs_depending_on_an_unlisted_input_are_rejected() -> None:
    x, other = tn.Input(4), tn.Input(4)
    with pytest.raises(tn.TypednnError) as info:
        tn.Model(x, nn.Dense(3)(x + other))
    assert info.value.message == "the model's outputs depend on Input(4,), which is not among its inputs"
    assert info.value.hint == "pass every tn.Input the outputs are computed from to tn.Model"


def test_run_order_puts_every_layer_after_its_inputs() -> None:
    x = tn.Input(8)
    a = x >> nn.Dense(8, name="a")
    b = a >> nn.Dense(8, name="b")
    c = x >> nn.Dense(8, name="c")
    out = nn.concat(b, c, a, a)  # a feeds b and the concat (twice): it is still computed once
    graph = Graph((x,), (out,))
    order = [graph.name(node.layer) for node, _ in graph.nodes() if node.layer is not None]
    assert order.index("a") < order.index("b")
    assert sorted(order) == ["a", "b", "c", "concat"]
    assert out.shape.dims == (32,)
    assert order[-1] == "concat"


def test_deep_graphs_do_not_hit_the_recursion_limit() -> None:
    x = tn.Input(4)
    y = x
    for _ in range(5000):
        y = nn.relu(y)
    graph = Graph((x,), (y,))
    assert len(graph.nodes()) == 5000
    assert graph.layers() == [nn.relu]
    graph.validate()


def test_several_inputs_and_outputs_lower_together() -> None:
    a, b = tn.Input(3), tn.Input(5)
    joined = nn.concat(a, b)
    head = joined >> nn.Dense(2)
    lowered = lower(Graph((a, b), (joined, head)))
    params = lowered.init(jax.random.key(0))
    out_joined, out_head = lowered.apply(params, jnp.ones((4, 3)), jnp.zeros((4, 5)))
    assert out_joined.shape == (4, 8)
    assert out_head.shape == (4, 2)
    np.testing.assert_array_equal(out_joined[:, :3], 1.0)


# ---------------------------------------------------------------------------- weight sharing


def test_a_layer_applied_twice_shares_one_params_entry() -> None:
    x = tn.Input(8)
    shared = nn.Dense(8, 8)
    model = tn.Model(x, shared(nn.relu(shared(x))))
    assert model.graph.layers() == [shared, nn.relu]
    assert len(model.graph.nodes()) == 3
    params = model.init(jax.random.key(0))
    assert list(params) == ["dense"]
    batch = jax.random.normal(jax.random.key(1), (2, 8))
    kernel, bias = params["dense"]["kernel"], params["dense"]["bias"]
    expected = jax.nn.relu(batch @ kernel + bias[None]) @ kernel + bias[None]
    np.testing.assert_allclose(model.apply(params, batch), expected, rtol=1e-6, atol=1e-6)


def test_a_shared_layer_must_fit_every_application() -> None:
    x = tn.Input(4)
    shared = nn.Dense(8)  # its kernel is made for the first input: (4, 8)
    with pytest.raises(tn.ShapeError):
        model = tn.Model(x, shared(shared(x)))  # the second application receives 8 features
        model.apply(model.init(jax.random.key(0)), jnp.ones((2, 4)))


# ---------------------------------------------------------------------------- summary


def test_summary_lists_layers_shapes_and_parameter_counts() -> None:
    summary = mlp().summary()
    lines = summary.splitlines()
    assert lines[0] == "Model 'model'"
    assert lines[1].split() == ["Layer", "Name", "Output", "shape", "Params"]
    rows = [line.split() for line in lines[3:-2]]
    assert rows == [
        ["Input", "input", "(784,)", "0"],
        ["Dense(784", "->", "128)", "dense", "(128,)", "100,480"],
        ["Activation('relu')", "relu", "(128,)", "0"],
        ["Dense(10)", "dense_1", "(10,)", "1,290"],
    ]
    assert lines[-1] == "Total params: 101,770 (397.5 KiB)"


def test_summary_of_a_cnn() -> None:
    x = tn.Input(28, 28, 1)
    y = x >> nn.Conv2D(32, kernel=3) >> nn.relu >> nn.MaxPool2D(2) >> nn.Flatten() >> nn.Dense(10)
    summary = tn.Model(x, y, name="cnn").summary()
    assert summary.startswith("Model 'cnn'\n")
    assert "Conv2D(32, kernel=3)" in summary
    assert "(26, 26, 32)" in summary
    assert "320" in summary  # 3 * 3 * 1 * 32 + 32
    assert "54,090" in summary  # 13 * 13 * 32 * 10 + 10
    assert summary.endswith("Total params: 54,410 (212.5 KiB)")


def test_summary_counts_shared_parameters_once() -> None:
    x = tn.Input(8)
    shared = nn.Dense(8)
    summary = tn.Model(x, shared(shared(x))).summary()
    assert summary.endswith("Total params: 72 (288 bytes)")


def test_model_repr() -> None:
    assert repr(mlp()) == "Model((784,) -> (10,))"
