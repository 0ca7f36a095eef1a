"""Conv3D, MaxPool3D, AvgPool3D and TimeDistributed: rules, rule == jax.eval_shape, numbers, files.

The property tests hold `typednn.testing`'s cases to its `check_case` convention: the
rule accepts exactly what the lowering runs, and gives its shape. The numbers are
checked against numpy loops written here, independent of the lowering.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import typednn as tn
from tests.conftest import fails
from typednn import HyperparameterError, ShapeError, TypednnError, nn
from typednn._shapes import (
    UNKNOWN,
    AvgPool3DHyper,
    BatchNormHyper,
    Conv3DHyper,
    DenseHyper,
    MaxPool3DHyper,
    Shape,
    Symbol,
    TimeDistributedHyper,
)
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers import ParamTree
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.spec._schema import json_schema
from typednn.testing import check_layer

SEQ = Symbol("tests.Seq")

# ---------------------------------------------------------------------------- rules


def test_conv3d_slides_over_depth_height_and_width() -> None:
    volume = Shape.of(16, 32, 32, 3)
    assert Conv3DHyper(filters=8, kernel=3).output_shape(volume) == Shape.of(14, 30, 30, 8)
    assert Conv3DHyper(filters=8, kernel=3, stride=(1, 2, 2)).output_shape(volume) == Shape.of(14, 15, 15, 8)
    assert Conv3DHyper(filters=4, kernel=(1, 3, 5), padding="same", stride=2).output_shape(volume) == Shape.of(
        8, 16, 16, 4
    )
    assert Conv3DHyper(filters=6, kernel=3, dilation=(1, 2, 3), groups=3).output_shape(volume) == Shape.of(
        14, 28, 26, 6
    )
    assert Conv3DHyper(filters=2, kernel=3, padding="same").output_shape(Shape.of(SEQ, 4, 4, 1)) == Shape.of(
        SEQ, 4, 4, 2
    )
    assert Conv3DHyper(filters=2, kernel=3).output_shape(Shape((5, 5, 1), open=True)) == Shape.of(UNKNOWN, 3, 3, 2)


def test_conv3d_rejections_name_the_layer_the_axis_and_a_hint() -> None:
    with fails("Conv3D(8, kernel=3) expects a (depth, height, width, channels) input", "receives (32, 32, 3)"):
        Conv3DHyper(filters=8, kernel=3).output_shape(Shape.of(32, 32, 3))
    with fails("Conv3D(8, kernel=(5, 1, 1)) expects a depth of at least 5, but receives (4, 8, 8, 3)"):
        Conv3DHyper(filters=8, kernel=(5, 1, 1)).output_shape(Shape.of(4, 8, 8, 3))
    with fails("expects 4 input channels, but receives (4, 8, 8, 3)"):
        Conv3DHyper(filters=8, kernel=1, in_channels=4).output_shape(Shape.of(4, 8, 8, 3))
    with fails("expects input channels divisible by groups=2"):
        Conv3DHyper(filters=8, kernel=1, groups=2).output_shape(Shape.of(4, 8, 8, 3))
    with pytest.raises(ShapeError) as caught:
        Conv3DHyper(filters=8, kernel=3).output_shape(Shape.of(32, 32, 3))
    assert "use Conv2D" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Conv3D(8, kernel=(3, 3)), "kernel must be an int or a triple of ints, but is (3, 3)"),  # type: ignore[arg-type]
        (lambda: nn.Conv3D(8, kernel=3, stride=(1, 2, 2, 2)), "stride must be an int or a triple of ints"),  # type: ignore[arg-type]
        (lambda: nn.Conv3D(int("0"), kernel=3), "filters must be a positive int, but is 0"),
        (lambda: nn.Conv3D(6, kernel=3, groups=4), "filters (6) must be divisible by groups (4)"),  # type: ignore[typednn-param]
        (lambda: nn.MaxPool3D((2, 2)), "window must be an int or a triple of ints, but is (2, 2)"),  # type: ignore[arg-type]
        (lambda: nn.AvgPool3D(2, padding="full"), "padding must be 'valid' or 'same', but is 'full'"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(build: Any, message: str) -> None:
    with fails(message):
        build()


def test_pool3d_defaults_the_stride_to_the_window() -> None:
    volume = Shape.of(8, 32, 32, 16)
    assert MaxPool3DHyper(window=(1, 2, 2)).output_shape(volume) == Shape.of(8, 16, 16, 16)
    assert AvgPool3DHyper(window=2).output_shape(volume) == Shape.of(4, 16, 16, 16)
    assert AvgPool3DHyper(window=3, stride=1, padding="same").output_shape(volume) == volume
    assert MaxPool3DHyper(window=3, stride=(1, 2, 3)).output_shape(volume) == Shape.of(6, 15, 10, 16)
    with fails("MaxPool3D(window=2) expects a (depth, height, width, channels) input", "pool images with MaxPool2D"):
        MaxPool3DHyper(window=2).output_shape(Shape.of(32, 32, 3))
    with fails("AvgPool3D(window=5) expects a depth of at least 5, but receives (4, 8, 8, 3)"):
        AvgPool3DHyper(window=5).output_shape(Shape.of(4, 8, 8, 3))


def test_time_distributed_applies_the_wrapped_rule_to_each_step() -> None:
    dense = TimeDistributedHyper(wrapped=DenseHyper(units=8))
    assert dense.output_shape(Shape.of(10, 4)) == Shape.of(10, 8)
    assert dense.output_shape(Shape.of(SEQ, 3, 4)) == Shape.of(SEQ, 3, 8)
    assert dense.describe() == "TimeDistributed(Dense(8))"
    conv = nn.TimeDistributed(nn.Conv2D(16, kernel=3))
    assert conv(tn.Input(5, 28, 28, 1)).shape == Shape.of(5, 26, 26, 16)
    # Of an open shape, only what the wrapped layer computes is known; of an unknown layer, nothing.
    assert dense.output_shape(Shape((4,), open=True)) == Shape((8,), open=True)
    assert TimeDistributedHyper(wrapped=UNKNOWN).output_shape(Shape.of(10, 4)) == Shape.anything()


def test_time_distributed_errors_name_both_layers_and_the_step() -> None:
    with fails("TimeDistributed(Dense(5 -> 8)) expects steps that Dense(5 -> 8) takes (5 input features)"):
        nn.TimeDistributed(nn.Dense(5, 8))(tn.Input(10, 4))  # type: ignore[typednn-shape]
    with fails("receives (10, 28, 28), whose steps are (28, 28)"):
        nn.TimeDistributed(nn.Conv2D(4, kernel=3))(tn.Input(10, 28, 28))  # type: ignore[typednn-shape]
    with fails("TimeDistributed(Dense(8)) expects a (steps, ...) input", "receives ()"):
        TimeDistributedHyper(wrapped=DenseHyper(units=8)).output_shape(Shape.of())
    with fails("head: TimeDistributed(Dense(5 -> 8))"):
        nn.TimeDistributed(nn.Dense(5, 8), name="head")(tn.Input(10, 4))  # type: ignore[typednn-shape]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.TimeDistributed(nn.BatchNorm()), "keeps state (mean, var)"),  # type: ignore[typednn-param]
        (lambda: TimeDistributedHyper(wrapped=BatchNormHyper()), "wrapped keeps running statistics"),
        (lambda: nn.TimeDistributed(nn.TimeDistributed(nn.Dense(3))), "wrapped is a TimeDistributed already"),  # type: ignore[typednn-param]
        (lambda: nn.TimeDistributed(nn.Add()), "wrapped must take one input, but Add takes several"),  # type: ignore[typednn-param]
        (lambda: nn.TimeDistributed(nn.Embedding(10, 4)), "wrapped takes token ids (Embedding(10, 4))"),  # type: ignore[typednn-param]
        (lambda: nn.TimeDistributed(nn.Dense(2) >> nn.relu), "TimeDistributed wraps one layer, not Sequential("),
        (lambda: TimeDistributedHyper(wrapped=3), "wrapped must be a layer, but is 3"),  # type: ignore[arg-type]
    ],
)
def test_time_distributed_refuses_what_it_cannot_wrap(build: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as caught:
        build()
    assert message in str(caught.value) and caught.value.hint


def test_time_distributed_refuses_an_unregistered_layer() -> None:
    class Twice(nn.Dense): ...  # a subclass is no kind of its own

    with fails("TimeDistributed cannot rebuild Dense(3): it has no kind"):
        nn.TimeDistributed(Twice(3))


# ---------------------------------------------------------------------------- rule == jax


@pytest.mark.parametrize("layer", [nn.Conv3D, nn.MaxPool3D, nn.AvgPool3D, nn.TimeDistributed])
def test_the_rule_is_what_jax_computes(layer: Any) -> None:
    check_layer(layer, max_examples=30)


def test_the_kinds_are_registered_with_their_strategies() -> None:
    for kind, cls in [("conv3d", nn.Conv3D), ("max_pool3d", nn.MaxPool3D), ("avg_pool3d", nn.AvgPool3D)]:
        assert KINDS[kind].layer is cls
    assert kind_of(nn.TimeDistributed(nn.Dense(3))) is KINDS["time_distributed"]
    assert nn.TimeDistributed(nn.relu).hyper.wrapped == nn.relu.hyper


# ---------------------------------------------------------------------------- numbers


def run(
    layer: nn.Layer[*tuple[Any, ...]], params: ParamTree, x: np.ndarray, key: jax.Array | None = None
) -> np.ndarray:
    """The layer's output on a numpy batch, as numpy; training (dropout active) when given a key."""
    return np.asarray(layer.apply(params, jnp.asarray(x), key=key, training=key is not None))


def _windows(
    x: np.ndarray, window: tuple[int, ...], stride: tuple[int, ...], padding: str, fill: float
) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """Each output position of a (batch, d, h, w, c) array and its window, padded as XLA pads `same`."""
    pads = [(0, 0)]
    for size, k, s in zip(x.shape[1:4], window, stride, strict=True):
        total = max((-(-size // s) - 1) * s + k - size, 0) if padding == "same" else 0
        pads.append((total // 2, total - total // 2))
    padded = np.pad(x, [*pads, (0, 0)], constant_values=fill)
    counts = [(padded.shape[i + 1] - k) // s + 1 for i, (k, s) in enumerate(zip(window, stride, strict=True))]
    for at in itertools.product(*map(range, counts)):
        d, h, w = (i * s for i, s in zip(at, stride, strict=True))
        yield at, padded[:, d : d + window[0], h : h + window[1], w : w + window[2]]


def _conv3d_reference(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: tuple[int, ...], padding: str
) -> np.ndarray:
    out = {
        at: np.einsum("bdhwi,dhwio->bo", patch, kernel) + bias
        for at, patch in _windows(x, kernel.shape[:3], stride, padding, 0.0)
    }
    shape = tuple(max(at[i] for at in out) + 1 for i in range(3))
    result = np.zeros((x.shape[0], *shape, kernel.shape[-1]), np.float32)
    for (d, h, w), value in out.items():
        result[:, d, h, w] = value
    return result


@pytest.mark.parametrize(("stride", "padding"), [((1, 1, 1), "valid"), ((2, 1, 2), "same"), ((1, 2, 1), "valid")])
def test_conv3d_computes_a_numpy_convolution(stride: tuple[int, int, int], padding: Any) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 5, 6, 3)).astype(np.float32)
    layer = nn.Conv3D(4, kernel=(2, 3, 2), stride=stride, padding=padding)
    kernel = rng.normal(size=(2, 3, 2, 3, 4)).astype(np.float32)
    bias = rng.normal(size=4).astype(np.float32)
    got = run(layer, {"kernel": jnp.asarray(kernel), "bias": jnp.asarray(bias)}, x)
    expected = _conv3d_reference(x, kernel, bias, stride, padding)
    assert got.shape == (2, *layer(tn.Input(4, 5, 6, 3)).shape.dims)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_conv3d_groups_convolve_each_group_on_its_own() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 3, 3, 3, 4)).astype(np.float32)
    layer = nn.Conv3D(2, kernel=3, groups=2, use_bias=False)
    params = layer.init(jax.random.key(0), Shape.of(3, 3, 3, 4))
    assert params["kernel"].shape == (3, 3, 3, 2, 2) and "bias" not in params
    kernel = np.asarray(params["kernel"])
    got = run(layer, params, x).reshape(2)
    expected = [np.sum(x[0, ..., 2 * g : 2 * g + 2] * kernel[..., g]) for g in range(2)]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("window", "stride", "padding"), [((2, 2, 2), None, "valid"), ((3, 2, 1), (2, 1, 1), "same")])
def test_pool3d_computes_numpy_max_and_mean(window: Any, stride: Any, padding: Any) -> None:
    x = np.random.default_rng(2).normal(size=(2, 4, 5, 3, 2)).astype(np.float32)
    steps = stride or window
    pools: list[tuple[nn.Layer[*tuple[Any, ...]], float, Callable[..., Any]]] = [
        (nn.MaxPool3D(window, stride=stride, padding=padding), -np.inf, np.max),
        # flax's avg_pool counts the padding in the window (zeros), as the docstring says.
        (nn.AvgPool3D(window, stride=stride, padding=padding), 0.0, np.mean),
    ]
    for layer, fill, reduce in pools:
        got = run(layer, {}, x)
        assert got.shape == (2, *layer(tn.Input(4, 5, 3, 2)).shape.dims)
        for (d, h, w), patch in _windows(x, window, steps, padding, fill):
            np.testing.assert_allclose(got[:, d, h, w], reduce(patch, axis=(1, 2, 3)), rtol=1e-6)


def test_time_distributed_shares_one_set_of_weights_across_steps() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 4)).astype(np.float32)
    layer = nn.TimeDistributed(nn.Dense(3))
    params = layer.init(jax.random.key(0), Shape.of(5, 4))
    assert {name: a.shape for name, a in params.items()} == {"kernel": (4, 3), "bias": (3,)}
    got = run(layer, params, x)
    expected = np.stack([x[:, t] @ np.asarray(params["kernel"]) + np.asarray(params["bias"]) for t in range(5)], 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_time_distributed_runs_the_wrapped_layer_on_each_step() -> None:
    x = np.random.default_rng(4).normal(size=(2, 3, 6, 6, 2)).astype(np.float32)
    inner = nn.Conv2D(4, kernel=3, padding="same")
    layer = nn.TimeDistributed(inner)
    params = layer.init(jax.random.key(1), Shape.of(3, 6, 6, 2))
    got = run(layer, params, x)
    for t in range(3):
        step = run(inner, params, x[:, t])
        np.testing.assert_allclose(got[:, t], step, rtol=1e-5, atol=1e-5)


def test_time_distributed_dropout_draws_a_mask_for_each_step() -> None:
    layer = nn.TimeDistributed(nn.Dropout(0.5))
    assert layer.stochastic and not nn.TimeDistributed(nn.Dense(2)).stochastic
    x = np.ones((1, 8, 64), np.float32)
    dropped = run(layer, {}, x, key=jax.random.key(0))
    assert not all(np.array_equal(dropped[0, 0] == 0, dropped[0, t] == 0) for t in range(1, 8))
    np.testing.assert_array_equal(run(layer, {}, x), x)


# ---------------------------------------------------------------------------- files

SPEC = """\
model:
  input: [3, 6, 6, 2]
  layers:
    - conv3d: {filters: 4, kernel: [1, 3, 3], padding: same, in_channels: 2}
    - max_pool3d: {window: [1, 2, 2]}
    - avg_pool3d: {window: 1, stride: [1, 3, 3]}
    - time_distributed: {wrapped: {conv2d: {filters: 5, kernel: 1, use_bias: false}}, name: frame_conv}
    - time_distributed: flatten
    - time_distributed: {wrapped: {dense: 6}}
    - time_distributed: {wrapped: {dropout: 0.25}}
    - time_distributed: relu
    - lstm: {units: 3, return_sequences: false}
"""


def test_a_spec_builds_the_layers(tmp_path: Path) -> None:
    (tmp_path / "clips.yaml").write_text(SPEC)
    model = read(tmp_path / "clips.yaml").model
    assert model.outputs.shape == Shape.of(3)
    assert [repr(layer) for layer in model.graph.layers()][:5] == [
        "Conv3D(4, kernel=(1, 3, 3), padding='same', in_channels=2)",
        "MaxPool3D(window=(1, 2, 2))",
        "AvgPool3D(window=1, stride=(1, 3, 3))",
        "TimeDistributed(Conv2D(5, kernel=1, use_bias=False))",
        "TimeDistributed(Flatten())",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{dense: 6}", "time_distributed has no option 'dense'"),
        ("{wrapped: {batch_norm: {}}}", "wrapped keeps running statistics"),
        ("{wrapped: {time_distributed: {wrapped: relu}}}", "unknown layer kind 'time_distributed'"),
        ("{wrapped: {dense: 0}}", "Dense(0): units must be a positive int"),
        ("{wrapped: {add: {}}}", "wrapped must take one input"),
    ],
)
def test_a_spec_s_wrapped_layer_errors_say_where(tmp_path: Path, entry: str, message: str) -> None:
    (tmp_path / "bad.yaml").write_text(SPEC.replace("{wrapped: {dense: 6}}", entry))
    with pytest.raises(TypednnError) as caught:
        read(tmp_path / "bad.yaml")
    assert message in str(caught.value) and "bad.yaml:9:" in str(caught.value)


def test_the_schema_lists_every_single_layer_kind_as_wrappable() -> None:
    definitions = json_schema()["$defs"]
    forms = definitions["TimeDistributedOptions"]["properties"]["wrapped"]["anyOf"]
    bare = {kind for form in forms for kind in form.get("enum", [form.get("const")])}
    refs = {form.get("$ref") for form in forms}
    assert {"dense", "conv3d", "max_pool3d", "flatten", "relu", "bidirectional"} <= bare
    assert "#/$defs/Conv3dWrappedOptionsEntry" in refs
    assert "time_distributed" not in bare  # it would nest without end
    assert "name" not in definitions["DenseWrappedOptions"]["properties"]  # a wrapped layer is no list entry


def test_save_then_load_gives_the_same_outputs(tmp_path: Path) -> None:
    (tmp_path / "clips.yaml").write_text(SPEC)
    model = read(tmp_path / "clips.yaml").model
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "saved")
    loaded, loaded_params = load(tmp_path / "saved")
    assert graph_to_dict(loaded.graph) == graph_to_dict(model.graph)
    xs = np.random.default_rng(5).normal(size=(2, 3, 6, 6, 2)).astype(np.float32)
    np.testing.assert_array_equal(loaded.lowered.apply(loaded_params, xs), model.lowered.apply(params, xs))
    written = graph_to_dict(model.graph)["layers"]
    assert written[3] == {
        "time_distributed": {
            "wrapped": {"conv2d": {"filters": 5, "kernel": 1, "use_bias": False}},
            "name": "frame_conv",
        }
    }
    assert written[4]["time_distributed"]["wrapped"] == {"flatten": {}}


def test_codegen_writes_the_constructors_and_they_rebuild_the_model(tmp_path: Path) -> None:
    (tmp_path / "clips.yaml").write_text(SPEC)
    model = read(tmp_path / "clips.yaml").model
    code = codegen(model)
    assert 'nn.Conv3D(4, kernel=(1, 3, 3), padding="same", in_channels=2, name="conv3d")' in code
    assert "nn.MaxPool3D((1, 2, 2))" in code and "nn.AvgPool3D(1, stride=(1, 3, 3))" in code
    assert 'nn.TimeDistributed(nn.Conv2D(5, kernel=1, use_bias=False), name="frame_conv")' in code
    assert "nn.TimeDistributed(nn.Dense(6)" in code and "nn.TimeDistributed(nn.Flatten())" in code
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the code under test
    rebuilt = namespace["build_model"]()
    assert graph_to_dict(rebuilt.graph) == graph_to_dict(model.graph)
    hypers = [dataclasses.asdict(layer.hyper) for layer in rebuilt.graph.layers()]
    assert hypers == [dataclasses.asdict(layer.hyper) for layer in model.graph.layers()]
