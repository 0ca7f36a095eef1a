"""Conv2DTranspose and DepthwiseConv2D: rules, messages, rule == jax.eval_shape, numbers, specs.

The property tests draw `typednn.testing`'s cases and hold them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape.
Conv2D's own property test there already draws groups and dilation together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.lower.test_lowering import canonical_stablehlo, operations
from tests.shapes.test_rules_vs_jax import CANNOT_RUN, SEQ, lowered_shape, named_dims_hold
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, Conv2DTransposeHyper, DepthwiseConv2DHyper, Hyper, Shape, Symbol
from typednn._shapes._conv_transpose import unslide
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


def test_conv_transpose_upsamples_as_lax_conv_transpose() -> None:
    image = Shape.of(7, 7, 32)
    assert Conv2DTransposeHyper(filters=16, kernel=3, stride=2).output_shape(image) == Shape.of(15, 15, 16)
    assert Conv2DTransposeHyper(filters=16, kernel=3, stride=2, padding="same").output_shape(image) == Shape.of(
        14, 14, 16
    )
    assert Conv2DTransposeHyper(filters=4, kernel=3).output_shape(image) == Shape.of(9, 9, 4)
    # A dilated kernel spans more: 2 * (3 - 1) + 1 = 5.
    assert Conv2DTransposeHyper(filters=4, kernel=3, dilation=2).output_shape(image) == Shape.of(11, 11, 4)
    # A window shorter than the stride: JAX pads the output up to input * stride.
    assert Conv2DTransposeHyper(filters=4, kernel=(1, 2), stride=3).output_shape(image) == Shape.of(21, 21, 4)
    assert Conv2DTransposeHyper(filters=4, kernel=(3, 1), stride=(1, 2)).output_shape(image) == Shape.of(9, 14, 4)
    assert unslide(1, 1, 1, "valid") == 1


def test_depthwise_multiplies_the_channels() -> None:
    image = Shape.of(28, 28, 8)
    assert DepthwiseConv2DHyper(kernel=3).output_shape(image) == Shape.of(26, 26, 8)
    assert DepthwiseConv2DHyper(kernel=3, depth_multiplier=2).output_shape(image) == Shape.of(26, 26, 16)
    assert DepthwiseConv2DHyper(kernel=3, stride=2, padding="same").output_shape(image) == Shape.of(14, 14, 8)
    assert DepthwiseConv2DHyper(kernel=(3, 5), dilation=(1, 2)).output_shape(image) == Shape.of(26, 20, 8)


@pytest.mark.parametrize(
    ("hyper", "height", "width", "channels"),
    [
        # The size provably stays what it is: the symbol survives.
        (Conv2DTransposeHyper(filters=4, kernel=3, padding="same"), SEQ, TIME, 4),
        (Conv2DTransposeHyper(filters=4, kernel=1), SEQ, TIME, 4),
        (Conv2DTransposeHyper(filters=4, kernel=(1, 3)), SEQ, plus(TIME, 2), 4),
        (Conv2DTransposeHyper(filters=4, kernel=3, stride=2, padding="same"), times(SEQ, 2), times(TIME, 2), 4),
        (DepthwiseConv2DHyper(kernel=3, padding="same"), SEQ, TIME, SEQ),
        (DepthwiseConv2DHyper(kernel=3, padding="same", depth_multiplier=2), SEQ, TIME, times(SEQ, 2)),
        (DepthwiseConv2DHyper(kernel=3), plus(SEQ, -2), plus(TIME, -2), SEQ),
        # A stride that rounds depends on the size: unknown.
        (DepthwiseConv2DHyper(kernel=(1, 3), stride=(1, 2), padding="same"), SEQ, UNKNOWN, SEQ),
    ],
)
def test_symbols_survive_only_where_the_size_is_kept(hyper: Hyper, height: Any, width: Any, channels: Any) -> None:
    assert hyper.output_shape(Shape.of(SEQ, TIME, SEQ)) == Shape.of(height, width, channels)


def test_messages() -> None:
    error = rejection(DepthwiseConv2DHyper(kernel=3, dilation=2), Shape.of(4, 9, 3))
    assert (
        error.message == "DepthwiseConv2D(kernel=3, dilation=2) expects a height of at least 5, but receives (4, 9, 3)"
    )
    assert error.hint == "use padding='same', a smaller kernel, or less downsampling before this layer"
    error = rejection(DepthwiseConv2DHyper(kernel=3), Shape.of(28, 28))
    assert error.message == "DepthwiseConv2D(kernel=3) expects a (height, width, channels) input, but receives (28, 28)"
    assert error.hint == "DepthwiseConv2D takes NHWC images"
    error = rejection(Conv2DTransposeHyper(filters=8, kernel=3, in_channels=4), Shape.of(7, 7, 3))
    assert (
        error.message == "Conv2DTranspose(8, kernel=3, in_channels=4) expects 4 input channels, but receives (7, 7, 3)"
    )
    error = rejection(Conv2DTransposeHyper(filters=8, kernel=3), Shape.of(7, 7, 3, 1))
    assert error.message == (
        "Conv2DTranspose(8, kernel=3) expects a (height, width, channels) input, but receives (7, 7, 3, 1)"
    )
    error = rejection(DepthwiseConv2DHyper(kernel=3, in_channels=4), Shape.of(7, 7, 3))
    assert error.message == "DepthwiseConv2D(kernel=3, in_channels=4) expects 4 input channels, but receives (7, 7, 3)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.Conv2DTranspose(0, kernel=3), "Conv2DTranspose(0, kernel=3): filters must be a positive int"),  # type: ignore[typednn-param]
        (lambda: nn.Conv2DTranspose(4, kernel=0), "Conv2DTranspose(4, kernel=0): kernel must be a positive int"),  # type: ignore[typednn-param]
        (lambda: nn.Conv2DTranspose(4, kernel=3, stride=-1), "stride must be a positive int, but is -1"),  # type: ignore[typednn-param]
        (lambda: nn.Conv2DTranspose(4, kernel=3, dilation=(1, 0)), "dilation must be a positive int, but is (1, 0)"),  # type: ignore[typednn-param]
        (
            lambda: nn.Conv2DTranspose(4, kernel=(3, 3, 3)),  # type: ignore[arg-type]
            "kernel must be an int or a pair of ints, but is (3, 3, 3)",
        ),
        (
            lambda: nn.Conv2DTranspose(4, kernel=3, padding="SAME"),  # type: ignore[arg-type]
            "padding must be 'valid' or 'same', but is 'SAME'",
        ),
        (lambda: nn.Conv2DTranspose(4, kernel=3, in_channels=0), "in_channels must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.DepthwiseConv2D(0), "DepthwiseConv2D(kernel=0): kernel must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.DepthwiseConv2D(3, depth_multiplier=True), "depth_multiplier must be a positive int, but is True"),  # type: ignore[typednn-param]
        (lambda: nn.DepthwiseConv2D(3, stride=(2, 0)), "stride must be a positive int, but is (2, 0)"),  # type: ignore[typednn-param]
        (lambda: nn.DepthwiseConv2D((3,)), "kernel must be an int or a pair of ints, but is (3,)"),  # type: ignore[arg-type]
        (
            lambda: nn.DepthwiseConv2D(3, padding="full"),  # type: ignore[arg-type]
            "padding must be 'valid' or 'same', but is 'full'",
        ),
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_kinds_names_and_composition() -> None:
    layers = [nn.Conv2DTranspose(4, kernel=3, stride=2), nn.DepthwiseConv2D(3, depth_multiplier=2)]
    for layer, kind in zip(layers, ["conv2d_transpose", "depthwise_conv2d"], strict=True):
        found = kind_of(layer)
        assert found is not None and found.name == kind
        assert layer.default_name() == kind
    assert KINDS["conv2d_transpose"].main_option() == "filters"
    assert KINDS["depthwise_conv2d"].main_option() == "kernel"
    assert [repr(layer) for layer in layers] == [
        "Conv2DTranspose(4, kernel=3, stride=2)",
        "DepthwiseConv2D(kernel=3, depth_multiplier=2)",
    ]
    # An encoder-decoder: the transposed convolution undoes the strided one's shape change.
    block = nn.DepthwiseConv2D(3, padding="same", stride=2) >> nn.Conv2DTranspose(3, kernel=3, stride=2, padding="same")
    assert block(tn.Input(16, 16, 3)).shape == Shape.of(16, 16, 3)
    with pytest.raises(ShapeError, match=r"Conv2D\(8, kernel=3, in_channels=5\) expects 5 input channels"):
        tn.Input(9, 9, 3) >> nn.DepthwiseConv2D(3, depth_multiplier=2) >> nn.Conv2D(8, kernel=3, in_channels=5)  # type: ignore[typednn-shape]


# ---------------------------------------------------------------------------- rule == jax.eval_shape


CASES = {kind: layers(kind) for kind in ["conv2d_transpose", "depthwise_conv2d"]}


@pytest.mark.parametrize("kind", sorted(CASES))
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    case = data.draw(CASES[kind], label="case")
    (x,) = case.inputs
    if kind == "conv2d_transpose" and len(x) != 3:
        # lax.conv_transpose checks the rank with an `assert`, which `check` (rightly) does
        # not count as "cannot run"; the convention is the same, stated here.
        with pytest.raises(ShapeError, match="expects a \\(height, width, channels\\) input"):
            case.layer.output_shape(Shape.of(*x))
        with pytest.raises((AssertionError, *CANNOT_RUN)):
            lowered_shape(case.layer, case.inputs, case.param_inputs, False)
        return
    check_case(case, data)


@given(data=st.data())
def test_named_dims_are_kept_soundly(data: st.DataObject) -> None:
    """Where a rule keeps a named dim, the lowering keeps that size, whatever it is."""
    case = data.draw(st.one_of(*CASES.values()), label="case")
    if case.param_inputs is not None:  # a declared size stays a contract; nothing to relabel
        return
    named_dims_hold(case, data)


def test_valid_depthwise_refuses_an_image_smaller_than_the_dilated_kernel() -> None:
    layer = nn.DepthwiseConv2D(3, dilation=2)
    with pytest.raises(ShapeError, match="expects a height of at least 5"):
        layer(tn.Input(4, 8, 3))  # type: ignore[typednn-shape]
    # What JAX would do with it: an empty output, which is why the rule refuses it.
    assert lowered_shape(layer, ((4, 8, 3),), None, False)[1] == 0
    assert layer(tn.Input(5, 8, 3)).shape == Shape.of(1, 4, 3)  # type: ignore[typednn-shape]


# ---------------------------------------------------------------------------- numbers


def batch(shape: tuple[int, ...], seed: int = 0) -> jax.Array:
    return jax.random.normal(jax.random.key(seed), shape)


def forward(layer: Any, flax_layer: nnx.Module, x: jax.Array) -> tuple[jax.Array, jax.Array, str, str]:
    """The typed layer and the Flax layer on `x`, with the same parameters; and both jitted programs' text."""
    graphdef, state = nnx.split(flax_layer)
    params = dict(nnx.to_pure_dict(state))

    def typed_forward(params: Any, x: jax.Array) -> jax.Array:
        out: jax.Array = layer.apply(params, x, key=None, training=False)
        return out

    def flax_forward(state: Any, x: jax.Array) -> jax.Array:
        out: jax.Array = nnx.merge(graphdef, state)(x)
        return out

    typed_text = jax.jit(typed_forward).lower(params, x).as_text()
    flax_text = jax.jit(flax_forward).lower(state, x).as_text()
    return typed_forward(params, x), flax_forward(state, x), typed_text, flax_text


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "use_bias"),
    [(3, 2, "valid", 1, True), ((2, 3), (1, 2), "same", 1, True), (3, 3, "valid", 2, False), (1, 2, "valid", 1, True)],
)
def test_conv_transpose_equals_flax(
    kernel: Any, stride: Any, padding: Literal["valid", "same"], dilation: Any, use_bias: bool
) -> None:
    layer = nn.Conv2DTranspose(5, kernel=kernel, stride=stride, padding=padding, dilation=dilation, use_bias=use_bias)
    sizes = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    flax_layer = nnx.ConvTranspose(
        3,
        5,
        kernel_size=sizes,
        strides=stride,
        padding=padding.upper(),
        kernel_dilation=dilation,
        use_bias=use_bias,
        bias_init=jax.nn.initializers.normal(),
        rngs=nnx.Rngs(0),
    )
    x = batch((2, 6, 7, 3))
    params = jax.eval_shape(lambda key: layer.init(key, Shape.of(6, 7, 3)), jax.random.key(0))
    assert {k: v.shape for k, v in params.items()} == {"kernel": (*sizes, 3, 5), **({"bias": (5,)} if use_bias else {})}
    typed, reference, typed_text, flax_text = forward(layer, flax_layer, x)
    assert typed.shape == (2, *layer(tn.Input(6, 7, 3)).shape.dims)
    np.testing.assert_allclose(typed, reference, rtol=1e-5, atol=1e-5)
    assert operations(typed_text) == operations(flax_text)
    assert canonical_stablehlo(typed_text) == canonical_stablehlo(flax_text)


@pytest.mark.parametrize(
    ("kernel", "multiplier", "stride", "padding", "dilation"),
    [(3, 1, 1, "valid", 1), ((3, 2), 2, 2, "same", 1), (3, 3, (1, 2), "valid", (2, 1))],
)
def test_depthwise_equals_a_grouped_flax_conv(
    kernel: Any, multiplier: int, stride: Any, padding: Literal["valid", "same"], dilation: Any
) -> None:
    layer = nn.DepthwiseConv2D(kernel, depth_multiplier=multiplier, stride=stride, padding=padding, dilation=dilation)
    sizes = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    flax_layer = nnx.Conv(
        4,
        4 * multiplier,
        kernel_size=sizes,
        strides=stride,
        padding=padding.upper(),
        kernel_dilation=dilation,
        feature_group_count=4,
        bias_init=jax.nn.initializers.normal(),
        rngs=nnx.Rngs(0),
    )
    x = batch((2, 9, 8, 4), seed=1)
    params = jax.eval_shape(lambda key: layer.init(key, Shape.of(9, 8, 4)), jax.random.key(0))
    assert {k: v.shape for k, v in params.items()} == {"kernel": (*sizes, 1, 4 * multiplier), "bias": (4 * multiplier,)}
    typed, reference, typed_text, flax_text = forward(layer, flax_layer, x)
    assert typed.shape == (2, *layer(tn.Input(9, 8, 4)).shape.dims)
    np.testing.assert_allclose(typed, reference, rtol=1e-5, atol=1e-5)
    assert canonical_stablehlo(typed_text) == canonical_stablehlo(flax_text)


def test_depthwise_keeps_each_channel_apart() -> None:
    # Output channel i * m + j sees input channel i only (Keras's depthwise order).
    layer = nn.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    params = {"kernel": jnp.arange(1.0, 7.0).reshape(1, 1, 1, 6)}
    x = jnp.broadcast_to(jnp.array([1.0, 10.0, 100.0]), (1, 2, 2, 3))
    got = layer.apply(params, x, key=None, training=False)
    np.testing.assert_array_equal(got[0, 0, 0], [1.0, 2.0, 30.0, 40.0, 500.0, 600.0])


# ---------------------------------------------------------------------------- spec files

SPEC = """\
name: conv-extra
model:
  input: [8, 8, 3]
  layers:
    - depthwise_conv2d: {kernel: 3, depth_multiplier: 2, padding: same}
    - conv2d_transpose: {filters: 4, kernel: 3, stride: 2}
    - flatten
    - dense: 2
"""


def test_a_spec_names_the_layers(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    spec = read(path)
    assert repr(spec.model) == "Model((8, 8, 3) -> (2,))"
    params = spec.model.init(jax.random.key(0))
    assert params["conv2d_transpose"]["kernel"].shape == (3, 3, 6, 4)
    assert spec.model.apply(params, jnp.zeros((2, 8, 8, 3))).shape == (2, 2)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("kernel: 3, depth_multiplier: 2, padding: same", "kernel: 9, depth_multiplier: 2", None),
        ("depth_multiplier: 2", "depth_multiplier: 0", "DepthwiseConv2D(kernel=3, depth_multiplier=0"),
        ("filters: 4, kernel: 3", "filters: 4, kernel: 3, in_channels: 5", "expects 5 input channels"),
    ],
)
def test_spec_errors_point_at_the_layer(tmp_path: Path, replace: str, by: str, message: str | None) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace(replace, by))
    with pytest.raises(tn.TypednnError) as info:
        read(path)
    text = str(info.value)
    assert text.startswith("spec.yaml:") or "spec.yaml:" in text
    assert (message or "expects a height of at least 9") in text
