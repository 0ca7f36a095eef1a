"""A custom layer's body: jax.numpy on tn.Tensor is shape-checked; jax.Array keeps jax's own types.

As everywhere, a `tn.Tensor[L[4], L[8]]` is an array of shape (batch, 4, 8): axis 0 is
the batch axis for jax, so it is for the checker too.
"""

from typing import Any, Final, Literal as L, assert_type

import jax
import jax.numpy as jnp
import numpy as np

import typednn as tn

HIDDEN: Final = 16


class Seq(tn.Dim):
    """Tokens in a sequence."""


def body(x: tn.Tensor[L[4], L[8]], w: tn.Tensor[L[8], L[16]]) -> tn.Tensor[L[4], L[16]]:
    return jnp.tanh(jnp.matmul(x, w))


def attention(q: tn.Tensor[Seq, L[64]], k: tn.Tensor[Seq, L[64]], v: tn.Tensor[Seq, L[32]]) -> tn.Tensor[Seq, L[32]]:
    scores = jnp.divide(jnp.matmul(q, jnp.swapaxes(k, -1, -2)), 8.0)
    assert_type(scores, tn.Tensor[Seq, Seq])
    return jnp.matmul(jax.nn.softmax(scores, axis=-1), v)


def shapes(x: tn.Tensor[L[4], L[8]], b: tn.Tensor[L[8]], s: tn.Tensor[Seq, L[4], L[8]], n: int) -> None:
    assert_type(jnp.matmul(x, jnp.reshape(b, (-1, 8, 1))), tn.Tensor[L[4], L[1]])
    assert_type(jnp.reshape(x, (-1, 2, 16)), tn.Tensor[L[2], L[16]])
    assert_type(jnp.reshape(x, (-1, 2, HIDDEN)), tn.Tensor[L[2], L[16]])
    assert_type(jnp.reshape(x, (-1, 32)), tn.Tensor[L[32]])
    assert_type(jnp.reshape(s, (-1, 32)), tn.Tensor[*tuple[Any, ...]])  # (batch * Seq, 32): sizes unknown
    assert_type(jnp.transpose(x, (0, 2, 1)), tn.Tensor[L[8], L[4]])
    assert_type(jnp.transpose(s, (0, 1, 3, 2)), tn.Tensor[Seq, L[8], L[4]])
    assert_type(jnp.transpose(x), jax.Array)  # reversed: the batch axis comes last
    assert_type(jnp.swapaxes(s, 1, 2), tn.Tensor[L[4], Seq, L[8]])
    assert_type(jnp.concatenate([x, x], axis=1), tn.Tensor[L[8], L[8]])
    assert_type(jnp.concatenate((x, x, x), axis=-1), tn.Tensor[L[4], L[24]])
    assert_type(jnp.concatenate([s, s], axis=1), tn.Tensor[Any, L[4], L[8]])  # Seq + Seq
    assert_type(jnp.sum(x, axis=1), tn.Tensor[L[8]])
    assert_type(jnp.sum(x, axis=(1, 2)), tn.Tensor[()])
    assert_type(jnp.mean(x, axis=-1, keepdims=True), tn.Tensor[L[4], L[1]])
    assert_type(jnp.max(s, axis=(2, 3)), tn.Tensor[Seq])
    assert_type(jnp.sum(x), jax.Array)  # the batch is summed too: a plain array
    assert_type(jnp.mean(x, axis=0), jax.Array)
    assert_type(jnp.add(x, jnp.reshape(b, (-1, 1, 8))), tn.Tensor[L[4], L[8]])
    assert_type(jnp.multiply(x, 2.0), tn.Tensor[L[4], L[8]])
    assert_type(jnp.maximum(s, jnp.reshape(x, (-1, 1, 4, 8))), tn.Tensor[Seq, L[4], L[8]])
    assert_type(jnp.divide(x, x), tn.Tensor[L[4], L[8]])
    assert_type(jnp.exp(s), tn.Tensor[Seq, L[4], L[8]])
    assert_type(jax.nn.relu(x), tn.Tensor[L[4], L[8]])
    assert_type(jax.nn.gelu(x, approximate=False), tn.Tensor[L[4], L[8]])
    assert_type(jax.nn.sigmoid(x), tn.Tensor[L[4], L[8]])
    # Runtime ints give unknown sizes: gradual typing, never a false error.
    wide = jnp.reshape(x, (n, -1, 8))
    assert_type(wide, tn.Tensor[*tuple[Any, ...]])
    assert_type(jnp.sum(x, axis=n), tn.Tensor[*tuple[Any, ...]])
    assert_type(jnp.swapaxes(x, 1, n), tn.Tensor[*tuple[Any, ...]])
    assert_type(jnp.matmul(wide, jnp.swapaxes(wide, 1, 2)), tn.Tensor[*tuple[Any, ...]])


def attention_helpers(
    q: tn.Tensor[Seq, L[64]], k: tn.Tensor[Seq, L[64]], mask: tn.Tensor[Seq, Seq], ids: tn.Tensor[Seq], table: jax.Array
) -> tn.Tensor[Seq, L[64]]:
    scores = jnp.einsum("bqd,bkd->bqk", q, k)
    assert_type(scores, tn.Tensor[Seq, Seq])
    scores = jnp.where(mask, scores, -1e9)
    assert_type(scores, tn.Tensor[Seq, Seq])
    weights = jax.nn.softmax(scores, axis=-1)
    assert_type(jnp.einsum("bqk,bkd->bqd", weights, k), tn.Tensor[Seq, L[64]])
    assert_type(jnp.take(table, ids), tn.Tensor[Seq])  # axis=None: the indices' shape
    assert_type(jnp.argmax(scores, axis=-1), tn.Tensor[Seq])
    return jnp.einsum("bqk,bkd->bqd", weights, k)


def helpers(x: tn.Tensor[L[4], L[8]], s: tn.Tensor[Seq, L[8]], ids: tn.Tensor[L[4], L[1]], n: int) -> None:
    assert_type(jnp.expand_dims(x, 1), tn.Tensor[L[1], L[4], L[8]])
    assert_type(jnp.expand_dims(x, (-1, -2)), tn.Tensor[L[4], L[8], L[1], L[1]])
    assert_type(jnp.squeeze(jnp.expand_dims(s, -1), -1), tn.Tensor[Seq, L[8]])
    assert_type(jnp.squeeze(jnp.expand_dims(s, 2), axis=2), tn.Tensor[Seq, L[8]])
    assert_type(jnp.clip(x, 0.0, 1.0), tn.Tensor[L[4], L[8]])
    assert_type(jnp.clip(x, max=jnp.ones_like(x)), tn.Tensor[L[4], L[8]])
    assert_type(jnp.where(x, x, 0.0), tn.Tensor[L[4], L[8]])
    assert_type(jnp.where(x), tuple[jax.Array, ...])  # the indices of nonzero elements: jax's own type
    assert_type(jnp.einsum("b...ij->b...ji", x), tn.Tensor[L[8], L[4]])
    assert_type(jnp.einsum("bij,bjk->bik", x, jnp.swapaxes(x, 1, 2)), tn.Tensor[L[4], L[4]])
    assert_type(jnp.einsum("bij->bi", x), tn.Tensor[L[4]])
    assert_type(jnp.einsum("bij,bjk", x, jnp.swapaxes(x, 1, 2)), jax.Array)  # implicit output: i, k (b is summed)
    subscripts = "bij->bj"  # not a literal type: the shape is unknown
    assert_type(jnp.einsum(subscripts, x), tn.Tensor[*tuple[Any, ...]])
    assert_type(jnp.stack([x, x, x], axis=1), tn.Tensor[L[3], L[4], L[8]])
    assert_type(jnp.stack((s, s), axis=-1), tn.Tensor[Seq, L[8], L[2]])
    assert_type(jnp.pad(x, ((0, 0), (1, 1), (0, 2))), tn.Tensor[L[6], L[10]])
    assert_type(jnp.pad(s, ((0, 0), (0, 0), (2, 2))), tn.Tensor[Seq, L[12]])
    assert_type(jnp.take(x, 0, axis=-1), tn.Tensor[L[4]])
    assert_type(jnp.take_along_axis(x, ids, axis=-1), tn.Tensor[L[4], L[1]])
    assert_type(jnp.argmin(x, axis=1, keepdims=True), tn.Tensor[L[1], L[8]])
    assert_type(jnp.argmax(x), jax.Array)  # over every axis, the batch included
    assert_type(jnp.tril(x), tn.Tensor[L[4], L[8]])
    assert_type(jnp.triu(x, k=1), tn.Tensor[L[4], L[8]])
    assert_type(jnp.ones_like(s), tn.Tensor[Seq, L[8]])
    assert_type(jnp.zeros_like(x), tn.Tensor[L[4], L[8]])
    assert_type(jnp.full_like(x, 0.5), tn.Tensor[L[4], L[8]])
    assert_type(jnp.zeros_like(x, shape=(2, 3)), jax.Array)  # a shape of its own, without the batch
    assert_type(jnp.maximum(x, 0.0), tn.Tensor[L[4], L[8]])
    assert_type(jnp.minimum(s, jnp.ones_like(s)), tn.Tensor[Seq, L[8]])
    assert_type(jnp.split(x, 2, axis=-1), list[tn.Tensor[L[4], L[4]]])
    assert_type(jnp.split(x, (1, 3), axis=1), list[tn.Tensor[L[1], L[8]] | tn.Tensor[L[2], L[8]]])
    assert_type(jnp.split(s, 2, axis=1), list[tn.Tensor[Any, L[8]]])  # half of Seq: unknown
    assert_type(jnp.mean(x, axis=0), jax.Array)  # the batch reduced: legitimate jax, an array
    # Runtime ints give unknown sizes: never a false error.
    assert_type(jnp.expand_dims(x, n), tn.Tensor[*tuple[Any, ...]])
    assert_type(jnp.pad(x, n), tn.Tensor[Any, Any])
    assert_type(jnp.split(x, n, axis=1), list[tn.Tensor[*tuple[Any, ...]]])


def pooled(x: tn.Tensor[Seq, L[8]]) -> jax.Array:
    total = jnp.sum(x, axis=0)  # the batch reduced, into a variable annotated as what it is
    return total


def unchanged(a: jax.Array, m: np.ndarray[tuple[int, int], np.dtype[np.float32]]) -> None:
    # No tn.Tensor passed: jax's own types, exactly.
    assert_type(jnp.matmul(a, a), jax.Array)
    assert_type(jnp.reshape(a, (2, -1)), jax.Array)
    assert_type(jnp.transpose(m), jax.Array)
    assert_type(jnp.concatenate([a, m], axis=0), jax.Array)
    assert_type(jnp.concatenate([p.reshape(-1, 2) for p in [a, a]]), jax.Array)
    assert_type(jnp.sum(a, axis=0), jax.Array)
    assert_type(jnp.add(a, 1.0), jax.Array)
    assert_type(jnp.tanh(m), jax.Array)
    assert_type(jax.nn.relu(a), jax.Array)
    assert_type(jnp.add.reduce(a), jax.Array)


def with_weights(x: tn.Tensor[L[4], L[8]], w: jax.Array, bias: jax.Array) -> tn.Tensor[L[4], L[16]]:
    # A jax.Array has no shape in its type: the result's sizes are unknown, never an error.
    assert_type(jnp.add(x, bias), tn.Tensor[*tuple[Any, ...], L[4], L[8]])
    assert_type(jnp.matmul(x, w), tn.Tensor[*tuple[Any, ...]])
    return jnp.add(jnp.matmul(x, w), bias)


def union_member(x: tn.Tensor[L[4]] | tn.Tensor[L[8]], w: tn.Tensor[L[8]]) -> None:
    # As for a layer: an error only when every shape `x` may hold fails.
    jnp.add(x, w)
