"""The zoo's Keras arguments: classes, input_shape, include_top, pooling, weights; MobileNetV2 and ResNet-50."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import zoo
from typednn._mypy_zoo import ZOO
from typednn.zoo._mobilenet import last_filters


def layer_shapes(model: tn.Model[Any, Any]) -> dict[str, tuple[Any, ...]]:
    """Each layer's output shape, by name, in run order."""
    return {model.graph.name(node.layer): tensor.shape.dims for node, tensor in model.graph.nodes() if node.layer}


def test_include_top_and_pooling_as_keras() -> None:
    assert zoo.resnet18(classes=100).outputs.shape.dims == (100,)
    assert zoo.resnet18(include_top=False).outputs.shape.dims == (4, 4, 512)
    assert zoo.resnet18(include_top=False, input_shape=(64, 48, 3)).outputs.shape.dims == (8, 6, 512)
    assert zoo.resnet18(include_top=False, pooling="max").outputs.shape.dims == (512,)
    assert zoo.lenet5(include_top=False, pooling="avg").outputs.shape.dims == (16,)
    assert zoo.lenet5(input_shape=(28, 28, 1), classes=26).count_params() == 61_706 - (400 - 4 * 4 * 16) * 120 + 16 * (
        84 + 1
    )
    assert zoo.mlp(classes=26).outputs.shape.dims == (26,)
    assert zoo.transformer_classifier(classes=5).outputs.shape.dims == (5,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: zoo.resnet18(classes=0), r"zoo.resnet18: classes= must be a positive int, not 0"),
        (lambda: zoo.resnet18(pooling="min"), r"pooling= must be None, 'avg' or 'max'"),  # type: ignore[arg-type]  # hostile on purpose
        (lambda: zoo.resnet18(pooling="avg"), r"pooling='avg' applies to the features without the top"),
        (lambda: zoo.resnet50(input_shape=(16, 16, 3)), r"input_shape=\(16, 16, 3\) is too small: .* at least 32"),
        (lambda: zoo.lenet5(input_shape=(32, 32)), r"input_shape= must be \(height, width, channels\)"),  # type: ignore[arg-type]  # hostile on purpose
        (lambda: zoo.mobilenet_v2(alpha=0), r"alpha= must be a positive number, not 0"),
        (lambda: zoo.resnet18(include_top="no"), r"include_top= must be True or False"),  # type: ignore[arg-type]  # hostile on purpose
    ],
)
def test_bad_arguments_are_clear_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(tn.TypednnError, match=message):
        call()


@pytest.mark.parametrize("fullname", ZOO)
def test_the_plugin_knows_each_function_s_defaults(fullname: str) -> None:
    # The plugin cannot run the zoo (it never imports JAX): its table must agree with the functions.
    facts = ZOO[fullname]
    function = getattr(zoo, fullname.rpartition(".")[2])
    assert f"{function.__module__}.{function.__name__}" == fullname
    defaults = {name: p.default for name, p in inspect.signature(function).parameters.items()}
    assert defaults["classes"] == facts.classes
    if facts.image is None:
        assert "input_shape" not in defaults
        return
    assert defaults["input_shape"] == facts.image and defaults["include_top"] is True
    assert facts.features is not None
    for alpha in [0.5, 1.0, 1.3, 1.4] if "alpha" in defaults else [1.0]:
        options = {"alpha": alpha} if "alpha" in defaults else {}
        built = function(include_top=False, pooling="avg", input_shape=(32, 32, 3), **options)
        assert built.outputs.shape.dims == (facts.features(alpha),)
    assert last_filters(1.4) == 1792


def keras_model(name: str, **options: Any) -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    build = {"resnet50": keras.applications.ResNet50, "mobilenet_v2": keras.applications.MobileNetV2}[name]
    return build(weights=None, **options)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("resnet50", {}),
        ("resnet50", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "max"}),
        ("mobilenet_v2", {}),
        ("mobilenet_v2", {"alpha": 0.35, "input_shape": (96, 96, 3), "classes": 10}),
        ("mobilenet_v2", {"alpha": 1.3, "input_shape": (75, 75, 3), "include_top": False}),
    ],
)
def test_matches_keras_applications_layer_for_layer(name: str, options: dict[str, Any]) -> None:
    theirs = keras_model(name, **options)
    ours = getattr(zoo, name)(**options)
    assert ours.count_params() == theirs.count_params()
    shapes = layer_shapes(ours)
    keras_shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in theirs.layers[1:]}
    # Every Keras layer with weights is ours, with the same output shape. (Within a block the
    # two branches of an Add may run in either order: Keras lists the main path first.)
    weighted = [layer.name for layer in theirs.layers if layer.weights]
    assert sorted(n for n in shapes if n in set(weighted)) == sorted(weighted)
    named = [n for n in keras_shapes if n in shapes]
    assert len(named) >= len(weighted)
    assert {n: shapes[n] for n in named} == {n: keras_shapes[n] for n in named}
    assert ours.outputs.shape.dims == tuple(theirs.output.shape[1:])
    ours_weights = {n: tuple(a.shape) for n, arrays in ours.param_shapes().items() for a in arrays.values()}
    assert set(ours_weights) == set(weighted)


def test_weights_from_an_export_folder_and_the_registry(tmp_path: Path) -> None:
    model = zoo.lenet5(classes=4)
    params = model.init(jax.random.key(3))
    tn.save(model, params, tmp_path / "export")
    loaded = zoo.lenet5(classes=4, weights=tmp_path / "export")
    assert isinstance(loaded, zoo.Pretrained)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(loaded.init(jax.random.key(0)))):
        np.testing.assert_array_equal(a, b)
    # A trainer starts from them.
    trainer = tn.Trainer(loaded, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    np.testing.assert_array_equal(trainer.params["dense_2"]["kernel"], params["dense_2"]["kernel"])

    registry, cache = tmp_path / "registry", tmp_path / "cache"
    tn.hub.push(tmp_path / "export", "lenet4:v1", registry=str(registry), card=tn.hub.Card(data="none"))
    with pytest.MonkeyPatch.context() as patch:  # the registry and cache `weights=` reads
        patch.setenv("TYPEDNN_HUB", str(registry))
        patch.setenv("TYPEDNN_CACHE", str(cache))
        pulled = zoo.lenet5(classes=4, weights="lenet4:v1")
    assert isinstance(pulled, zoo.Pretrained) and pulled.source == "lenet4:v1"


def test_weights_of_another_architecture_name_the_first_differing_layer(tmp_path: Path) -> None:
    model = zoo.lenet5(classes=4)
    tn.save(model, model.init(jax.random.key(0)), tmp_path / "export")
    with pytest.raises(
        tn.TypednnError, match=r"another architecture: layer 12 is dense 'dense_2' \{.*units: 4"
    ) as caught:
        zoo.lenet5(weights=tmp_path / "export")
    assert caught.value.hint is not None and "(32, 32, 1) -> (4,)" in caught.value.hint
    with pytest.raises(tn.TypednnError, match=r"input \[32, 32, 1\] where the model takes \[28, 28, 1\]"):
        zoo.lenet5(classes=4, input_shape=(28, 28, 1), weights=tmp_path / "export")
    with pytest.raises(tn.TypednnError, match="neither an export folder nor a registry reference"):
        zoo.lenet5(weights=tmp_path / "missing")
