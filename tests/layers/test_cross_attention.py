"""Attention with a context: cross-attention, the decoder block, the seq2seq zoo model.

`MultiHeadAttention(heads)(query, context)` is cross-attention; with one input it is the
self-attention it was. Its rule, its messages, its numbers (an einsum written here, Flax's
and Keras's layers with the same weights), its property test, specs and exports; then
`TransformerDecoderBlock` and `zoo.transformer_seq2seq`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from tests.shapes.test_rules_vs_jax import SEQ
from typednn import ShapeError, TypednnError, nn, zoo
from typednn._shapes import (
    UNKNOWN,
    AddHyper,
    DenseHyper,
    Hyper,
    MultiHeadAttentionHyper,
    Shape,
    TransformerDecoderBlockHyper,
)
from typednn.spec import read
from typednn.testing import check_case, check_layer, layers

MHA = MultiHeadAttentionHyper
DECODER = TransformerDecoderBlockHyper


class Seq(tn.Dim):
    """Tokens in a sequence."""


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as caught:
        hyper.output_shape(*inputs)
    return caught.value


# ---------------------------------------------------------------------------- the rule


def test_cross_attention_keeps_the_query_length_and_gives_out_features() -> None:
    assert MHA(heads=4).output_shape(Shape.of(10, 64), Shape.of(7, 48)) == Shape.of(10, 64)
    assert MHA(heads=4, out_features=16).output_shape(Shape.of(10, 64), Shape.of(7, 48)) == Shape.of(10, 16)
    assert MHA(heads=5, qkv_features=10).output_shape(Shape.of(10, 64), Shape.of(7, 3)) == Shape.of(10, 64)
    # A named query length flows through; the context's length is any.
    assert MHA(heads=2).output_shape(Shape.of(SEQ, 8), Shape.of(5, 8)) == Shape.of(SEQ, 8)
    assert MHA(heads=2, causal=True).output_shape(Shape.of(SEQ, 8), Shape.of(SEQ, 3)) == Shape.of(SEQ, 8)
    assert MHA(heads=2, causal=True).output_shape(Shape.of(4, 8), Shape.of(4, 3)) == Shape.of(4, 8)
    # Less knowledge never rejects.
    assert MHA(heads=2, causal=True).output_shape(Shape.of(4, 8), Shape.of(UNKNOWN, 3)) == Shape.of(4, 8)
    assert MHA(heads=2).output_shape(Shape.of(4, 8), Shape.anything()) == Shape.of(4, 8)


def test_one_input_is_self_attention_as_before() -> None:
    assert MHA(heads=8).output_shape(Shape.of(10, 64)) == Shape.of(10, 64)
    layer = nn.MultiHeadAttention(4)
    params = layer.init(jax.random.key(0), Shape.of(10, 64))
    assert {name: a.shape for name, a in params.items()} == {
        "query_kernel": (64, 4, 16), "query_bias": (4, 16), "key_kernel": (64, 4, 16), "key_bias": (4, 16),
        "value_kernel": (64, 4, 16), "value_bias": (4, 16), "out_kernel": (4, 16, 64), "out_bias": (64,),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("hyper", "inputs", "message"),
    [
        (
            MHA(heads=2),
            (Shape.of(10, 8), Shape.of(7)),
            "MultiHeadAttention(heads=2) expects a (sequence, features) context (its second input, which gives"
            " the keys and values), but receives (7,)",
        ),
        (MHA(heads=2), (Shape.of(10, 8), Shape.of(2, 7, 3)), "context (its second input, which gives"),
        (
            MHA(heads=2, causal=True),
            (Shape.of(10, 8), Shape.of(7, 8)),
            "MultiHeadAttention(heads=2, causal=True) expects a context as long as the query (causal attends to"
            " positions j <= i of both), but receives (10, 8) and (7, 8)",
        ),
        (MHA(heads=2, causal=True), (Shape.of(SEQ, 8), Shape.of(9, 8)), "but receives (Seq, 8) and (9, 8)"),
        (MHA(heads=3), (Shape.of(10, 8), Shape.of(7, 8)), "qkv_features (8, the input features) divisible by heads"),
        (MHA(heads=2), (Shape.of(8),), "expects a (sequence, features) input, but receives (8,)"),
        (
            MHA(heads=2),
            (Shape.of(10, 8), Shape.of(7, 8), Shape.of(7, 8)),
            "MultiHeadAttention(heads=2) expects 1 or 2 input(s), but receives 3",
        ),
        (MHA(heads=2), (), "expects 1 or 2 input(s), but receives 0"),
    ],
)
def test_what_the_rule_rejects_it_says(hyper: MultiHeadAttentionHyper, inputs: tuple[Shape, ...], message: str) -> None:
    assert message in str(rejection(hyper, *inputs))


def test_the_hints_say_what_to_do() -> None:
    assert "Reshape it to (sequence, features)" in (rejection(MHA(heads=2), Shape.of(4, 8), Shape.of(3)).hint or "")
    causal = rejection(MHA(heads=2, causal=True), Shape.of(4, 8), Shape.of(3, 8))
    assert causal.hint == "drop causal=True for cross-attention to a context of another length"


def test_other_layers_keep_their_arity_messages() -> None:
    assert (
        rejection(DenseHyper(units=3), Shape.of(3), Shape.of(3)).message
        == "Dense(3) expects 1 input(s), but receives 2"
    )
    assert rejection(AddHyper(), Shape.of(3)).message == "Add expects two or more inputs, but receives 1"
    decoder = rejection(DECODER(heads=2, mlp_features=4), Shape.of(3, 4))
    assert decoder.message == "TransformerDecoderBlock(heads=2, mlp_features=4) expects 2 input(s), but receives 1"


# ---------------------------------------------------------------------------- the numbers

F, G, TQ, TK, BATCH = 8, 6, 5, 7, 3


def random_params(layer: nn.MultiHeadAttention[*tuple[Any, ...]], *shapes: Shape) -> dict[str, jax.Array]:
    """The layer's parameters, redrawn at random (biases too: they start at zero)."""
    params = layer.init(jax.random.key(1), *shapes)
    keys = jax.random.split(jax.random.key(2), len(params))
    return {name: jax.random.normal(k, array.shape) for k, (name, array) in zip(keys, params.items())}


def einsum_attention(p: dict[str, np.ndarray], q: np.ndarray, c: np.ndarray, *, causal: bool) -> np.ndarray:
    """Multi-head attention written out in numpy (float64), independent of the layer's code."""
    query = np.einsum("bqf,fhd->bqhd", q, p["query_kernel"]) + p.get("query_bias", 0)
    key = np.einsum("bkg,ghd->bkhd", c, p["key_kernel"]) + p.get("key_bias", 0)
    value = np.einsum("bkg,ghd->bkhd", c, p["value_kernel"]) + p.get("value_bias", 0)
    logits = np.einsum("bqhd,bkhd->bhqk", query, key) / np.sqrt(query.shape[-1])
    if causal:
        logits = np.where(np.tril(np.ones(logits.shape[-2:], dtype=bool)), logits, -np.inf)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    attended = np.einsum("bhqk,bkhd->bqhd", weights, value)
    return np.asarray(np.einsum("bqhd,hdo->bqo", attended, p["out_kernel"]) + p.get("out_bias", 0))


OPTIONS: list[dict[str, Any]] = [
    {"heads": 2},
    {"heads": 4, "qkv_features": 12, "out_features": 5},
    {"heads": 1, "use_bias": False},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("causal", [False, True])
def test_cross_attention_is_the_einsum_reference(options: dict[str, Any], causal: bool) -> None:
    layer = nn.MultiHeadAttention(**options, causal=causal)
    tk = TQ if causal else TK
    params = random_params(layer, Shape.of(TQ, F), Shape.of(tk, G))
    assert params["key_kernel"].shape[0] == G and params["value_kernel"].shape[0] == G
    rng = np.random.default_rng(0)
    q, c = rng.normal(size=(BATCH, TQ, F)), rng.normal(size=(BATCH, tk, G))
    ours = layer.apply(params, jnp.asarray(q, jnp.float32), jnp.asarray(c, jnp.float32), key=None, training=False)
    expected = einsum_attention({k: np.asarray(v, np.float64) for k, v in params.items()}, q, c, causal=causal)
    np.testing.assert_allclose(np.asarray(ours), expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("options", OPTIONS)
def test_cross_attention_is_flax_nnx_s_with_in_kv_features(options: dict[str, Any]) -> None:
    layer = nn.MultiHeadAttention(**options)
    params = random_params(layer, Shape.of(TQ, F), Shape.of(TK, G))
    flax = nnx.MultiHeadAttention(
        num_heads=options["heads"],
        in_features=F,
        in_kv_features=G,
        qkv_features=options.get("qkv_features"),
        out_features=options.get("out_features"),
        use_bias=options.get("use_bias", True),
        decode=False,
        rngs=nnx.Rngs(0),
    )
    for projection in ("query", "key", "value", "out"):
        linear = getattr(flax, projection)
        linear.kernel.set_value(params[f"{projection}_kernel"])
        if linear.bias is not None:
            linear.bias.set_value(params[f"{projection}_bias"])
    q = jax.random.normal(jax.random.key(3), (BATCH, TQ, F))
    c = jax.random.normal(jax.random.key(4), (BATCH, TK, G))
    ours = layer.apply(params, q, c, key=None, training=False)
    np.testing.assert_allclose(ours, flax(q, c, c), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_cross_attention_is_keras_s(monkeypatch: pytest.MonkeyPatch, causal: bool) -> None:
    # Keras reads its backend once, on import: JAX, unless something imported it before.
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras", reason="Keras (the bench extra) is not installed")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras was imported with another backend")
    layer = nn.MultiHeadAttention(2, qkv_features=8, out_features=5, causal=causal)
    tk = TQ if causal else TK
    params = random_params(layer, Shape.of(TQ, F), Shape.of(tk, G))
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, output_shape=5)
    q = np.asarray(jax.random.normal(jax.random.key(3), (BATCH, TQ, F)))
    c = np.asarray(jax.random.normal(jax.random.key(4), (BATCH, tk, G)))
    # Keras adds its biases by broadcasting ranks, which the tests' JAX config refuses.
    with jax.numpy_rank_promotion("allow"):
        theirs(q, c)  # builds the weights: query, key and value (kernel, bias), then the output's
        names = [f"{p}_{w}" for p in ("query", "key", "value", "out") for w in ("kernel", "bias")]
        assert [tuple(w.shape) for w in theirs.weights] == [params[name].shape for name in names]
        for variable, name in zip(theirs.weights, names):
            variable.assign(params[name])  # not set_weights: its numpy copy warns under numpy 2
        expected = np.asarray(theirs(q, c, use_causal_mask=causal))
    ours = layer.apply(params, jnp.asarray(q), jnp.asarray(c), key=None, training=False)
    np.testing.assert_allclose(np.asarray(ours), expected, rtol=1e-5, atol=1e-5)


def test_a_causal_context_of_another_length_is_refused_by_the_lowering_too() -> None:
    layer = nn.MultiHeadAttention(2, causal=True)
    params = layer.init(jax.random.key(0), Shape.of(4, 8), Shape.of(4, 8))
    with pytest.raises(TypednnError, match=r"causal attention needs a context as long as the query \(4\), not 3"):
        layer.apply(params, jnp.ones((1, 4, 8)), jnp.ones((1, 3, 8)), key=None, training=False)


# ---------------------------------------------------------------------------- property tests


def test_check_layer_draws_contexts_and_holds() -> None:
    check_layer("multi_head_attention", max_examples=40)
    seen = []

    @settings(max_examples=40, database=None)
    @given(case=layers("multi_head_attention", accepted=True))
    def contexts(case: Any) -> None:
        seen.append(len(case.inputs))

    contexts()
    assert 2 in seen and 1 in seen


@given(data=st.data())
@settings(max_examples=30)
def test_the_decoder_block_rule_is_what_jax_computes(data: st.DataObject) -> None:
    check_case(data.draw(layers("transformer_decoder_block")), data)


def test_check_layer_on_the_decoder_block() -> None:
    check_layer("transformer_decoder_block", max_examples=20)
    check_layer(nn.TransformerDecoderBlock, max_examples=10)


# ---------------------------------------------------------------------------- the decoder block


def test_the_decoder_block_keeps_the_target_shape() -> None:
    block = DECODER(heads=4, mlp_features=32)
    assert block.output_shape(Shape.of(10, 64), Shape.of(7, 64)) == Shape.of(10, 64)
    assert block.output_shape(Shape.of(SEQ, 8), Shape.of(3, 8)) == Shape.of(SEQ, 8)
    assert block.output_shape(Shape.of(4, 8), Shape.of(UNKNOWN, UNKNOWN)) == Shape.of(4, 8)
    target = tn.Input(Seq, 8)
    assert nn.TransformerDecoderBlock(2, 16)(target, tn.Input(5, 8)).shape == target.shape


@pytest.mark.parametrize(
    ("inputs", "message", "hint"),
    [
        (
            (Shape.of(10, 8), Shape.of(7, 6)),
            "TransformerDecoderBlock(heads=2, mlp_features=4) expects a memory with the target's features (8),"
            " but receives (10, 8) and (7, 6)",
            "project the encoder's output to 8 features first, e.g. with nn.Dense(8)",
        ),
        (
            (Shape.of(10, 8), Shape.of(7)),
            "expects a (sequence, features) memory (its second input: the encoder's output), but receives (7,)",
            "pass the encoder's (sequence, features) output as the memory",
        ),
        (
            (Shape.of(10, 7), Shape.of(3, 7)),
            "expects qkv_features (7, the input features) divisible by heads (2), but receives (10, 7)",
            "use a number of heads that divides the features",
        ),
        ((Shape.of(8), Shape.of(3, 8)), "expects a (sequence, features) input, but receives (8,)", None),
    ],
)
def test_what_the_decoder_block_rejects_it_says(inputs: tuple[Shape, ...], message: str, hint: str | None) -> None:
    error = rejection(DECODER(heads=2, mlp_features=4), *inputs)
    assert message in error.message
    if hint is not None:
        assert error.hint == hint


def runtime(n: int) -> int:
    """`n`, as mypy sees a runtime int: the plugin reports literal ones itself (the corpus tests that)."""
    return n


def test_decoder_hyperparameters_are_checked_at_construction() -> None:
    with pytest.raises(TypednnError, match=r"TransformerDecoderBlock\(heads=0, mlp_features=4\): heads must be"):
        nn.TransformerDecoderBlock(runtime(0), 4)
    with pytest.raises(TypednnError, match=r"mlp_features must be a positive int, but is -1"):
        nn.TransformerDecoderBlock(2, runtime(-1))


def by_parts(f: int, mlp: int, heads: int) -> tn.Model[Any, Any]:
    """The decoder block written out as a graph of the library's layers, named as the block's parts."""
    target, memory = tn.Input(5, f, name="target"), tn.Input(7, f, name="memory")
    attended = nn.MultiHeadAttention(heads, causal=True, name="self_attention")(nn.LayerNorm(name="norm1")(target))
    h = target + attended
    h = h + nn.MultiHeadAttention(heads, name="cross_attention")(nn.LayerNorm(name="norm2")(h), memory)
    hidden = nn.gelu(nn.Dense(mlp, name="mlp_in")(nn.LayerNorm(name="norm3")(h)))
    return tn.Model((target, memory), h + nn.Dense(f, name="mlp_out")(hidden))


def test_the_decoder_block_is_its_parts_pre_norm_and_residual() -> None:
    block = nn.TransformerDecoderBlock(2, 12)
    params = block.init(jax.random.key(0), Shape.of(5, 8), Shape.of(7, 8))
    keys = jax.random.split(jax.random.key(1), len(params))
    params = {name: jax.random.normal(k, a.shape) for k, (name, a) in zip(keys, params.items())}
    twin = by_parts(8, 12, 2)
    nested: dict[str, dict[str, jax.Array]] = {}
    for part in ("norm1", "self_attention", "norm2", "cross_attention", "norm3", "mlp_in", "mlp_out"):
        nested[part] = {k[len(part) + 1 :]: v for k, v in params.items() if k.startswith(f"{part}_")}
    assert sum(map(len, nested.values())) == len(params)
    assert jax.tree.map(jnp.shape, twin.init(jax.random.key(0))) == jax.tree.map(jnp.shape, nested)
    x, m = jax.random.normal(jax.random.key(2), (3, 5, 8)), jax.random.normal(jax.random.key(3), (3, 7, 8))
    ours = block.apply(params, x, m, key=None, training=False)
    np.testing.assert_allclose(ours, twin.apply(nested, (x, m)), rtol=1e-5, atol=1e-5)
    # The self-attention is causal: the first target position sees only itself (and the memory).
    changed = block.apply(params, x.at[:, 1:].set(0.0), m, key=None, training=False)
    np.testing.assert_allclose(changed[:, 0], ours[:, 0], rtol=1e-5, atol=1e-5)


def test_the_decoder_block_s_lowering_refuses_what_its_rule_does() -> None:
    block = nn.TransformerDecoderBlock(2, 4, dropout_rate=0.1)
    assert block.stochastic and not nn.TransformerDecoderBlock(2, 4).stochastic
    params = block.init(jax.random.key(0), Shape.of(5, 8), Shape.of(7, 8))
    with pytest.raises(TypednnError, match="the memory has 6 features, the target 8"):
        block.apply(params, jnp.ones((1, 5, 8)), jnp.ones((1, 7, 6)), key=None, training=False)
    with pytest.raises(TypednnError, match="needs a random key while training"):
        block.apply(params, jnp.ones((1, 5, 8)), jnp.ones((1, 7, 8)), key=None, training=True)
    out = block.apply(params, jnp.ones((1, 5, 8)), jnp.ones((1, 7, 8)), key=jax.random.key(1), training=True)
    assert out.shape == (1, 5, 8)


# ---------------------------------------------------------------------------- the zoo model


def test_transformer_seq2seq_applies_and_differentiates() -> None:
    model = zoo.transformer_seq2seq()
    assert model.name == "transformer_seq2seq" and model.count_params() == 364_776
    assert [x.shape for x in model.inputs] == [Shape.of(32, tokens=True), Shape.of(32, tokens=True)]
    assert model.outputs.shape == Shape.of(32, 1000)
    params = model.init(jax.random.key(0))
    rng = np.random.default_rng(0)
    source, target = rng.integers(0, 1000, (2, 32)), rng.integers(0, 1000, (2, 32))
    labels = jnp.asarray(rng.integers(0, 1000, (2, 32)))

    def loss(p: Any) -> jax.Array:
        logits = model.apply(p, {"source": source, "target": target})
        picked = jnp.take_along_axis(jax.nn.log_softmax(logits), labels[..., None], axis=-1)
        return -jnp.mean(picked)

    value, grads = jax.value_and_grad(loss)(params)
    assert np.isfinite(float(value))
    # Every parameter gets a gradient: the encoder's reach the loss through the cross-attention.
    norms = {
        f"{layer}/{name}": float(jnp.linalg.norm(g)) for layer, arrays in grads.items() for name, g in arrays.items()
    }
    assert norms["transformer_encoder_block/attention_query_kernel"] > 0, norms
    assert norms["transformer_decoder_block_1/cross_attention_key_kernel"] > 0, norms


# ---------------------------------------------------------------------------- specs, exports, the CLI

SPEC = """\
name: cross
model:
  inputs:
    query: [6, 8]
    memory: [9, 4]
  layers:
    - multi_head_attention: {heads: 2, inputs: [query, memory], name: attend}
    - transformer_decoder_block: {heads: 2, mlp_features: 16, inputs: [attend, query]}
    - flatten
    - dense: 3
"""


def test_a_spec_builds_cross_attention_and_an_export_keeps_it(tmp_path: Path) -> None:
    (tmp_path / "cross.yaml").write_text(SPEC)
    model = read(tmp_path / "cross.yaml").model
    attend = next(layer for layer in model.graph.layers() if isinstance(layer, nn.MultiHeadAttention))
    params = model.init(jax.random.key(0))
    assert params["attend"]["key_kernel"].shape == (4, 2, 4) and params["attend"]["query_kernel"].shape == (8, 2, 4)
    assert repr(attend) == "MultiHeadAttention(heads=2)"
    x = {"query": np.ones((2, 6, 8), np.float32), "memory": np.ones((2, 9, 4), np.float32)}
    tn.save(model, params, tmp_path / "export")
    loaded, loaded_params = tn.load(tmp_path / "export")
    np.testing.assert_allclose(loaded.apply(loaded_params, x), model.apply(params, x), rtol=1e-6)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (SPEC.replace("memory: [9, 4]", "memory: [9]"), "expects a (sequence, features) context"),
        (SPEC.replace("{heads: 2, inputs: [query", "{heads: 2, causal: true, inputs: [query"), "as long as the query"),
        (SPEC.replace("inputs: [attend, query]", "inputs: [attend, memory]"), "a memory with the target's features"),
        (SPEC.replace("inputs: [attend, query]", "inputs: [attend]"), "expects 2 input(s), but receives 1"),
    ],
)
def test_the_command_says_what_is_wrong_with_a_spec(tmp_path: Path, spec: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(spec)
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(f"{path}:") and message in lines[0], done.stderr
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint:")), done.stderr
