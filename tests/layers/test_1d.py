"""Conv1D, MaxPool1D and AvgPool1D: their rules, the rules against JAX, the lowering against Flax.

The 1-D layers share the N-axis rules and lowerings of Conv2D and the 2-D pools
(`_shapes/_window.py`'s `WindowHyper`); these tests pin the 1-D face of them: NLC
inputs, int-only per-axis hyperparameters, messages naming the length.
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
from tests.lower.test_lowering import canonical_stablehlo
from tests.shapes.test_rules_vs_jax import SEQ, at, compatible, lowered_shape, size, small
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import (
    UNKNOWN,
    AvgPool1DHyper,
    Conv1DHyper,
    Hyper,
    MaxPool1DHyper,
    Shape,
)
from typednn._shapes._dims import plus
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.testing import check_case, layers


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as caught:
        hyper.output_shape(*inputs)
    return caught.value


# ---------------------------------------------------------------------------- rules


def test_conv1d_rule() -> None:
    assert Conv1DHyper(filters=16, kernel=3).output_shape(Shape.of(100, 8)) == Shape.of(98, 16)
    assert Conv1DHyper(filters=16, kernel=5, stride=2).output_shape(Shape.of(100, 8)) == Shape.of(48, 16)
    assert Conv1DHyper(filters=4, kernel=3, dilation=4).output_shape(Shape.of(100, 8)) == Shape.of(92, 4)
    assert Conv1DHyper(filters=4, kernel=3, stride=3, padding="same").output_shape(Shape.of(100, 8)) == Shape.of(34, 4)
    assert Conv1DHyper(filters=4, kernel=5).output_shape(Shape.of(5, 1)) == Shape.of(1, 4)
    assert Conv1DHyper(filters=UNKNOWN, kernel=3).output_shape(Shape.of(5, 1)) == Shape.of(3, UNKNOWN)
    # A block composed before it is applied: an open shape gives an unknown length.
    assert Conv1DHyper(filters=4, kernel=3).output_shape(Shape.anything()) == Shape.of(UNKNOWN, 4)


def test_conv1d_rejections_name_the_layer_the_length_and_the_input() -> None:
    error = rejection(Conv1DHyper(filters=8, kernel=7), Shape.of(5, 1))
    assert str(error).startswith("Conv1D(8, kernel=7) expects a length of at least 7, but receives (5, 1)")
    assert error.hint == "use padding='same', a smaller kernel, or less downsampling before this layer"
    error = rejection(Conv1DHyper(filters=8, kernel=3, dilation=4), Shape.of(8, 1))
    assert "Conv1D(8, kernel=3, dilation=4) expects a length of at least 9, but receives (8, 1)" in str(error)
    error = rejection(Conv1DHyper(filters=8, kernel=3), Shape.of(28, 28, 1))
    assert "Conv1D(8, kernel=3) expects a (length, channels) input, but receives (28, 28, 1)" in str(error)
    assert error.hint == "Conv1D takes NLC sequences"
    error = rejection(Conv1DHyper(filters=8, kernel=3, in_channels=3), Shape.of(10, 4))
    assert "expects 3 input channels, but receives (10, 4)" in str(error)
    error = rejection(Conv1DHyper(filters=6, kernel=3, groups=3), Shape.of(10, 4))
    assert "expects input channels divisible by groups=3, but receives (10, 4)" in str(error)


def test_pool1d_rule() -> None:
    assert MaxPool1DHyper(window=4).output_shape(Shape.of(100, 16)) == Shape.of(25, 16)
    assert MaxPool1DHyper(window=3).output_shape(Shape.of(100, 16)) == Shape.of(33, 16)
    assert AvgPool1DHyper(window=3, stride=1).output_shape(Shape.of(10, 2)) == Shape.of(8, 2)
    assert AvgPool1DHyper(window=3, stride=2, padding="same").output_shape(Shape.of(7, 2)) == Shape.of(4, 2)
    assert MaxPool1DHyper(window=2).strides() == (2,)
    assert MaxPool1DHyper(window=2, stride=1).strides() == (1,)
    error = rejection(MaxPool1DHyper(window=4), Shape.of(2, 8))
    assert str(error).startswith("MaxPool1D(window=4) expects a length of at least 4, but receives (2, 8)")
    assert error.hint == "remove a pooling layer or use padding='same'"
    error = rejection(AvgPool1DHyper(window=2), Shape.of(8, 8, 3))
    assert "AvgPool1D(window=2) expects a (length, channels) input, but receives (8, 8, 3)" in str(error)


@pytest.mark.parametrize(
    ("hyper", "length"),
    [
        (Conv1DHyper(filters=4, kernel=3, padding="same"), SEQ),
        (Conv1DHyper(filters=4, kernel=1), SEQ),
        (Conv1DHyper(filters=4, kernel=1, dilation=3), SEQ),
        (AvgPool1DHyper(window=3, stride=1, padding="same"), SEQ),
        (MaxPool1DHyper(window=1), SEQ),
        (Conv1DHyper(filters=4, kernel=3), plus(SEQ, -2)),
        (MaxPool1DHyper(window=2, stride=1), plus(SEQ, -1)),
        (Conv1DHyper(filters=4, kernel=3, stride=2, padding="same"), UNKNOWN),
        (MaxPool1DHyper(window=2), UNKNOWN),
    ],
)
def test_a_named_length_survives_only_where_it_provably_stays(hyper: Hyper, length: object) -> None:
    assert hyper.output_shape(Shape.of(SEQ, 4)).dims[0] == length


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.Conv1D(8, kernel=0), "Conv1D(8, kernel=0): kernel must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.Conv1D(8, kernel=3, stride=0), "Conv1D(8, kernel=3, stride=0): stride must be a positive int"),  # type: ignore[typednn-param]
        (lambda: nn.Conv1D(8, kernel=3, groups=3), "Conv1D(8, kernel=3, groups=3): filters (8) must be divisible"),  # type: ignore[typednn-param]
        (
            lambda: nn.Conv1D(8, kernel=3, in_channels=3, groups=2),  # type: ignore[typednn-param]
            "in_channels (3) must be divisible by groups (2)",
        ),
        (lambda: nn.Conv1D(8, kernel=(3,)), "Conv1D(8, kernel=(3,)): kernel must be an int, but is (3,)"),  # type: ignore[arg-type]
        (lambda: nn.Conv1D(8, kernel=3, dilation=(1, 2)), "dilation must be an int, but is (1, 2)"),  # type: ignore[arg-type]
        (lambda: nn.Conv1D(8, kernel=3, padding="SAME"), "padding must be 'valid' or 'same', but is 'SAME'"),  # type: ignore[arg-type]
        (lambda: nn.MaxPool1D(0), "MaxPool1D(window=0): window must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.AvgPool1D(2, stride=-1), "AvgPool1D(window=2, stride=-1): stride must be a positive int"),  # type: ignore[typednn-param]
        (lambda: nn.MaxPool1D((2, 2)), "MaxPool1D(window=(2, 2)): window must be an int, but is (2, 2)"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(build: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as caught:
        build()
    assert message in str(caught.value)


def test_the_layers_in_a_model() -> None:
    x = tn.Input(100, 8)
    h = x >> nn.Conv1D(32, kernel=5, padding="same") >> nn.relu >> nn.MaxPool1D(2)
    h = h >> nn.Conv1D(64, kernel=3, in_channels=32) >> nn.AvgPool1D(4)
    assert h.shape == Shape.of(12, 64)
    model = tn.Model(x, h >> nn.Flatten() >> nn.Dense(10))
    params = model.init(jax.random.key(0))
    assert params["conv1d"]["kernel"].shape == (5, 8, 32)
    assert params["conv1d_1"]["kernel"].shape == (3, 32, 64)
    assert model.lowered.apply(params, jnp.ones((2, 100, 8))).shape == (2, 10)
    with pytest.raises(ShapeError, match=r"conv1d: Conv1D\(8, kernel=3\) expects a length of at least 3"):
        tn.Input(2, 4) >> nn.Conv1D(8, kernel=3, name="conv1d")  # type: ignore[typednn-shape]


def test_kinds_build_the_layers_and_name_them() -> None:
    assert KINDS["conv1d"].main_option() == "filters"
    assert KINDS["max_pool1d"].main_option() == "window"
    layer = KINDS["conv1d"].build({"filters": 8, "kernel": 3, "stride": 2}, name=None)
    assert isinstance(layer, nn.Conv1D)
    assert repr(layer) == "Conv1D(8, kernel=3, stride=2)"
    for made, kind in [(layer, "conv1d"), (nn.MaxPool1D(2), "max_pool1d"), (nn.AvgPool1D(2), "avg_pool1d")]:
        found = kind_of(made)
        assert found is not None and found.name == kind
        assert made.default_name() == kind


PADDINGS: tuple[Literal["valid", "same"], ...] = ("valid", "same")


SPEC = """\
name: seq
model:
  input: [64, 4]
  layers:
    - conv1d: {filters: 8, kernel: 5, padding: same}
    - relu
    - max_pool1d: 2
    - conv1d: {filters: 8, kernel: 3, stride: 2, groups: 2, in_channels: 8, use_bias: false}
    - avg_pool1d: {window: 3, stride: 1, padding: same}
    - flatten
    - dense: 3
"""


def test_a_spec_names_the_kinds(tmp_path: Path) -> None:
    (tmp_path / "seq.yaml").write_text(SPEC)
    model = read(tmp_path / "seq.yaml").model
    assert model.outputs.shape == Shape.of(3)
    assert [type(layer).__name__ for layer in model.graph.layers()][:5] == [
        "Conv1D",
        "Activation",
        "MaxPool1D",
        "Conv1D",
        "AvgPool1D",
    ]
    (tmp_path / "bad.yaml").write_text(SPEC.replace("max_pool1d: 2", "max_pool1d: 65"))
    with pytest.raises(ShapeError, match=r"bad.yaml:7:7 \(max_pool1d\): MaxPool1D\(window=65\) expects a length"):
        read(tmp_path / "bad.yaml")
    (tmp_path / "pair.yaml").write_text(SPEC.replace("kernel: 5", "kernel: [5, 5]"))
    with pytest.raises(HyperparameterError, match="conv1d option 'kernel' must be int"):
        read(tmp_path / "pair.yaml")


# ---------------------------------------------------------------------------- rules vs JAX


@given(data=st.data())
def test_conv1d_rule_is_what_jax_computes(data: st.DataObject) -> None:
    check_case(data.draw(layers("conv1d")), data)


@pytest.mark.parametrize("pool", [nn.MaxPool1D, nn.AvgPool1D])
@given(data=st.data())
def test_pool1d_rule_is_what_jax_computes(pool: Any, data: st.DataObject) -> None:
    check_case(data.draw(layers(pool)), data)


@given(data=st.data())
def test_a_kept_length_is_the_length_jax_keeps(data: st.DataObject) -> None:
    window = data.draw(small, label="window")
    stride = data.draw(st.integers(1, 2), label="stride")
    padding = data.draw(st.sampled_from(PADDINGS), label="padding")
    layer = data.draw(
        st.sampled_from(
            [
                nn.Conv1D(4, kernel=window, stride=stride, padding=padding),
                nn.MaxPool1D(window, stride=stride, padding=padding),
                nn.AvgPool1D(window, stride=stride, padding=padding),
            ]
        ),
        label="layer",
    )
    length, channels = data.draw(size, label="length"), data.draw(size, label="channels")
    symbolic = layer.output_shape(Shape.of(SEQ, channels))
    answer = symbolic.dims[0]
    assert answer in (SEQ, UNKNOWN) or getattr(answer, "symbol", None) == SEQ, answer
    try:
        concrete = layer.output_shape(Shape.of(length, channels))
    except ShapeError:
        # Only a valid window can be too long; then the claim is no size for this length.
        assert answer != SEQ
        return
    assert compatible(Shape((UNKNOWN, *symbolic.dims[1:])), concrete)
    if answer is not UNKNOWN:
        assert lowered_shape(layer, ((length, channels),), None, False)[1] == at(answer, length)


# ---------------------------------------------------------------------------- lowering vs Flax


@pytest.mark.parametrize(
    "options",
    [
        {"kernel": 3},
        {"kernel": 5, "stride": 2, "padding": "same"},
        {"kernel": 3, "dilation": 2, "groups": 2, "use_bias": False},
        {"kernel": 4, "stride": 3, "dilation": 2, "padding": "same", "groups": 4},
    ],
)
def test_conv1d_computes_what_flax_nnx_conv_computes(options: dict[str, Any]) -> None:
    layer = nn.Conv1D(8, in_channels=4, **options)
    flax = nnx.Conv(
        4,
        8,
        kernel_size=(options["kernel"],),
        strides=options.get("stride", 1),
        padding=options.get("padding", "valid").upper(),
        kernel_dilation=options.get("dilation", 1),
        feature_group_count=options.get("groups", 1),
        use_bias=options.get("use_bias", True),
        rngs=nnx.Rngs(0),
    )
    params = layer.init(jax.random.key(1), Shape.of(21, 4))
    assert params["kernel"].shape == flax.kernel.shape
    # Random parameters (the bias too: Flax's default initial bias is zero, which would hide a misplaced one).
    flax.kernel.set_value(params["kernel"])
    if "bias" in params:
        params["bias"] = jax.random.normal(jax.random.key(2), params["bias"].shape)
        assert flax.bias is not None
        flax.bias.set_value(params["bias"])
    x = jax.random.normal(jax.random.key(3), (3, 21, 4))
    typed = layer.apply(params, x, key=None, training=False)
    np.testing.assert_allclose(typed, flax(x), rtol=1e-6, atol=1e-6)
    # The jitted programs are the same program, attributes included.
    graphdef, state = nnx.split(flax)
    spec = jax.ShapeDtypeStruct(x.shape, jnp.float32)
    ours = jax.jit(lambda p, v: layer.apply(p, v, key=None, training=False)).lower(params, spec).as_text()
    theirs = jax.jit(lambda s, v: nnx.merge(graphdef, s)(v)).lower(state, spec).as_text()
    assert canonical_stablehlo(ours) == canonical_stablehlo(theirs)


@pytest.mark.parametrize(
    ("window", "stride", "padding"), [(2, None, "valid"), (3, 1, "valid"), (3, 2, "same"), (4, 3, "same")]
)
def test_pools_compute_what_flax_nnx_pools_compute(
    window: int, stride: int | None, padding: Literal["valid", "same"]
) -> None:
    x = jax.random.normal(jax.random.key(0), (3, 17, 5))
    strides = (window if stride is None else stride,)
    for typed, flax in [
        (nn.MaxPool1D(window, stride=stride, padding=padding), nnx.max_pool),
        (nn.AvgPool1D(window, stride=stride, padding=padding), nnx.avg_pool),
    ]:
        ours = typed.apply({}, x, key=None, training=False)
        theirs = flax(x, (window,), strides=strides, padding=padding.upper())  # type: ignore[no-untyped-call]
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
        assert ours.shape == (3, *typed.output_shape(Shape.of(17, 5)).dims)
