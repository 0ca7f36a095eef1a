"""MultiHeadAttention: its rule, the rule against JAX, the lowering against flax.nnx.MultiHeadAttention.

The property test draws `typednn.testing`'s cases and holds them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape; causal
masks and dropout are drawn too, so the masked and the dropped paths are traced.
"""

from __future__ import annotations

from functools import partial
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
from tests.lower.test_lowering import canonical_stablehlo
from tests.shapes.test_rules_vs_jax import KEY, SEQ
from typednn import HyperparameterError, ShapeError, TypednnError, nn
from typednn._shapes import UNKNOWN, MultiHeadAttentionHyper, Shape
from typednn.cli import main
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.testing import check_case, layers

MHA = MultiHeadAttentionHyper


def rejection(hyper: MultiHeadAttentionHyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as caught:
        hyper.output_shape(*inputs)
    return caught.value


# ---------------------------------------------------------------------------- rules


def test_the_rule_keeps_the_sequence_and_gives_out_features() -> None:
    assert MHA(heads=8).output_shape(Shape.of(10, 64)) == Shape.of(10, 64)
    assert MHA(heads=4, qkv_features=32).output_shape(Shape.of(10, 64)) == Shape.of(10, 64)
    assert MHA(heads=4, out_features=16).output_shape(Shape.of(10, 64)) == Shape.of(10, 16)
    assert MHA(heads=5, qkv_features=10, causal=True).output_shape(Shape.of(1, 7)) == Shape.of(1, 7)
    # A named sequence length flows through unchanged; so does a named feature axis.
    assert MHA(heads=2).output_shape(Shape.of(SEQ, 8)) == Shape.of(SEQ, 8)
    assert MHA(heads=2, out_features=3).output_shape(Shape.of(8, SEQ)) == Shape.of(8, 3)
    assert MHA(heads=2).output_shape(Shape.of(8, SEQ)) == Shape.of(8, SEQ)
    # Less knowledge never rejects: unknown features, or a block composed before it is applied.
    assert MHA(heads=3).output_shape(Shape.of(4, UNKNOWN)) == Shape.of(4, UNKNOWN)
    assert MHA(heads=3).output_shape(Shape.anything()) == Shape.of(UNKNOWN, UNKNOWN)
    assert MHA(heads=3, out_features=6).output_shape(Shape((9,), open=True)) == Shape.of(UNKNOWN, 6)


def test_heads_must_divide_the_input_features_when_qkv_features_defaults_to_them() -> None:
    error = rejection(MHA(heads=5), Shape.of(10, 64))
    assert str(error).startswith(
        "MultiHeadAttention(heads=5) expects qkv_features (64, the input features) divisible by heads (5),"
        " but receives (10, 64)"
    )
    assert error.hint == "give qkv_features= a multiple of 5, or a number of heads that divides 64"
    # An open shape still knows its features.
    assert "divisible by heads (3)" in str(rejection(MHA(heads=3), Shape((8,), open=True)))


@pytest.mark.parametrize("dims", [(), (64,), (4, 10, 64), (2, 3, 4, 5)])
def test_the_input_must_be_a_sequence_of_feature_vectors(dims: tuple[int, ...]) -> None:
    error = rejection(MHA(heads=4, causal=True), Shape.of(*dims))
    expected = "MultiHeadAttention(heads=4, causal=True) expects a (sequence, features) input, but receives"
    assert str(error).startswith(f"{expected} {Shape.of(*dims)!r}")
    assert error.hint == "attention mixes the positions of the first axis; Reshape to (sequence, features) first"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: nn.MultiHeadAttention(0), "MultiHeadAttention(heads=0): heads must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (
            lambda: nn.MultiHeadAttention(5, qkv_features=64),  # type: ignore[typednn-param]
            "MultiHeadAttention(heads=5, qkv_features=64): qkv_features (64) must be divisible by heads (5)",
        ),
        (lambda: nn.MultiHeadAttention(2, qkv_features=0), "qkv_features must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.MultiHeadAttention(2, out_features=-3), "out_features must be a positive int, but is -3"),  # type: ignore[typednn-param]
        (lambda: nn.MultiHeadAttention(2, dropout_rate=1.0), "dropout_rate must be in [0, 1), but is 1.0"),  # type: ignore[typednn-param]
        (lambda: nn.MultiHeadAttention(2, dropout_rate=-0.1), "dropout_rate must be in [0, 1), but is -0.1"),  # type: ignore[typednn-param]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(build: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as caught:
        build()
    assert message in str(caught.value)


def test_the_layer_in_a_model() -> None:
    x = tn.Input(12, 16)
    h = x >> nn.MultiHeadAttention(4, causal=True) >> nn.relu
    h = h >> nn.MultiHeadAttention(2, qkv_features=8, out_features=6, use_bias=False, dropout_rate=0.1)
    assert h.shape == Shape.of(12, 6)
    model = tn.Model(x, h >> nn.Flatten() >> nn.Dense(3))
    params = jax.eval_shape(model.init, jax.random.key(0))  # shapes are what this test is about
    assert {name: a.shape for name, a in params["multi_head_attention"].items()} == {
        "query_kernel": (16, 4, 4),
        "query_bias": (4, 4),
        "key_kernel": (16, 4, 4),
        "key_bias": (4, 4),
        "value_kernel": (16, 4, 4),
        "value_bias": (4, 4),
        "out_kernel": (4, 4, 16),
        "out_bias": (16,),
    }
    assert {name: a.shape for name, a in params["multi_head_attention_1"].items()} == {
        "query_kernel": (16, 2, 4),
        "key_kernel": (16, 2, 4),
        "value_kernel": (16, 2, 4),
        "out_kernel": (2, 4, 6),
    }
    xs = jax.ShapeDtypeStruct((2, 12, 16), jnp.float32)
    assert jax.eval_shape(model.lowered.apply, params, xs).shape == (2, 3)
    training = jax.eval_shape(lambda p, v, k: model.lowered.apply(p, v, key=k, training=True), params, xs, KEY)
    assert training.shape == (2, 3)
    with pytest.raises(ShapeError, match=r"attn: MultiHeadAttention\(heads=3\) expects qkv_features \(16, the input"):
        x >> nn.MultiHeadAttention(3, name="attn")  # type: ignore[typednn-shape]


def test_a_named_sequence_length_runs_at_any_length() -> None:
    class Tokens(tn.Dim):
        """Tokens in a sentence."""

    x = tn.Input(Tokens, 8)
    y = x >> nn.MultiHeadAttention(2, causal=True) >> nn.Dense(3)
    assert y.shape.dims[0] == x.shape.dims[0]
    model = tn.Model(x, y)
    params = jax.eval_shape(model.init, jax.random.key(0))
    for length in (1, 5, 9):
        out = jax.eval_shape(model.lowered.apply, params, jax.ShapeDtypeStruct((2, length, 8), jnp.float32))
        assert out.shape == (2, length, 3)


def test_kinds_build_the_layer_and_name_it() -> None:
    assert KINDS["multi_head_attention"].main_option() == "heads"
    layer = KINDS["multi_head_attention"].build({"heads": 4, "causal": True}, name=None)
    assert isinstance(layer, nn.MultiHeadAttention)
    assert repr(layer) == "MultiHeadAttention(heads=4, causal=True)"
    found = kind_of(layer)
    assert found is not None and found.name == "multi_head_attention"
    assert layer.default_name() == "multi_head_attention"


SPEC = """\
name: attend
model:
  input: [10, 16]
  layers:
    - multi_head_attention: 4
    - multi_head_attention: {heads: 2, qkv_features: 8, out_features: 6, causal: true, dropout_rate: 0.1}
    - flatten
    - dense: 3
"""


def test_a_spec_names_the_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "attend.yaml").write_text(SPEC)
    model = read(tmp_path / "attend.yaml").model
    assert model.outputs.shape == Shape.of(3)
    layers = [layer for layer in model.graph.layers() if isinstance(layer, nn.MultiHeadAttention)]
    assert [repr(layer) for layer in layers] == [
        "MultiHeadAttention(heads=4)",
        "MultiHeadAttention(heads=2, qkv_features=8, out_features=6, causal=True, dropout_rate=0.1)",
    ]
    assert main(["check", str(tmp_path / "attend.yaml")]) == 0
    (tmp_path / "bad.yaml").write_text(SPEC.replace("multi_head_attention: 4", "multi_head_attention: 3"))
    with pytest.raises(ShapeError, match=r"bad.yaml:5:7 \(multi_head_attention\): MultiHeadAttention\(heads=3\)"):
        read(tmp_path / "bad.yaml")
    (tmp_path / "qkv.yaml").write_text(SPEC.replace("qkv_features: 8", "qkv_features: 9"))
    with pytest.raises(HyperparameterError, match=r"qkv_features \(9\) must be divisible by heads \(2\)"):
        read(tmp_path / "qkv.yaml")
    capsys.readouterr()


# ---------------------------------------------------------------------------- rules vs JAX


@given(data=st.data())
def test_the_rule_is_what_jax_computes(data: st.DataObject) -> None:
    check_case(data.draw(layers("multi_head_attention")), data)


# ---------------------------------------------------------------------------- lowering vs Flax

FEATURES, LENGTH, BATCH = 8, 7, 3


def twins(options: dict[str, Any]) -> tuple[nn.MultiHeadAttention[Any], dict[str, jax.Array], nnx.MultiHeadAttention]:
    """Our layer and Flax's with the same random parameters (biases too: Flax starts them at zero)."""
    layer = nn.MultiHeadAttention(**options)
    params = layer.init(jax.random.key(1), Shape.of(LENGTH, FEATURES))
    keys = jax.random.split(jax.random.key(2), len(params))
    params = {name: jax.random.normal(k, array.shape) for k, (name, array) in zip(keys, params.items())}
    flax = nnx.MultiHeadAttention(
        num_heads=options["heads"],
        in_features=FEATURES,
        qkv_features=options.get("qkv_features"),
        out_features=options.get("out_features"),
        use_bias=options.get("use_bias", True),
        dropout_rate=options.get("dropout_rate", 0.0),
        decode=False,
        rngs=nnx.Rngs(0),
    )
    for projection in ("query", "key", "value", "out"):
        linear = getattr(flax, projection)
        assert linear.kernel.shape == params[f"{projection}_kernel"].shape
        linear.kernel.set_value(params[f"{projection}_kernel"])
        if linear.bias is not None:
            assert linear.bias.shape == params[f"{projection}_bias"].shape
            linear.bias.set_value(params[f"{projection}_bias"])
        else:
            assert f"{projection}_bias" not in params
    return layer, params, flax


def causal_mask(x: jax.Array) -> jax.Array:
    return nnx.make_causal_mask(jnp.ones(x.shape[:2]))


OPTIONS = [
    {"heads": 2},
    {"heads": 4, "qkv_features": 16, "out_features": 5},
    {"heads": 1, "use_bias": False},
    {"heads": 8, "qkv_features": 8, "out_features": 3, "use_bias": False},
]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("options", OPTIONS)
def test_the_layer_computes_what_flax_nnx_multi_head_attention_computes(options: dict[str, Any], causal: bool) -> None:
    layer, params, flax = twins({**options, "causal": causal})
    graphdef, state = nnx.split(flax)
    ours = jax.jit(lambda p, v: layer.apply(p, v, key=None, training=False))
    theirs = jax.jit(lambda s, v: nnx.merge(graphdef, s)(v, mask=causal_mask(v) if causal else None))
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    np.testing.assert_allclose(ours(params, x), theirs(state, x), rtol=1e-6, atol=1e-6)
    # The jitted programs are the same program, the causal mask's construction included.
    spec = jax.ShapeDtypeStruct(x.shape, jnp.float32)
    ours_text, theirs_text = ours.lower(params, spec).as_text(), theirs.lower(state, spec).as_text()
    assert canonical_stablehlo(ours_text) == canonical_stablehlo(theirs_text)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("training", [False, True])
def test_dropout_is_flax_s_with_the_layer_s_key(causal: bool, training: bool) -> None:
    layer, params, _ = twins({"heads": 2, "causal": causal, "dropout_rate": 0.5})
    key = jax.random.key(7)
    # Flax's module draws its dropout key from its own stream; hand it ours instead.
    flax = nnx.MultiHeadAttention(
        num_heads=2,
        in_features=FEATURES,
        dropout_rate=0.5,
        decode=False,
        rngs=nnx.Rngs(0),
        # mypy cannot tell that `*args` leaves `dropout_rng` to the keyword.
        attention_fn=lambda *args, dropout_rng, **kwargs: nnx.dot_product_attention(  # type: ignore[misc]
            *args, dropout_rng=key if dropout_rng is not None else None, **kwargs
        ),
    )
    for projection in ("query", "key", "value", "out"):
        getattr(flax, projection).kernel.set_value(params[f"{projection}_kernel"])
        getattr(flax, projection).bias.set_value(params[f"{projection}_bias"])
    x = jax.random.normal(jax.random.key(3), (BATCH, LENGTH, FEATURES))
    typed = layer.apply(params, x, key=key, training=training)
    theirs = flax(x, mask=causal_mask(x) if causal else None, deterministic=not training, rngs=nnx.Rngs(dropout=0))
    np.testing.assert_allclose(typed, theirs, rtol=1e-6, atol=1e-6)
    off = layer.apply(params, x, key=key, training=False)
    assert np.array_equal(typed, off) == (not training)  # dropout acts while training only
    if training:
        again = layer.apply(params, x, key=jax.random.key(8), training=True)
        assert not np.array_equal(typed, again)  # the key decides what is dropped


def test_dropout_while_training_needs_a_key() -> None:
    layer = nn.MultiHeadAttention(2, dropout_rate=0.1)
    params = layer.init(jax.random.key(0), Shape.of(3, 4))
    assert layer.stochastic and not nn.MultiHeadAttention(2).stochastic
    with pytest.raises(TypednnError, match=r"MultiHeadAttention\(heads=2, dropout_rate=0.1\) needs a random key"):
        layer.apply(params, jnp.ones((1, 3, 4)), key=None, training=True)


@pytest.mark.parametrize("heads", [1, 2])
def test_a_causal_position_sees_only_itself_and_earlier_ones(heads: int) -> None:
    # Which input positions each output position depends on, from the Jacobian: the
    # causal layer's output at i moves with the inputs at j <= i only; without the mask,
    # with every input.
    length = 6
    x = jax.random.normal(jax.random.key(0), (1, length, 4))
    for causal in (True, False):
        layer = nn.MultiHeadAttention(heads, causal=causal)
        made = layer.init(jax.random.key(1), Shape.of(length, 4))
        params = {name: a + 0.1 for name, a in made.items()}  # nonzero biases
        jacobian = jax.jit(jax.jacfwd(partial(layer.apply, params, key=None, training=False)))(x)
        depends = np.abs(np.asarray(jacobian)).sum(axis=(0, 2, 3, 5)) > 0  # (output position, input position)
        expected = np.tril(np.ones((length, length), bool)) if causal else np.ones((length, length), bool)
        np.testing.assert_array_equal(depends, expected)


def test_the_causal_mask_is_flax_s() -> None:
    from typednn.layers._attention import _causal_mask  # noqa: PLC0415 - the one private helper pinned here

    x = jnp.ones((2, 5))
    np.testing.assert_array_equal(_causal_mask(2, 5), nnx.make_causal_mask(x))
    np.testing.assert_array_equal(_causal_mask(1, 4)[0, 0], np.tril(np.ones((4, 4))))
