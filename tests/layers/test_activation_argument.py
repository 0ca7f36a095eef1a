"""Keras's `activation=` on Dense and the convolutions: the same graph as the layer, then the activation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest

import typednn as tn
from typednn import nn
from typednn._shapes import ACTIVATIONS

AnyLayer = tn.Layer[*tuple[Any, ...]]

# Each layer family with the argument: its constructor (taking `activation=`) and an input shape.
FAMILIES: dict[str, tuple[Callable[..., AnyLayer], tuple[int, ...]]] = {
    "dense": (lambda **kw: nn.Dense(5, **kw), (6,)),
    "dense_in": (lambda **kw: nn.Dense(6, 5, **kw), (6,)),
    "conv1d": (lambda **kw: nn.Conv1D(4, kernel=3, **kw), (9, 2)),
    "conv2d": (lambda **kw: nn.Conv2D(4, kernel=3, padding="same", **kw), (6, 6, 2)),
    "conv3d": (lambda **kw: nn.Conv3D(3, kernel=2, **kw), (4, 4, 4, 2)),
    "conv2d_transpose": (lambda **kw: nn.Conv2DTranspose(3, kernel=3, stride=2, **kw), (4, 4, 2)),
    "depthwise_conv2d": (lambda **kw: nn.DepthwiseConv2D(3, depth_multiplier=2, **kw), (6, 6, 2)),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "softmax"])
def test_the_argument_computes_the_layer_then_the_activation(family: str, activation: str) -> None:
    make, shape = FAMILIES[family]
    x = tn.Input(*shape)
    fused = tn.Model(x, x >> make(activation=activation, name="layer"))
    apart = tn.Model(x, x >> make(name="layer") >> nn.Activation(activation))
    assert fused.graph.outputs[0].shape == apart.graph.outputs[0].shape
    params = fused.init(jax.random.key(1))
    assert jax.tree.map(np.shape, params) == jax.tree.map(np.shape, apart.init(jax.random.key(1)))
    batch = np.random.default_rng(0).normal(size=(2, *shape)).astype(np.float32)
    np.testing.assert_allclose(fused.apply(params, batch), apart.apply(params, batch), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_no_activation_is_the_default_and_keeps_the_layer_as_it_was(family: str) -> None:
    make = FAMILIES[family][0]
    layer = make()
    assert layer.hyper.activation is None  # type: ignore[attr-defined]  # each family's Hyper has the field
    assert "activation" not in repr(layer)
    assert repr(make(activation="relu")).endswith("activation='relu')")


def test_every_activation_name_is_taken() -> None:
    for name in ACTIVATIONS:
        assert nn.Dense(3, activation=name).hyper.activation == name


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("relu7", "did you mean 'relu'?"),
        ("Relu", "did you mean 'relu'?"),
        ("swish", "did you mean 'silu'?"),
        ("linear", "leave activation out for none (Keras's 'linear')"),
        ("zzz", "e.g. activation='relu'"),
    ],
)
def test_an_unknown_activation_is_refused_at_construction(given: str, hint: str) -> None:
    with pytest.raises(tn.TypednnError, match=r"Dense\(3, activation='.*'\): activation must be None or one of relu,"):
        nn.Dense(3, activation=given)
    with pytest.raises(tn.TypednnError) as caught:
        nn.Conv2D(4, kernel=3, activation=given)
    assert caught.value.hint == hint
    assert f"but is {given!r}" in caught.value.message


SPEC = """\
name: activated
model:
  input: [8, 8, 1]
  layers:
    - conv2d: {filters: 4, kernel: 3, activation: relu}
    - flatten
    - dense: {units: 10, activation: relu}
    - dense: 3
"""


def test_spec_files_codegen_and_exports_carry_the_argument(tmp_path: Path) -> None:
    path = tmp_path / "activated.yaml"
    path.write_text(SPEC)
    model = tn.spec.read(path).model
    layers = model.graph.layers()
    assert [getattr(layer.hyper, "activation", None) for layer in layers] == ["relu", None, "relu", None]
    code = tn.spec.codegen(model)
    assert 'nn.Conv2D(4, kernel=3, activation="relu", name="conv2d")' in code
    assert 'nn.Dense(10, activation="relu", name="dense")' in code
    params = model.init(jax.random.key(0))
    tn.export.save(model, params, tmp_path / "saved")
    loaded, _ = tn.export.load(tmp_path / "saved")
    assert [repr(layer) for layer in loaded.graph.layers()] == [repr(layer) for layer in layers]


def test_a_spec_with_an_unknown_activation_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SPEC.replace("activation: relu}", "activation: relu7}", 1))
    with pytest.raises(
        tn.TypednnError, match=r"bad\.yaml:5:\d+ \(conv2d\): Conv2D\(.*activation must be None or one of"
    ):
        tn.spec.read(path)


def test_check_reports_an_unknown_activation_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SPEC.replace("activation: relu}", "activation: sigmoid_}", 1))
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert "bad.yaml:5:" in first and "activation must be None or one of" in first and "'sigmoid_'" in first
    assert "hint: did you mean 'sigmoid'?" in done.stderr
