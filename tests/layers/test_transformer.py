"""TransformerEncoderBlock, GlobalAvgPool1D and nn.residual: rules against JAX, and the block's numbers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from typednn import nn
from typednn._shapes import Shape, ShapeError
from typednn.testing import check_case, layers

KEY = jax.random.key(0)


@given(data=st.data())
def test_transformer_block_rule_is_jax(data: st.DataObject) -> None:
    check_case(data.draw(layers("transformer_encoder_block")), data)


@given(data=st.data())
def test_global_avg_pool1d_rule_is_jax(data: st.DataObject) -> None:
    check_case(data.draw(layers("global_avg_pool1d")), data)


def test_block_errors_name_the_block() -> None:
    with pytest.raises(ShapeError, match=r"TransformerEncoderBlock\(heads=3, mlp_features=8\) expects .* by heads"):
        nn.TransformerEncoderBlock(3, 8)(tn.Input(4, 8))  # type: ignore[typednn-shape]
    with pytest.raises(tn.HyperparameterError, match=r"TransformerEncoderBlock\(.*\): dropout_rate must be in"):
        nn.TransformerEncoderBlock(2, 8, dropout_rate=1.0)  # type: ignore[typednn-param]
    assert nn.TransformerEncoderBlock(2, 8).output_shape(Shape.anything()).open


def test_block_equals_flax_parts() -> None:
    # The pre-norm block, written out with flax.nnx modules holding the block's parameters.
    layer = nn.TransformerEncoderBlock(2, 16, causal=True)
    x = jax.random.normal(KEY, (3, 5, 8))
    params = layer.init(KEY, Shape.of(5, 8))
    rngs = nnx.Rngs(0)
    norm1, norm2 = nnx.LayerNorm(8, epsilon=1e-6, rngs=rngs), nnx.LayerNorm(8, epsilon=1e-6, rngs=rngs)
    attention = nnx.MultiHeadAttention(2, 8, decode=False, rngs=rngs)
    mlp_in, mlp_out = nnx.Linear(8, 16, rngs=rngs), nnx.Linear(16, 8, rngs=rngs)
    for norm, name in ((norm1, "norm1"), (norm2, "norm2")):
        assert norm.scale is not None and norm.bias is not None  # flax types both as optional
        norm.scale[...], norm.bias[...] = params[f"{name}_scale"], params[f"{name}_bias"]
    for part in ("query", "key", "value", "out"):
        module = getattr(attention, part)
        module.kernel[...] = params[f"attention_{part}_kernel"].reshape(module.kernel.shape)
        assert module.bias is not None
        module.bias[...] = params[f"attention_{part}_bias"].reshape(module.bias.shape)
    for linear, name in ((mlp_in, "mlp_in"), (mlp_out, "mlp_out")):
        assert linear.bias is not None
        linear.kernel[...], linear.bias[...] = params[f"{name}_kernel"], params[f"{name}_bias"]
    mask = nnx.make_causal_mask(jnp.ones((3, 5)))
    h = x + attention(norm1(x), mask=mask)
    expected = h + mlp_out(jax.nn.gelu(mlp_in(norm2(h))))
    np.testing.assert_allclose(layer.apply(params, x, key=None, training=False), expected, rtol=1e-5, atol=1e-5)


def test_block_dropout_needs_a_key_only_while_training() -> None:
    layer = nn.TransformerEncoderBlock(2, 8, dropout_rate=0.5)
    assert layer.stochastic
    params = layer.init(KEY, Shape.of(4, 8))
    x = jax.random.normal(KEY, (2, 4, 8))
    a = layer.apply(params, x, key=jax.random.key(1), training=True)
    b = layer.apply(params, x, key=jax.random.key(2), training=True)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(
        layer.apply(params, x, key=None, training=False), layer.apply(params, x, key=None, training=False)
    )


def test_residual_runs_the_shortcut() -> None:
    x = tn.Input(8, 8, 4)
    y = nn.residual(x, nn.Conv2D(8, kernel=3, stride=2, padding="same"), shortcut=nn.Conv2D(8, kernel=1, stride=2))
    model = tn.Model(x, y)
    params = model.init(KEY)
    batch = jax.random.normal(KEY, (2, 8, 8, 4))
    conv, shortcut = model.graph.layers()[:2]
    expected = conv.apply(params[model.graph.name(conv)], batch, key=None, training=False) + shortcut.apply(
        params[model.graph.name(shortcut)], batch, key=None, training=False
    )
    np.testing.assert_allclose(model.apply(params, batch), expected, rtol=1e-6)
    with pytest.raises(
        ShapeError, match=r"Add expects inputs of equal shape, but receives \(8, 8, 16\) and \(8, 8, 4\)"
    ):
        nn.residual(x, nn.Conv2D(16, kernel=3, padding="same"))  # type: ignore[typednn-shape]
