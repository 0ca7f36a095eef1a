"""A custom layer's body with jax.numpy calls the shapes do not allow (each tensor is (batch, ...))."""

from typing import Literal as L

import jax
import jax.numpy as jnp

import typednn as tn


class Seq(tn.Dim):
    """Tokens in a sequence."""


class Time(tn.Dim):
    """Steps in a series."""


def body(x: tn.Tensor[L[4], L[8]], w: tn.Tensor[L[8], L[16]]) -> tn.Tensor[L[4], L[16]]:
    return jnp.tanh(jnp.matmul(w, x))  # expect-error: jnp.matmul expects, last axis (16), contracted axis (4), (batch, 8, 16) and (batch, 4, 8)


def wrong_result(x: tn.Tensor[L[4], L[8]], w: tn.Tensor[L[8], L[16]]) -> tn.Tensor[L[4], L[8]]:
    return jnp.matmul(x, w)  # expect-error: incompatible return value, Tensor[Literal[4], Literal[16]]


def summed(x: tn.Tensor[L[4], L[8]]) -> tn.Tensor[L[8]]:
    return jnp.sum(x, axis=0)  # expect-error: jnp.sum(..., axis=0) reduces the batch axis, (4, 8), not a tn.Tensor


def averaged(x: tn.Tensor[L[4], L[8]]) -> tn.Tensor[L[4]]:
    mean = jnp.mean(x, axis=0)  # a note here says that the batch axis was reduced into `mean`
    return mean  # expect-error: incompatible return value, "Array"


def annotated(x: tn.Tensor[L[4], L[8]]) -> None:
    best: tn.Tensor[L[4], L[8]] = jnp.argmax(x, axis=0)  # expect-error: jnp.argmax(..., axis=0) reduces the batch axis
    moved: tn.Tensor[L[8], L[4]] = jnp.transpose(x)  # expect-error: jnp.transpose(...) does not keep the batch axis first
    print(best, moved)


def calls(x: tn.Tensor[L[4], L[8]], s: tn.Tensor[Seq, L[8]], t: tn.Tensor[Time, L[8]], b: tn.Tensor[L[3]], c: tn.Tensor[L[8]]) -> None:
    jnp.matmul(x, x)  # expect-error: jnp.matmul expects, (8), (4), receives (batch, 4, 8) and (batch, 4, 8)
    jnp.matmul(x, b)  # expect-error: jnp.matmul, last axis (8), contracted axis (batch), (batch, 3)
    jnp.reshape(x, (-1, 3, 8))  # expect-error: jnp.reshape(..., (-1, 3, 8)), multiple of 24 elements, batch * 32 elements
    jnp.reshape(x, (4, 8))  # expect-error: jnp.reshape(..., (4, 8)) expects 32 elements, (batch, 4, 8) with batch * 32 elements
    jnp.reshape(x, (-1, -1))  # expect-error: jnp.reshape, at most one -1
    jnp.transpose(x, (1, 0))  # expect-error: jnp.transpose(..., (1, 0)) expects a permutation, 2 axes, (batch, 4, 8)
    jnp.transpose(x, (0, 1, 1))  # expect-error: jnp.transpose, permutation of the 3 axes
    jnp.swapaxes(x, 1, 3)  # expect-error: jnp.swapaxes(..., 1, 3) expects axes between -3 and 2, (batch, 4, 8)
    jnp.concatenate([x, b], axis=1)  # expect-error: jnp.concatenate(axis=1), equal rank, (batch, 4, 8) and (batch, 3)
    jnp.concatenate([x, jnp.swapaxes(x, 1, 2)], axis=1)  # expect-error: jnp.concatenate(axis=1), every axis but -2
    jnp.concatenate((s, t), axis=-1)  # expect-error: jnp.concatenate(axis=-1), (batch, seq, 8) and (batch, time, 8)
    jnp.sum(x, axis=3)  # expect-error: jnp.sum(..., axis=3) expects distinct axes between -3 and 2, receives (batch, 4, 8)
    jnp.mean(x, axis=(1, 1))  # expect-error: jnp.mean(..., axis=(1, 1)), distinct axes
    jnp.add(x, b)  # expect-error: jnp.add expects shapes that broadcast together, (batch, 4, 8) and (batch, 3)
    jnp.add(x, jnp.ones(8))  # no error: a jax.Array's shape is not in its type
    jnp.subtract(x, c)  # expect-error: jnp.subtract, broadcast, (batch, 4, 8) and (batch, 8)
    jnp.maximum(s, t)  # expect-error: jnp.maximum expects shapes that broadcast, (batch, seq, 8) and (batch, time, 8)
    jnp.multiply(s, x)  # expect-error: jnp.multiply, broadcast, (batch, seq, 8) and (batch, 4, 8)
    jnp.divide(x, jnp.swapaxes(x, 1, 2))  # expect-error: jnp.divide, broadcast together, (batch, 4, 8) and (batch, 8, 4)
    jax.nn.softmax(x, axis=3)  # expect-error: jax.nn.softmax(..., axis=3), distinct axes
    jnp.expand_dims(x, 4)  # expect-error: jnp.expand_dims(..., 4) expects distinct axes between -4 and 3, (batch, 4, 8)
    jnp.expand_dims(x, (1, 1))  # expect-error: jnp.expand_dims(..., (1, 1)), distinct axes
    jnp.squeeze(x, 1)  # expect-error: jnp.squeeze(..., axis=1) expects axes of size 1, axis -2 has size 4
    jnp.squeeze(s, axis=1)  # expect-error: jnp.squeeze(..., axis=1), axes of size 1, size Seq
    jnp.clip(x, c, 1.0)  # expect-error: jnp.clip expects shapes that broadcast together, (batch, 4, 8) and (batch, 8)
    jnp.where(s, x, 0.0)  # expect-error: jnp.where, broadcast together, (batch, seq, 8) and (batch, 4, 8)
    jnp.einsum("bij,bjk->bik", x, x)  # expect-error: jnp.einsum('bij,bjk->bik') expects one size for label 'j', 8, 4
    jnp.einsum("bij->bi", c)  # expect-error: jnp.einsum('bij->bi'), operand 0 to have 3 axes, (batch, 8)
    jnp.einsum("bi,bi->bk", c, c)  # expect-error: jnp.einsum('bi,bi->bk'), output labels that appear in the inputs
    jnp.einsum("bi,bj->bij", c)  # expect-error: jnp.einsum('bi,bj->bij') expects 2 operands, receives 1 operand
    jnp.stack([x, jnp.swapaxes(x, 1, 2)])  # expect-error: jnp.stack(axis=0) expects arrays of one shape, (batch, 4, 8) and (batch, 8, 4)
    jnp.stack([s, t], axis=1)  # expect-error: jnp.stack(axis=1), one shape, (batch, seq, 8) and (batch, time, 8)
    jnp.pad(x, ((1, 1), (2, 2)))  # expect-error: jnp.pad(..., ((1, 1), (2, 2))), pad widths of shape (3, 2)
    jnp.pad(x, -1)  # expect-error: jnp.pad(..., -1) expects widths >= 0
    jnp.take(x, 0, axis=3)  # expect-error: jnp.take(..., axis=3) expects an array with an axis 3, (batch, 4, 8)
    jnp.take_along_axis(x, c, axis=-1)  # expect-error: jnp.take_along_axis(..., axis=-1), indices of the array's rank, (batch, 8)
    jnp.argmax(x, axis=3)  # expect-error: jnp.argmax(..., axis=3) expects distinct axes between -3 and 2
    jnp.tril(jnp.sum(c, axis=1, keepdims=False))  # expect-error: jnp.tril expects an array of rank 2 or more, (batch,)
    jnp.full_like(x, jnp.ones_like(b))  # expect-error: jnp.full_like(..., fill_value) expects an array that broadcasts to (batch, 4, 8)
    jnp.broadcast_to(c, (4, 8))  # expect-error: jnp.broadcast_to(..., (4, 8)), broadcasts to (4, 8), (batch, 8)
    jnp.split(x, 3, axis=2)  # expect-error: jnp.split(..., 3, axis=2) expects an axis that 3 divides, axis -1 has size 8
    jnp.split(x, (3, 1), axis=1)  # expect-error: jnp.split(..., (3, 1), axis=1), indices that increase
    h = jnp.add(x, b)  # expect-error: jnp.add, broadcast
    jnp.matmul(h, w_of(h))  # one bug, one error: a failed call gives a tensor of any shape


def w_of(h: tn.Tensor[*tuple[object, ...]]) -> tn.Tensor[L[5], L[5]]:
    raise NotImplementedError
