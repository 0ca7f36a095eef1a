"""LSTM and GRU scanned over time as flax.nnx.RNN runs its cells, and Bidirectional around them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeAlias

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import BidirectionalHyper, GRUHyper, LSTMHyper, RecurrentHyper, Shape
from ._base import Layer, P, ParamTree
from ._lowering import bias_init, concrete, kernel_init

# flax.nnx's recurrent cells start their hidden-to-hidden kernels orthogonal.
recurrent_kernel_init = jax.nn.initializers.orthogonal()

Merge: TypeAlias = Literal["concat", "sum", "mean", "mul"]
Carry: TypeAlias = Any  # (c, h) for an LSTM, h for a GRU
Cell: TypeAlias = Callable[[Carry, jax.Array], tuple[Carry, jax.Array]]


def _linear(x: jax.Array, kernel: jax.Array, bias: jax.Array | None = None) -> jax.Array:
    """flax.nnx.Linear's operations: a dot over the last axis, then the bias broadcast."""
    y = lax.dot_general(x, kernel, (((x.ndim - 1,), (0,)), ((), ())))
    if bias is not None:
        y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
    return y


class _Recurrent(Layer[*P]):
    """A cell scanned over the sequence axis of (batch, sequence, features) arrays.

    Subclasses say how many gates the cell has (its kernels are `gates * units` wide),
    which kernel the bias belongs to (as in Flax, so the numbers match), and the cell.
    """

    hyper_type: ClassVar[type[RecurrentHyper]]
    hyper: RecurrentHyper
    gates: ClassVar[int]

    def __init__(
        self,
        units: int,
        *,
        return_sequences: bool = RecurrentHyper.default("return_sequences"),
        reverse: bool = RecurrentHyper.default("reverse"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        features = concrete(x.last, f"{self!r}: the input features")
        units = concrete(self.hyper.units, f"{self!r}: units")
        input_key, recurrent_key = jax.random.split(key)
        width = self.gates * units
        return {
            "input_kernel": kernel_init(input_key, (features, width), jnp.float32),
            "recurrent_kernel": recurrent_kernel_init(recurrent_key, (units, width), jnp.float32),
            "bias": bias_init(key, (width,), jnp.float32),
        }

    def initial_carry(self, batch: int, dtype: Any) -> Carry:
        raise NotImplementedError

    def cell(self, params: ParamTree) -> Cell:
        raise NotImplementedError

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        # (batch, sequence, features): as flax.nnx.RNN, flip the sequence to run backwards,
        # scan over time-major steps, and flip the outputs back (keep_order=True).
        if self.hyper.reverse:
            x = jnp.flip(x, axis=1)
        carry, ys = lax.scan(self.cell(params), self.initial_carry(x.shape[0], jnp.float32), jnp.moveaxis(x, 1, 0))
        if not self.hyper.return_sequences:
            # The last step's output (the first position's when reversed, as Keras's go_backwards).
            last: jax.Array = carry[1] if isinstance(carry, tuple) else carry
            return last
        ys = jnp.moveaxis(ys, 0, 1)
        return jnp.flip(ys, axis=1) if self.hyper.reverse else ys


class LSTM(_Recurrent[*P]):
    """A long short-term memory layer over the first axis of (sequence, features) inputs.

    The cell, its parameters and its operations are those of
    `flax.nnx.OptimizedLSTMCell(features, units)` run by `flax.nnx.RNN`: `input_kernel`
    (features, 4 * units) is its `dense_i.kernel`, `recurrent_kernel` (units, 4 * units)
    and `bias` (4 * units,) are its `dense_h` kernel and bias; the gates are in the
    order input, forget, cell, output. The state starts at zeros.

    Args:
        units: The size of the hidden state and of each output.
        return_sequences: Whether to output every step, (sequence, units), or only the
            last one, (units,).
        reverse: Whether to read the sequence from its end (Keras's `go_backwards`);
            the outputs stay in input order.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.LSTM(32)(tn.Input(10, 8)).shape
        (10, 32)
        >>> nn.LSTM(32, return_sequences=False)(tn.Input(10, 8)).shape
        (32,)
    """

    hyper_type = LSTMHyper
    kind = "lstm"
    hyper: LSTMHyper
    gates = 4

    def initial_carry(self, batch: int, dtype: Any) -> Carry:
        units = concrete(self.hyper.units, f"{self!r}: units")
        return jnp.zeros((batch, units), dtype), jnp.zeros((batch, units), dtype)

    def cell(self, params: ParamTree) -> Cell:
        def step(carry: Carry, x: jax.Array) -> tuple[Carry, jax.Array]:
            c, h = carry
            y = _linear(x, params["input_kernel"]) + _linear(h, params["recurrent_kernel"], params["bias"])
            i, f, g, o = jnp.split(y, indices_or_sections=4, axis=-1)
            i, f, g, o = jax.nn.sigmoid(i), jax.nn.sigmoid(f), jnp.tanh(g), jax.nn.sigmoid(o)
            new_c = f * c + i * g
            new_h = o * jnp.tanh(new_c)
            return (new_c, new_h), new_h

        return step


class GRU(_Recurrent[*P]):
    """A gated recurrent unit layer over the first axis of (sequence, features) inputs.

    The cell, its parameters and its operations are those of
    `flax.nnx.GRUCell(features, units)` run by `flax.nnx.RNN`: `input_kernel`
    (features, 3 * units) and `bias` (3 * units,) are its `dense_i` kernel and bias,
    `recurrent_kernel` (units, 3 * units) is its `dense_h.kernel`; the gates are in the
    order reset, update, candidate. The state starts at zeros.

    Args:
        units: The size of the hidden state and of each output.
        return_sequences: Whether to output every step, (sequence, units), or only the
            last one, (units,).
        reverse: Whether to read the sequence from its end; the outputs stay in input order.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GRU(16, reverse=True)(tn.Input(7, 3)).shape
        (7, 16)
    """

    hyper_type = GRUHyper
    kind = "gru"
    hyper: GRUHyper
    gates = 3

    def initial_carry(self, batch: int, dtype: Any) -> Carry:
        return jnp.zeros((batch, concrete(self.hyper.units, f"{self!r}: units")), dtype)

    def cell(self, params: ParamTree) -> Cell:
        def step(h: Carry, x: jax.Array) -> tuple[Carry, jax.Array]:
            xi_r, xi_z, xi_n = jnp.split(_linear(x, params["input_kernel"], params["bias"]), 3, axis=-1)
            hh_r, hh_z, hh_n = jnp.split(_linear(h, params["recurrent_kernel"]), 3, axis=-1)
            r = jax.nn.sigmoid(xi_r + hh_r)
            z = jax.nn.sigmoid(xi_z + hh_z)
            n = jnp.tanh(xi_n + r * hh_n)
            new_h = (1.0 - z) * n + z * h
            return new_h, new_h

        return step


_BY_PARAMS: dict[type[RecurrentHyper], type[_Recurrent[*tuple[Any, ...]]]] = {LSTMHyper: LSTM, GRUHyper: GRU}
DIRECTIONS = ("forward", "backward")


class Bidirectional(Layer[*P]):
    """A recurrent layer run forwards and, with weights of its own, backwards; outputs merged.

    Keras's `Bidirectional`: the backward copy reads the sequence from its end (its
    outputs kept in input order, so step t of both directions lines up), and `merge`
    joins the two: ``"concat"`` along the features (doubling them), ``"sum"``,
    ``"mean"`` or ``"mul"`` element by element. The parameters are the wrapped layer's,
    prefixed ``forward_`` and ``backward_`` (`forward_input_kernel`...).

    Args:
        wrapped: The `LSTM` or `GRU` to run both ways; only its hyperparameters are used.
        merge: How to join the two directions' outputs.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Bidirectional(nn.LSTM(64))(tn.Input(10, 8)).shape
        (10, 128)
        >>> nn.Bidirectional(nn.GRU(64, return_sequences=False), merge="sum")(tn.Input(10, 8)).shape
        (64,)
    """

    hyper_type = BidirectionalHyper
    kind = "bidirectional"
    hyper: BidirectionalHyper

    def __init__(
        self,
        wrapped: LSTM[*tuple[Any, ...]] | GRU[*tuple[Any, ...]],
        *,
        merge: Merge = BidirectionalHyper.default("merge"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def directions(self) -> tuple[_Recurrent[*tuple[Any, ...]], _Recurrent[*tuple[Any, ...]]]:
        """The forward layer and its backward copy (the same hyperparameters, reading the other way)."""
        wrapped = self.hyper.wrapped
        if not isinstance(wrapped, RecurrentHyper):  # only the mypy plugin builds an unknown one
            raise TypeError(f"{self!r} wraps no recurrent layer")
        cls = _BY_PARAMS[type(wrapped)]
        backward = dataclasses.replace(wrapped, reverse=not wrapped.reverse)
        return cls.from_hyper(wrapped), cls.from_hyper(backward)

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        params: ParamTree = {}
        for direction, layer, part in zip(DIRECTIONS, self.directions(), jax.random.split(key)):
            params.update({f"{direction}_{name}": value for name, value in layer.init(part, *inputs).items()})
        return params

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        forward, backward = (
            layer.apply(
                {name.removeprefix(f"{direction}_"): v for name, v in params.items() if name.startswith(direction)},
                *xs,
                key=key,
                training=training,
            )
            for direction, layer in zip(DIRECTIONS, self.directions())
        )
        merge = self.hyper.merge
        if merge == "concat":
            return jnp.concatenate([forward, backward], axis=-1)
        if merge == "sum":
            return forward + backward
        if merge == "mean":
            return (forward + backward) / 2
        return forward * backward
