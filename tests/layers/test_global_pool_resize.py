"""GlobalAvgPool2D, GlobalMaxPool2D, UpSampling2D and ZeroPadding2D: rules, messages, lowering, specs.

The property tests draw `typednn.testing`'s cases and hold them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

import typednn as tn
from tests.lower.test_lowering import canonical_stablehlo, operations
from tests.shapes.test_rules_vs_jax import SEQ, named_dims_hold
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import (
    UNKNOWN,
    GlobalAvgPool2DHyper,
    GlobalMaxPool2DHyper,
    Hyper,
    Shape,
    Symbol,
    Unknown,
    UpSampling2DHyper,
    ZeroPadding2DHyper,
)
from typednn._shapes._dims import plus, times
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.testing import check_case, layers

TIME = Symbol("tests.Time")


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        hyper.output_shape(*inputs)
    return info.value


# ---------------------------------------------------------------------------- rules


def test_global_pooling_keeps_the_channels() -> None:
    assert GlobalAvgPool2DHyper().output_shape(Shape.of(7, 7, 512)) == Shape.of(512)
    assert GlobalMaxPool2DHyper().output_shape(Shape.of(1, 3, 2)) == Shape.of(2)
    # Any height and width reduce: named or unknown spatial axes are fine, a named channel axis stays.
    assert GlobalAvgPool2DHyper().output_shape(Shape.of(SEQ, TIME, 8)) == Shape.of(8)
    assert GlobalMaxPool2DHyper().output_shape(Shape.of(4, 4, SEQ)) == Shape.of(SEQ)
    assert GlobalMaxPool2DHyper().output_shape(Shape.anything()) == Shape.of(UNKNOWN)
    assert GlobalAvgPool2DHyper().output_shape(Shape((3,), open=True)) == Shape.of(3)


def test_global_pooling_messages() -> None:
    error = rejection(GlobalAvgPool2DHyper(), Shape.of(10, 64))
    assert error.message == "GlobalAvgPool2D() expects a (height, width, channels) input, but receives (10, 64)"
    assert error.hint == "GlobalAvgPool2D takes NHWC images"
    # An open shape is rejected only when it has more than three axes for sure.
    error = rejection(GlobalMaxPool2DHyper(), Shape((1, 2, 3, 4), open=True))
    assert (
        error.message == "GlobalMaxPool2D() expects a (height, width, channels) input, but receives (..., 1, 2, 3, 4)"
    )
    assert rejection(GlobalMaxPool2DHyper(), Shape.of(8, 8, 3, 1)).actual == "(8, 8, 3, 1)"


def test_up_sampling_multiplies_height_and_width() -> None:
    assert UpSampling2DHyper(size=2).output_shape(Shape.of(7, 7, 16)) == Shape.of(14, 14, 16)
    assert UpSampling2DHyper(size=(2, 3)).output_shape(Shape.of(7, 5, 16)) == Shape.of(14, 15, 16)
    assert UpSampling2DHyper(size=1).output_shape(Shape.of(7, 5, 16)) == Shape.of(7, 5, 16)
    assert UpSampling2DHyper(size=(3, 1)).output_shape(Shape((5, 2), open=True)) == Shape.of(UNKNOWN, 5, 2)
    error = rejection(UpSampling2DHyper(size=2), Shape.of(28, 28))
    assert error.message == "UpSampling2D(size=2) expects a (height, width, channels) input, but receives (28, 28)"
    assert error.hint == "UpSampling2D takes NHWC images"


def test_zero_padding_adds_rows_and_columns() -> None:
    image = Shape.of(28, 28, 1)
    assert ZeroPadding2DHyper(padding=1).output_shape(image) == Shape.of(30, 30, 1)
    assert ZeroPadding2DHyper(padding=0).output_shape(image) == image
    assert ZeroPadding2DHyper(padding=(1, 2)).output_shape(image) == Shape.of(30, 32, 1)
    assert ZeroPadding2DHyper(padding=((0, 1), (2, 3))).output_shape(image) == Shape.of(29, 33, 1)
    assert ZeroPadding2DHyper(padding=((0, 1), (2, 3))).pads() == ((0, 1), (2, 3))
    assert ZeroPadding2DHyper(padding=(1, 2)).pads() == ((1, 1), (2, 2))
    error = rejection(ZeroPadding2DHyper(padding=(1, 2)), Shape.of(784))
    assert (
        error.message == "ZeroPadding2D(padding=(1, 2)) expects a (height, width, channels) input, but receives (784,)"
    )


@pytest.mark.parametrize(
    ("hyper", "height", "width"),
    [
        # The size provably stays what it is: the symbol survives; growing it gives Time * 2, Time + 2.
        (UpSampling2DHyper(size=1), SEQ, TIME),
        (UpSampling2DHyper(size=(1, 2)), SEQ, times(TIME, 2)),
        (ZeroPadding2DHyper(padding=0), SEQ, TIME),
        (ZeroPadding2DHyper(padding=(0, 1)), SEQ, plus(TIME, 2)),
        (ZeroPadding2DHyper(padding=((0, 0), (1, 0))), SEQ, plus(TIME, 1)),
        # Growing a named size gives a size computed from it: Seq * 2, Seq + 1.
        (UpSampling2DHyper(size=2), times(SEQ, 2), times(TIME, 2)),
        (ZeroPadding2DHyper(padding=((1, 0), (0, 0))), plus(SEQ, 1), TIME),
        # A factor or padding from a runtime int: unknown, even on static sizes.
        (UpSampling2DHyper(size=(UNKNOWN, 1)), UNKNOWN, TIME),
        (ZeroPadding2DHyper(padding=((0, UNKNOWN), (0, 0))), UNKNOWN, TIME),
        (ZeroPadding2DHyper(padding=UNKNOWN), UNKNOWN, UNKNOWN),
    ],
)
def test_symbols_survive_only_where_the_size_is_kept(hyper: Hyper, height: Any, width: Any) -> None:
    assert hyper.output_shape(Shape.of(SEQ, TIME, 4)) == Shape.of(height, width, 4)
    static = hyper.output_shape(Shape.of(5, 6, 4))
    assert all(isinstance(d, (int, Unknown)) for d in static.dims)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.UpSampling2D(0), "UpSampling2D(size=0): size must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.UpSampling2D((2, 0)), "UpSampling2D(size=(2, 0)): size must be a positive int, but is (2, 0)"),  # type: ignore[typednn-param]
        (lambda: nn.UpSampling2D(-2), "UpSampling2D(size=-2): size must be a positive int, but is -2"),  # type: ignore[typednn-param]
        (lambda: nn.UpSampling2D(True), "UpSampling2D(size=True): size must be a positive int, but is True"),  # type: ignore[typednn-param]
        (
            lambda: nn.UpSampling2D((2, 2, 2)),  # type: ignore[arg-type]
            "UpSampling2D(size=(2, 2, 2)): size must be an int or a pair of ints, but is (2, 2, 2)",
        ),
        (
            lambda: UpSampling2DHyper(size=SEQ),  # type: ignore[arg-type]
            "UpSampling2D(size=Seq): size must be a positive int, but is Seq",
        ),
        (lambda: nn.ZeroPadding2D(-1), "ZeroPadding2D(padding=-1): padding must be made of ints >= 0, but is -1"),  # type: ignore[typednn-param]
        (
            lambda: nn.ZeroPadding2D(((0, 1), (2, -3))),  # type: ignore[typednn-param]
            "ZeroPadding2D(padding=((0, 1), (2, -3))): padding must be made of ints >= 0, but is ((0, 1), (2, -3))",
        ),
        (
            lambda: nn.ZeroPadding2D(1.5),  # type: ignore[arg-type]
            "ZeroPadding2D(padding=1.5): padding must be made of ints >= 0, but is 1.5",
        ),
        (
            lambda: nn.ZeroPadding2D(False),  # type: ignore[typednn-param]
            "ZeroPadding2D(padding=False): padding must be made of ints >= 0, but is False",
        ),
        (
            lambda: nn.ZeroPadding2D((1, 2, 3)),  # type: ignore[arg-type]
            "ZeroPadding2D(padding=(1, 2, 3)): padding must be an int, a (height, width) pair or "
            "((top, bottom), (left, right)), but is (1, 2, 3)",
        ),
        (
            lambda: nn.ZeroPadding2D((1, (2, 3))),  # type: ignore[arg-type]
            "ZeroPadding2D(padding=(1, (2, 3))): padding must be an int, a (height, width) pair or "
            "((top, bottom), (left, right)), but is (1, (2, 3))",
        ),
        (
            lambda: nn.ZeroPadding2D(((1, 2),)),  # type: ignore[arg-type]
            "padding must be an int, a (height, width) pair or ((top, bottom), (left, right)), but is ((1, 2),)",
        ),
        (
            lambda: nn.ZeroPadding2D(((1, 2, 3), (1, 2))),  # type: ignore[arg-type]
            "but is ((1, 2, 3), (1, 2))",
        ),
        (
            lambda: nn.ZeroPadding2D((((1, 1), 1), (1, 1))),  # type: ignore[arg-type]
            "padding must be made of ints >= 0, but is (((1, 1), 1), (1, 1))",
        ),
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_a_malformed_padding_has_a_hint() -> None:
    with pytest.raises(HyperparameterError) as info:
        nn.ZeroPadding2D((1, 2, 3))  # type: ignore[arg-type, typednn-param]
    assert info.value.hint == "e.g. padding=1, padding=(1, 2) or padding=((0, 1), (0, 1))"


def test_layers_compose_and_fail_where_the_block_is_written() -> None:
    block = nn.ZeroPadding2D(1) >> nn.Conv2D(4, kernel=3) >> nn.UpSampling2D(2) >> nn.GlobalAvgPool2D()
    assert block(tn.Input(8, 8, 3)).shape == Shape.of(4)
    with pytest.raises(ShapeError, match=r"GlobalMaxPool2D\(\) expects a \(height, width, channels\) input"):
        nn.GlobalAvgPool2D() >> nn.GlobalMaxPool2D()  # type: ignore[typednn-shape]
    named = nn.UpSampling2D(2, name="up")
    with pytest.raises(ShapeError, match=r"^up: UpSampling2D\(size=2\) expects"):
        named(tn.Input(4, 4))  # type: ignore[typednn-shape]


def test_kinds_and_default_names() -> None:
    layers = [nn.GlobalAvgPool2D(), nn.GlobalMaxPool2D(), nn.UpSampling2D(2), nn.ZeroPadding2D(1)]
    kinds = ["global_avg_pool2d", "global_max_pool2d", "up_sampling2d", "zero_padding2d"]
    for layer, kind in zip(layers, kinds, strict=True):
        found = kind_of(layer)
        assert found is not None and found.name == kind
        assert layer.default_name() == kind
        assert not layer.has_params
    assert KINDS["up_sampling2d"].main_option() == "size"
    assert KINDS["zero_padding2d"].main_option() == "padding"
    assert KINDS["global_avg_pool2d"].main_option() is None
    assert [repr(layer) for layer in layers] == [
        "GlobalAvgPool2D()",
        "GlobalMaxPool2D()",
        "UpSampling2D(size=2)",
        "ZeroPadding2D(padding=1)",
    ]


# ---------------------------------------------------------------------------- rule == jax.eval_shape


# The cases of each layer this file covers, as typednn.testing draws them for users.
CASES = {kind: layers(kind) for kind in ["global_avg_pool2d", "global_max_pool2d", "up_sampling2d", "zero_padding2d"]}


@pytest.mark.parametrize("kind", sorted(CASES))
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(CASES[kind], label="case"), data)


@given(data=st.data())
def test_named_dims_are_kept_soundly(data: st.DataObject) -> None:
    """Where a rule keeps a named dim, the lowering keeps that size, whatever it is."""
    case = data.draw(st.one_of(*CASES.values()), label="case")
    named_dims_hold(case, data)


# ---------------------------------------------------------------------------- numbers


def images_batch(shape: tuple[int, ...], seed: int = 0) -> jax.Array:
    return jax.random.normal(jax.random.key(seed), shape)


def run(layer: Any, x: jax.Array) -> jax.Array:
    out: jax.Array = layer.apply({}, x, key=None, training=False)
    return out


def test_global_pooling_equals_flax_pooling_over_the_whole_image() -> None:
    x = images_batch((3, 5, 7, 4))
    window = (5, 7)
    avg = nnx.avg_pool(x, window, strides=window).reshape(3, 4)  # type: ignore[no-untyped-call]
    top = nnx.max_pool(x, window, strides=window).reshape(3, 4)  # type: ignore[no-untyped-call]
    np.testing.assert_allclose(run(nn.GlobalAvgPool2D(), x), avg, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(run(nn.GlobalMaxPool2D(), x), top)
    np.testing.assert_allclose(run(nn.GlobalAvgPool2D(), x), np.asarray(x).mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [1, 2, (2, 3), (3, 1)])
def test_up_sampling_is_nearest_neighbour_resizing(size: int | tuple[int, int]) -> None:
    x = images_batch((2, 4, 5, 3), seed=1)
    sh, sw = size if isinstance(size, tuple) else (size, size)
    got = run(nn.UpSampling2D(size), x)
    nearest = jax.image.resize(x, (2, 4 * sh, 5 * sw, 3), method="nearest")
    np.testing.assert_array_equal(got, nearest)
    np.testing.assert_array_equal(got, np.repeat(np.repeat(np.asarray(x), sh, axis=1), sw, axis=2))


@pytest.mark.parametrize("padding", [0, 2, (1, 0), ((0, 1), (2, 3))])
def test_zero_padding_equals_lax_pad(padding: Any) -> None:
    x = images_batch((2, 4, 5, 3), seed=2)
    (top, bottom), (left, right) = ZeroPadding2DHyper(padding=padding).pads()
    assert isinstance(top, int) and isinstance(bottom, int) and isinstance(left, int) and isinstance(right, int)
    got = run(nn.ZeroPadding2D(padding), x)
    config = [(0, 0, 0), (top, bottom, 0), (left, right, 0), (0, 0, 0)]
    np.testing.assert_array_equal(got, lax.pad(x, jnp.float32(0), config))
    np.testing.assert_array_equal(got, np.pad(np.asarray(x), [(0, 0), (top, bottom), (left, right), (0, 0)]))


def typed_decoder() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 3)
    h = x >> nn.ZeroPadding2D(((0, 1), (2, 3))) >> nn.Conv2D(4, kernel=3) >> nn.relu >> nn.UpSampling2D((2, 1))
    y = nn.concat(h >> nn.GlobalAvgPool2D(), h >> nn.GlobalMaxPool2D()) >> nn.Dense(5)
    return tn.Model(x, y)


class FlaxDecoder(nnx.Module):
    """The same model as Flax users write it: jnp.pad, jnp.repeat, jnp.mean and jnp.max."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(3, 4, kernel_size=(3, 3), padding="VALID", rngs=rngs)
        self.linear = nnx.Linear(8, 5, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jnp.pad(x, ((0, 0), (0, 1), (2, 3), (0, 0)))  # (9, 13, 3)
        x = jax.nn.relu(self.conv(x))  # (7, 11, 4)
        x = jnp.repeat(jnp.repeat(x, 2, axis=1), 1, axis=2)  # (14, 11, 4)
        x = jnp.concatenate([jnp.mean(x, axis=(1, 2)), jnp.max(x, axis=(1, 2))], axis=-1)
        return self.linear(x)


def test_a_model_computes_what_the_flax_model_computes_the_same_way() -> None:
    typed = typed_decoder()
    params = typed.init(jax.random.key(0))
    graphdef, state = nnx.split(FlaxDecoder(nnx.Rngs(1)))
    pure = nnx.to_pure_dict(state)
    pure["conv"], pure["linear"] = dict(params["conv2d"]), dict(params["dense"])
    nnx.replace_by_pure_dict(state, pure)

    def flax_forward(state: Any, x: jax.Array) -> jax.Array:
        out: jax.Array = nnx.merge(graphdef, state)(x)
        return out

    x = images_batch((4, 8, 8, 3), seed=3)
    np.testing.assert_allclose(typed.apply(params, x), jax.jit(flax_forward)(state, x), rtol=1e-6, atol=1e-6)
    batch = jax.ShapeDtypeStruct((4, 8, 8, 3), jnp.float32)
    typed_text = jax.jit(typed.lowered.apply).lower(params, batch).as_text()
    flax_text = jax.jit(flax_forward).lower(state, batch).as_text()
    assert any(op.startswith("stablehlo.pad") for op in operations(typed_text))
    assert operations(typed_text) == operations(flax_text)
    assert canonical_stablehlo(typed_text) == canonical_stablehlo(flax_text)


# ---------------------------------------------------------------------------- spec files

SPEC = """\
name: layers-2d
model:
  input: [8, 8, 3]
  layers:
    - zero_padding2d: [[0, 1], [2, 3]]
    - conv2d: {filters: 4, kernel: 3}
    - up_sampling2d: [2, 1]
    - {global_max_pool2d: {name: gmax}}
    - dense: 2
"""


def test_a_spec_names_the_layers(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    spec = read(path)
    assert repr(spec.model) == "Model((8, 8, 3) -> (2,))"
    assert spec.model.apply(spec.model.init(jax.random.key(0)), jnp.zeros((2, 8, 8, 3))).shape == (2, 2)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "- dense: 2",
            "- global_avg_pool2d",
            "spec.yaml:9:7 (global_avg_pool2d): GlobalAvgPool2D() expects a (height, width, channels) input, "
            "but receives (4,)",
        ),
        ("[2, 1]", "0", "spec.yaml:7:7 (up_sampling2d): UpSampling2D(size=0): size must be a positive int"),
        ("[[0, 1], [2, 3]]", "[1, 2, 3]", "spec.yaml:5:23 (zero_padding2d): zero_padding2d option 'padding' must be"),
    ],
)
def test_spec_errors_point_at_the_layer(tmp_path: Path, replace: str, by: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace(replace, by))
    with pytest.raises(tn.TypednnError) as info:
        read(path)
    assert message in str(info.value)
