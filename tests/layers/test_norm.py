"""LayerNorm, RMSNorm and GroupNorm: rules, messages, parameters, numbers and programs against flax.nnx, specs.

The property tests draw `typednn.testing`'s cases and hold them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.lower.test_lowering import canonical_stablehlo, operations
from tests.shapes.test_rules_vs_jax import SEQ
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, GroupNormHyper, Hyper, LayerNormHyper, RMSNormHyper, Shape
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.testing import check_case, layers


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        hyper.output_shape(*inputs)
    return info.value


# ---------------------------------------------------------------------------- rules

ALL = [LayerNormHyper(), RMSNormHyper(epsilon=1e-5), GroupNormHyper(groups=2)]


@pytest.mark.parametrize("hyper", ALL, ids=repr)
@pytest.mark.parametrize(
    "shape",
    [Shape.of(8), Shape.of(128, 64), Shape.of(32, 32, 64), Shape.of(2, 3, 4, 6), Shape.of(SEQ, 16)],
    ids=repr,
)
def test_the_shape_stays(hyper: Hyper, shape: Shape) -> None:
    assert hyper.output_shape(shape) == shape


@pytest.mark.parametrize("hyper", ALL, ids=repr)
def test_less_known_shapes_stay_as_they_are(hyper: Hyper) -> None:
    # A named or unknown channel count cannot be checked here: no false positive (init needs it fixed).
    for shape in [Shape.of(4, SEQ), Shape.of(UNKNOWN), Shape.anything(), Shape((8,), open=True), Shape((SEQ, 8), True)]:
        assert hyper.output_shape(shape) == shape


@pytest.mark.parametrize(("hyper", "layer"), [(ALL[0], "LayerNorm()"), (ALL[1], "RMSNorm(epsilon=1e-05)")])
def test_an_input_without_axes_is_refused(hyper: Hyper, layer: str) -> None:
    error = rejection(hyper, Shape.of())
    assert error.message == f"{layer} expects at least one axis (the features), but receives ()"
    assert error.hint == "use Reshape to add a feature axis"


def test_group_norm_needs_groups_that_divide_the_channels() -> None:
    error = rejection(GroupNormHyper(groups=4), Shape.of(32, 32, 6))
    assert (
        error.message
        == "GroupNorm(groups=4) expects a channel count divisible by 4 (the groups), but receives (32, 32, 6)"
    )
    assert error.hint == "6 channels do not split into 4 equal groups; the groups must divide 6: 1, 2, 3, 6"
    assert rejection(GroupNormHyper(groups=3), Shape.of(100, 10)).actual == "(100, 10)"
    assert rejection(GroupNormHyper(groups=32), Shape.of(16)).message.startswith("GroupNorm(groups=32) expects")
    assert rejection(GroupNormHyper(groups=5), Shape((12,), open=True)).actual == "(..., 12)"
    error = rejection(GroupNormHyper(groups=2, epsilon=1e-5), Shape.of())
    assert (
        error.message == "GroupNorm(groups=2, epsilon=1e-05) expects at least one axis (the features), but receives ()"
    )
    # Groups from a runtime int cannot be checked: accepted.
    assert GroupNormHyper(groups=UNKNOWN).output_shape(Shape.of(4, 7)) == Shape.of(4, 7)


def test_an_unknown_epsilon_is_not_shown() -> None:
    # Floats have no Literal type: through mypy every epsilon is unknown; messages show the layer plainly.
    assert LayerNormHyper(epsilon=UNKNOWN).describe() == "LayerNorm()"
    assert GroupNormHyper(groups=4, epsilon=UNKNOWN, use_bias=False).describe() == "GroupNorm(groups=4, use_bias=False)"
    assert RMSNormHyper(epsilon=1e-5).describe() == "RMSNorm(epsilon=1e-05)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.GroupNorm(0), "GroupNorm(groups=0): groups must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.GroupNorm(-2), "GroupNorm(groups=-2): groups must be a positive int, but is -2"),  # type: ignore[typednn-param]
        (lambda: nn.GroupNorm(True), "GroupNorm(groups=True): groups must be a positive int, but is True"),  # type: ignore[typednn-param]
        (lambda: nn.GroupNorm(2.0), "GroupNorm(groups=2.0): groups must be a positive int, but is 2.0"),  # type: ignore[arg-type]
        (
            lambda: nn.LayerNorm(epsilon=-1e-6),  # type: ignore[typednn-param]
            "LayerNorm(epsilon=-1e-06): epsilon must be a number >= 0, but is -1e-06",
        ),
        (lambda: nn.RMSNorm(epsilon=float("nan")), "RMSNorm(epsilon=nan): epsilon must be a number >= 0, but is nan"),
        (lambda: nn.RMSNorm(epsilon=float("inf")), "epsilon must be a number >= 0, but is inf"),
        (lambda: nn.LayerNorm(epsilon=True), "LayerNorm(epsilon=True): epsilon must be a number >= 0, but is True"),  # type: ignore[typednn-param]
        (lambda: nn.GroupNorm(2, epsilon="small"), "epsilon must be a number >= 0, but is 'small'"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_epsilon_has_a_hint_and_zero_is_allowed() -> None:
    with pytest.raises(HyperparameterError) as info:
        nn.LayerNorm(epsilon=-1)  # type: ignore[typednn-param]
    assert info.value.hint == "epsilon is added to the variance before its square root; e.g. epsilon=1e-6"
    assert nn.LayerNorm(epsilon=0).hyper.epsilon == 0


def test_defaults_are_flax_nnx_defaults() -> None:
    assert LayerNormHyper().epsilon == nnx.LayerNorm(4, rngs=nnx.Rngs(0)).epsilon == 1e-6
    assert RMSNormHyper().epsilon == nnx.RMSNorm(4, rngs=nnx.Rngs(0)).epsilon
    assert GroupNormHyper(groups=2).epsilon == nnx.GroupNorm(4, num_groups=2, rngs=nnx.Rngs(0)).epsilon


def test_layers_compose_and_fail_where_the_block_is_written() -> None:
    block = nn.Conv2D(8, kernel=3) >> nn.GroupNorm(4) >> nn.relu >> nn.Flatten() >> nn.Dense(16) >> nn.LayerNorm()
    assert block(tn.Input(6, 6, 3)).shape == Shape.of(16)
    with pytest.raises(ShapeError, match=r"GroupNorm\(groups=3\) expects a channel count divisible by 3"):
        nn.Dense(8) >> nn.GroupNorm(3)  # type: ignore[typednn-shape]
    named = nn.GroupNorm(4, name="norm")
    with pytest.raises(ShapeError, match=r"^norm: GroupNorm\(groups=4\) expects"):
        named(tn.Input(4, 6))  # type: ignore[typednn-shape]


def test_kinds_and_default_names() -> None:
    layers = [nn.LayerNorm(), nn.RMSNorm(), nn.GroupNorm(4)]
    kinds = ["layer_norm", "rms_norm", "group_norm"]
    for layer, kind in zip(layers, kinds, strict=True):
        found = kind_of(layer)
        assert found is not None and found.name == kind
        assert layer.default_name() == kind
        assert layer.has_params
    assert KINDS["group_norm"].main_option() == "groups"
    assert KINDS["layer_norm"].main_option() is None
    assert [repr(layer) for layer in layers] == ["LayerNorm()", "RMSNorm()", "GroupNorm(groups=4)"]


# ---------------------------------------------------------------------------- rule == jax.eval_shape


@pytest.mark.parametrize("kind", ["group_norm", "layer_norm", "rms_norm"])
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind), label="case"), data)


# ---------------------------------------------------------------------------- parameters and numbers

FLAX: dict[str, Callable[..., nnx.Module]] = {
    "layer_norm": lambda n, **o: nnx.LayerNorm(n, rngs=nnx.Rngs(0), **o),
    "rms_norm": lambda n, **o: nnx.RMSNorm(n, rngs=nnx.Rngs(0), **o),
    "group_norm": lambda n, groups, **o: nnx.GroupNorm(n, num_groups=groups, rngs=nnx.Rngs(0), **o),
}
# (typed layer, the same flax.nnx module's kind and options)
TWINS = [
    (nn.LayerNorm(), "layer_norm", {}),
    (nn.LayerNorm(epsilon=1e-3, use_bias=False), "layer_norm", {"epsilon": 1e-3, "use_bias": False}),
    (nn.LayerNorm(use_scale=False), "layer_norm", {"use_scale": False}),
    (nn.LayerNorm(use_bias=False, use_scale=False), "layer_norm", {"use_bias": False, "use_scale": False}),
    (nn.RMSNorm(), "rms_norm", {}),
    (nn.RMSNorm(epsilon=1e-5, use_scale=False), "rms_norm", {"epsilon": 1e-5, "use_scale": False}),
    (nn.GroupNorm(4), "group_norm", {"groups": 4}),
    (nn.GroupNorm(1, epsilon=1e-5), "group_norm", {"groups": 1, "epsilon": 1e-5}),
    (nn.GroupNorm(8, use_bias=False), "group_norm", {"groups": 8, "use_bias": False}),
]
TWIN_IDS = [repr(layer) for layer, _, _ in TWINS]
FEATURES = 8
BATCHES = [(3, FEATURES), (3, 5, FEATURES), (2, 5, 7, FEATURES)]  # (features,), NLC, NHWC


def flax_twin(kind: str, options: dict[str, Any]) -> nnx.Module:
    module: nnx.Module = FLAX[kind](FEATURES, **options)
    return module


def random_params(params: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """Parameters away from their initial ones and zeros, so that scale and bias show in the numbers."""
    keys = dict(zip(sorted(params), jax.random.split(jax.random.key(7), 2), strict=False))
    return {name: value + jax.random.normal(keys[name], value.shape) for name, value in params.items()}


@pytest.mark.parametrize(("layer", "kind", "options"), TWINS, ids=TWIN_IDS)
def test_parameters_are_flax_nnx_parameters(layer: Any, kind: str, options: dict[str, Any]) -> None:
    params = layer.init(jax.random.key(0), Shape.of(5, FEATURES))
    flax_params = nnx.to_pure_dict(nnx.state(flax_twin(kind, options), nnx.Param))
    assert set(params) == set(flax_params)
    for name, value in params.items():
        assert value.dtype == flax_params[name].dtype == jnp.float32
        np.testing.assert_array_equal(value, flax_params[name])


@pytest.mark.parametrize("shape", BATCHES, ids=str)
@pytest.mark.parametrize(("layer", "kind", "options"), TWINS, ids=TWIN_IDS)
def test_numbers_and_programs_are_flax_nnx(layer: Any, kind: str, options: dict[str, Any], shape: Any) -> None:
    graphdef, state = nnx.split(flax_twin(kind, options))
    params = random_params(layer.init(jax.random.key(0), Shape.of(*shape[1:])))
    nnx.replace_by_pure_dict(state, params)

    def typed(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
        out: jax.Array = layer.apply(params, x, key=None, training=False)
        return out

    def flax(state: Any, x: jax.Array) -> jax.Array:
        out: jax.Array = nnx.merge(graphdef, state)(x)
        return out

    x = 3.0 * jax.random.normal(jax.random.key(1), shape) + 1.0
    np.testing.assert_array_equal(jax.jit(typed)(params, x), jax.jit(flax)(state, x))
    typed_text = jax.jit(typed).lower(params, x).as_text()
    flax_text = jax.jit(flax).lower(state, x).as_text()
    assert any(op.startswith("stablehlo.rsqrt") for op in operations(typed_text))
    assert canonical_stablehlo(typed_text) == canonical_stablehlo(flax_text)


def test_the_numbers_are_the_textbook_formulas() -> None:
    x = np.asarray(jax.random.normal(jax.random.key(2), (2, 3, 4, 6)), dtype=np.float64)

    def run(layer: Any) -> np.ndarray:
        params = layer.init(jax.random.key(0), Shape.of(3, 4, 6))
        apply = jax.jit(lambda p, x: layer.apply(p, x, key=None, training=False))
        return np.asarray(apply(params, jnp.asarray(x, jnp.float32)))

    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(run(nn.LayerNorm()), (x - mean) / np.sqrt(var + 1e-6), rtol=1e-4, atol=1e-5)
    rms = np.sqrt((x**2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(run(nn.RMSNorm()), x / rms, rtol=1e-4, atol=1e-5)
    grouped = x.reshape(2, 3, 4, 3, 2)  # 3 groups of 2 channels, statistics over height, width and the group
    mean, var = grouped.mean((1, 2, 4), keepdims=True), grouped.var((1, 2, 4), keepdims=True)
    expected = ((grouped - mean) / np.sqrt(var + 1e-6)).reshape(x.shape)
    np.testing.assert_allclose(run(nn.GroupNorm(3)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("layer", "kind", "options"), [TWINS[0], TWINS[4], TWINS[6]], ids=[TWIN_IDS[0], TWIN_IDS[4], TWIN_IDS[6]]
)
def test_half_precision_inputs_keep_float32_statistics_as_flax_does(
    layer: Any, kind: str, options: dict[str, Any]
) -> None:
    x = jax.random.normal(jax.random.key(3), (2, 4, 8)).astype(jnp.bfloat16)
    graphdef, state = nnx.split(flax_twin(kind, options))
    params = layer.init(jax.random.key(0), Shape.of(4, FEATURES))
    got = jax.jit(lambda p, x: layer.apply(p, x, key=None, training=False))(params, x)
    want = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x))(state, x)
    assert got.dtype == want.dtype == jnp.float32  # flax promotes to the float32 parameters' dtype
    np.testing.assert_array_equal(got, want)


def test_a_named_channel_axis_cannot_make_parameters() -> None:
    with pytest.raises(tn.TypednnError, match=r"LayerNorm\(\): the features must be a fixed size"):
        nn.LayerNorm().init(jax.random.key(0), Shape.of(4, SEQ))


def typed_block() -> tn.Model[Any, Any]:
    x = tn.Input(6, 6, 3)
    h = x >> nn.Conv2D(8, kernel=3) >> nn.GroupNorm(4) >> nn.relu >> nn.GlobalAvgPool2D()
    y = h >> nn.Dense(16) >> nn.LayerNorm() >> nn.gelu >> nn.Dense(16) >> nn.RMSNorm() >> nn.Dense(3)
    return tn.Model(x, y)


class FlaxBlock(nnx.Module):
    """The same model as Flax users write it."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(3, 8, kernel_size=(3, 3), padding="VALID", rngs=rngs)
        self.group_norm = nnx.GroupNorm(8, num_groups=4, rngs=rngs)
        self.dense = nnx.Linear(8, 16, rngs=rngs)
        self.layer_norm = nnx.LayerNorm(16, rngs=rngs)
        self.dense_1 = nnx.Linear(16, 16, rngs=rngs)
        self.rms_norm = nnx.RMSNorm(16, rngs=rngs)
        self.dense_2 = nnx.Linear(16, 3, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jax.nn.relu(self.group_norm(self.conv(x))).mean(axis=(1, 2))
        x = jax.nn.gelu(self.layer_norm(self.dense(x)))
        return self.dense_2(self.rms_norm(self.dense_1(x)))


def test_a_model_computes_what_the_flax_model_computes_the_same_way() -> None:
    typed = typed_block()
    params = typed.init(jax.random.key(0))
    graphdef, state = nnx.split(FlaxBlock(nnx.Rngs(1)))
    pure = nnx.to_pure_dict(state)
    names = {"conv": "conv2d", "group_norm": "group_norm", "dense": "dense", "layer_norm": "layer_norm"}
    names |= {"dense_1": "dense_1", "rms_norm": "rms_norm", "dense_2": "dense_2"}
    assert set(params) == set(names.values())
    for flax_name, typed_name in names.items():
        pure[flax_name] = dict(params[typed_name])
    nnx.replace_by_pure_dict(state, pure)

    def flax_forward(state: Any, x: jax.Array) -> jax.Array:
        out: jax.Array = nnx.merge(graphdef, state)(x)
        return out

    x = jax.random.normal(jax.random.key(3), (4, 6, 6, 3))
    got = jax.jit(typed.lowered.apply)(params, x)
    np.testing.assert_allclose(got, jax.jit(flax_forward)(state, x), rtol=1e-6, atol=1e-6)
    batch = jax.ShapeDtypeStruct((4, 6, 6, 3), jnp.float32)
    typed_text = jax.jit(typed.lowered.apply).lower(params, batch).as_text()
    flax_text = jax.jit(flax_forward).lower(state, batch).as_text()
    assert operations(typed_text) == operations(flax_text)
    assert canonical_stablehlo(typed_text) == canonical_stablehlo(flax_text)


# ---------------------------------------------------------------------------- spec files

SPEC = """\
name: norms
model:
  input: [8, 8, 3]
  layers:
    - conv2d: {filters: 8, kernel: 3}
    - group_norm: 4
    - relu
    - global_avg_pool2d
    - dense: 16
    - layer_norm
    - rms_norm: {epsilon: 1.0e-5, use_scale: false}
    - dense: 2
"""


def test_a_spec_names_the_layers(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    spec = read(path)
    assert repr(spec.model) == "Model((8, 8, 3) -> (2,))"
    params = spec.model.init(jax.random.key(0))
    assert {name: sorted(p) for name, p in params.items() if "norm" in name} == {
        "group_norm": ["bias", "scale"],
        "layer_norm": ["bias", "scale"],
    }
    assert spec.model.apply(params, jnp.ones((2, 8, 8, 3))).shape == (2, 2)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "group_norm: 4",
            "group_norm: 3",
            "spec.yaml:6:7 (group_norm): GroupNorm(groups=3) expects a channel count divisible by 3 (the groups), "
            "but receives (6, 6, 8)",
        ),
        (
            "group_norm: 4",
            "group_norm: 0",
            "spec.yaml:6:7 (group_norm): GroupNorm(groups=0): groups must be a positive",
        ),
        ("epsilon: 1.0e-5", "epsilon: -1.0", "RMSNorm(epsilon=-1.0, use_scale=False): epsilon must be a number >= 0"),
        (
            "- layer_norm",
            "- layer_norm: {use_bias: 3}",
            "spec.yaml:10:30 (layer_norm): layer_norm option 'use_bias' must be bool, but is 3",
        ),
    ],
)
def test_spec_errors_point_at_the_layer(tmp_path: Path, replace: str, by: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace(replace, by))
    with pytest.raises(tn.TypednnError) as info:
        read(path)
    assert message in str(info.value)
