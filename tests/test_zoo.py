"""The model zoo: published parameter counts, spec-file twins, and a few training steps each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn import zoo
from typednn.export._graph_json import graph_to_dict

ROOT = Path(__file__).resolve().parents[1]

# name -> (builder, input shape, output shape, parameters, of which BatchNorm statistics)
MODELS: dict[str, tuple[Callable[[], tn.Model[Any, Any]], tuple[int, ...], tuple[int, ...], int]] = {
    "mlp": (zoo.mlp, (784,), (10,), 669_706),
    "lenet5": (zoo.lenet5, (32, 32, 1), (10,), 61_706),
    # Keras's count for ResNet-18 on CIFAR-10: 11,173,962 trainable + 9,600 BatchNorm statistics.
    "resnet18": (zoo.resnet18, (32, 32, 3), (10,), 11_183_562),
    "transformer_classifier": (zoo.transformer_classifier, (128,), (2,), 2_841_858),
}


@pytest.mark.parametrize("name", MODELS)
def test_shapes_and_parameter_counts(name: str) -> None:
    build, shape_in, shape_out, count = MODELS[name]
    model = build()
    assert model.name == name
    assert model.inputs.shape.dims == shape_in and model.outputs.shape.dims == shape_out
    assert model.count_params() == count


def test_resnet18_is_the_published_cifar_architecture() -> None:
    # He et al. 2016 / the CIFAR ResNet-18: about 11.2M parameters, 20 convolutions (17 + 3 shortcuts).
    model = zoo.resnet18()
    kinds = [type(layer).__name__ for layer in model.graph.layers()]
    assert kinds.count("Conv2D") == 20 and kinds.count("BatchNorm") == 20 and kinds.count("Dense") == 1
    assert 11.1e6 < model.count_params() < 11.3e6


@pytest.mark.parametrize("name", [*MODELS, "transformer_seq2seq"])
def test_the_spec_twin_builds_the_same_graph(name: str) -> None:
    model = getattr(zoo, name)()
    twin = tn.spec.read(ROOT / "examples" / "zoo" / f"{name}.yaml")
    assert twin.name == name
    assert graph_to_dict(twin.model.graph) == graph_to_dict(model.graph)


def batches(name: str, examples: int = 16) -> tn.data.Dataset[Any, Any]:
    _, shape_in, shape_out, _ = MODELS[name]
    rng = np.random.default_rng(0)
    if name == "transformer_classifier":
        x: np.ndarray = rng.integers(0, 20_000, (examples, *shape_in))
    else:
        x = rng.normal(size=(examples, *shape_in)).astype(np.float32)
    return tn.data.from_arrays(x, rng.integers(0, shape_out[0], examples))


def train_a_few_steps(name: str) -> None:
    model = MODELS[name][0]()
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    data = batches(name)
    history = trainer.fit(data, epochs=3, batch_size=8, verbose=0)
    losses = [epoch["loss"] for epoch in history.epochs]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0], losses
    assert trainer.predict(data.features[:3]).shape == (3, *MODELS[name][2])


@pytest.mark.parametrize("name", ["mlp", "lenet5", "transformer_classifier"])
def test_trains_a_few_steps(name: str) -> None:
    train_a_few_steps(name)


@pytest.mark.slow
def test_resnet18_trains_a_few_steps() -> None:
    train_a_few_steps("resnet18")
