"""`init` as one compiled program: the same arrays as the eager, layer-by-layer path.

Eagerly, each layer's initialiser runs op by op, ~100 small XLA compiles for a 150-layer
CNN; `lower` compiles the built-in layers' initialisers together instead. The values
must not change (a seed gives the weights it gave before), and custom layers, whose
`init` may not be traceable, keep running eagerly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from examples.swiglu import SwiGLU
from typednn import nn, zoo
from typednn.layers import ParamTree, concrete
from typednn.lower import Params, lower
from typednn.lower._lower import built_in


def assert_same(compiled: Params, eager: Params, *, ordered: bool = True) -> None:
    """The same layers and arrays, in the same order (unless not `ordered`), bit for bit."""
    assert list(compiled) == list(eager) if ordered else sorted(compiled) == sorted(eager)
    for layer, arrays in eager.items():
        assert list(compiled[layer]) == list(arrays) if ordered else sorted(compiled[layer]) == sorted(arrays)
        for name, array in arrays.items():
            got, want = np.asarray(compiled[layer][name]), np.asarray(array)
            assert got.dtype == want.dtype and got.shape == want.shape, (layer, name)
            assert np.array_equal(got, want), (layer, name)


def check_model(model: tn.Model[Any, Any], seed: int = 7) -> None:
    key = jax.random.key(seed)
    assert_same(model.init(key), lower(model.graph, compile_init=False).init(key))


SMALL: dict[str, Callable[[], tn.Model[Any, Any]]] = {
    "mlp": zoo.mlp,
    "lenet5": zoo.lenet5,
    "transformer_classifier": zoo.transformer_classifier,
    "transformer_seq2seq": zoo.transformer_seq2seq,
}
LARGE: dict[str, Callable[[], tn.Model[Any, Any]]] = {
    "resnet18": zoo.resnet18,
    "resnet50": lambda: zoo.resnet50(input_shape=(32, 32, 3)),
    "mobilenet_v2": lambda: zoo.mobilenet_v2(input_shape=(32, 32, 3), alpha=0.25),
}


def test_every_zoo_model_is_listed() -> None:
    assert set(SMALL) | set(LARGE) == set(zoo.__all__) - {"Pretrained"}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_zoo_models_init_as_eagerly(name: str) -> None:
    check_model(SMALL[name]())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LARGE))
def test_large_zoo_models_init_as_eagerly(name: str) -> None:
    check_model(LARGE[name]())


def test_another_seed_other_values() -> None:
    model = zoo.mlp()
    first, second = model.init(jax.random.key(1)), model.init(jax.random.key(2))
    assert not np.array_equal(np.asarray(first["dense"]["kernel"]), np.asarray(second["dense"]["kernel"]))


def test_init_under_eval_shape_and_jit() -> None:
    """An outer trace compiles the initialisers itself (jit's compiler options are top-level only)."""
    model = zoo.lenet5()
    key = jax.random.key(3)
    shapes = jax.eval_shape(model.init, key)
    params = model.init(key)
    assert jax.tree.map(lambda a: (a.shape, a.dtype), shapes) == jax.tree.map(lambda a: (a.shape, a.dtype), params)
    assert_same(jax.jit(model.init)(key), params, ordered=False)  # a jit's dicts come back sorted
    assert model.count_params() == sum(a.size for a in jax.tree.leaves(params))


class NumpySwiGLU(SwiGLU[Any]):
    """A custom layer whose `init` cannot be traced: it draws from numpy, seeded by the key."""

    def init(self, key: jax.Array, *inputs: tn.Shape) -> ParamTree:
        (x,) = inputs
        seed = int(jax.random.randint(key, (), 0, 2**31 - 1))  # a tracer error under jit
        rng = np.random.default_rng(seed)
        shape = (concrete(x.last, "features"), concrete(self.hyper.units, "units"))
        return {"gate": jax.numpy.asarray(rng.normal(size=shape), jax.numpy.float32), "up": jax.numpy.ones(shape)}


def test_custom_layer_that_cannot_trace_runs_eagerly() -> None:
    x = tn.Input(6)
    model = tn.Model(x, x >> nn.Dense(5) >> NumpySwiGLU(4, name="custom") >> nn.Dense(3))
    check_model(model)
    assert not built_in(model.graph.layers()[1])
    assert built_in(model.graph.layers()[0])


def test_time_distributed_over_a_custom_layer_is_not_built_in() -> None:
    x = tn.Input(3, 6)
    model = tn.Model(x, x >> nn.TimeDistributed(SwiGLU(4)) >> nn.TimeDistributed(nn.Dense(2)))
    wrapping_custom, wrapping_dense = model.graph.layers()
    assert not built_in(wrapping_custom) and built_in(wrapping_dense)
    check_model(model)
