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
    return jnp.sum(x, axis=0)  # expect-error: incompatible return value, "Array"


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
    h = jnp.add(x, b)  # expect-error: jnp.add, broadcast
    jnp.matmul(h, w_of(h))  # one bug, one error: a failed call gives a tensor of any shape


def w_of(h: tn.Tensor[*tuple[object, ...]]) -> tn.Tensor[L[5], L[5]]:
    raise NotImplementedError
