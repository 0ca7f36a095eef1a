"""LSTM and GRU scanned over time as flax.nnx.RNN runs its cells, and Bidirectional around them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, TypeAlias, cast

import jax
import jax.numpy as jnp
from jax import lax

from .._shapes import BidirectionalHyper, GRUHyper, LSTMHyper, OutputPartHyper, RecurrentHyper, Shape
from ._base import Layer, P, ParamTree
from ._lowering import bias_init, concrete, kernel_init
from ._masks import MaskArray
from ._tensor import Tensor

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
    masking = "use"

    def __init__(
        self,
        units: int,
        *,
        return_sequences: bool = RecurrentHyper.default("return_sequences"),
        reverse: bool = RecurrentHyper.default("reverse"),
        return_state: bool = RecurrentHyper.default("return_state"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def __call__(
        self, *inputs: Tensor[*tuple[Any, ...]], initial_state: Sequence[Tensor[*tuple[Any, ...]]] | None = None
    ) -> Any:
        """The output; with `return_state=True`, `(output, *state)` (`(output, h, c)` for an LSTM).

        `initial_state` (`(h, c)` for an LSTM, `(h,)` for a GRU, each `(units,)`) starts
        the state there instead of at zeros; it follows the input in the node's inputs.
        Under the mypy plugin the result is typed, a tuple with `return_state=True`.
        """
        parts = self.outputs_of((*inputs, *(initial_state or ())))
        return parts[0] if len(parts) == 1 else parts

    def outputs_of(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> tuple[Tensor[*tuple[Any, ...]], ...]:
        whole = self.apply_to(inputs)
        if self.hyper.return_state is not True:
            return (whole,)
        # The node gives (output, *state) together; a part node picks each.
        return tuple(OutputPart(self, index).apply_to((whole,)) for index in range(1 + len(self.hyper.states)))

    def output_parts(self) -> tuple[str, ...]:
        return ("", *self.hyper.states) if self.hyper.return_state is True else ("",)

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        x, *_ = inputs
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

    def carry_of(self, state: Sequence[jax.Array]) -> Carry:
        """The cell's carry from the state's parts, in the order of `states`."""
        raise NotImplementedError

    def state_of(self, carry: Carry) -> tuple[jax.Array, ...]:
        """The state's parts, in the order of `states`, from the cell's carry."""
        raise NotImplementedError

    def cell(self, params: ParamTree) -> Cell:
        raise NotImplementedError

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        # The sequence keeps its mask; the last step alone has none to keep.
        return super().passes_mask(inputs) and self.hyper.return_sequences is True

    def output_mask(self, masks: tuple[MaskArray, ...], *xs: jax.Array) -> MaskArray:
        return masks[0]

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> Any:
        return self._run(params, xs, None)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> Any:
        return self._run(params, xs, masks[0])

    def _run(self, params: ParamTree, xs: Sequence[jax.Array], mask: MaskArray) -> Any:
        """The output of `(x, *initial_state)`; with `return_state`, `(output, *state)`."""
        x, *initial = xs
        # Zeros in the dtype the cell computes in (the input's and the parameters' promoted:
        # bfloat16 under mixed precision, as Keras's compute dtype): a float32 carry would
        # pull every step back to float32, and the scan needs the carry's dtype to be the step's.
        dtype = jnp.result_type(x.dtype, *(array.dtype for array in jax.tree.leaves(params)))
        carry = self.carry_of(initial) if initial else self.initial_carry(x.shape[0], dtype)
        # (batch, sequence, features): as flax.nnx.RNN, flip the sequence to run backwards,
        # scan over time-major steps, and flip the outputs back (keep_order=True).
        if self.hyper.reverse:
            x = jnp.flip(x, axis=1)
            mask = None if mask is None else jnp.flip(mask, axis=1)
        cell = self.cell(params)
        if mask is not None:
            cell = _skipping(cell)
            steps: Any = (jnp.moveaxis(x, 1, 0), jnp.moveaxis(mask, 1, 0))
        else:
            steps = jnp.moveaxis(x, 1, 0)
        carry, ys = lax.scan(cell, carry, steps)
        state = self.state_of(carry)
        if not self.hyper.return_sequences:
            # The last step's output, h (the first position's when reversed, as Keras's go_backwards).
            output = state[0]
        else:
            ys = jnp.moveaxis(ys, 0, 1)
            output = jnp.flip(ys, axis=1) if self.hyper.reverse else ys
        return (output, *state) if self.hyper.return_state is True else output


def _skipping(cell: Cell) -> Callable[[Carry, tuple[jax.Array, jax.Array]], tuple[Carry, jax.Array]]:
    """The cell, stepping only where the mask is True: a padded step keeps the state and outputs 0.

    As Keras's masked RNNs: the final state is the last real step's, and so is the
    output of `return_sequences=False`, wherever the padding lies.
    """

    def step(carry: Carry, inputs: tuple[jax.Array, jax.Array]) -> tuple[Carry, jax.Array]:
        x, real = inputs
        new_carry, y = cell(carry, x)
        keep = real[:, None]
        carry = jax.tree.map(lambda new, old: jnp.where(keep, new, old), new_carry, carry)
        return carry, jnp.where(keep, y, 0.0)

    return step


class OutputPart(Layer[*P]):
    """One output of a recurrent layer with `return_state=True`: its output, or a part of its state.

    What `seq, h, c = nn.LSTM(64, return_state=True)(x)` makes, one per name; it has no
    parameters, and a model names it after its layer (`encoder`, `encoder.h`,
    `encoder.c`), as spec files refer to it.
    """

    hyper_type = OutputPartHyper
    hyper: OutputPartHyper
    masking = "use"

    def __init__(self, of: _Recurrent[*tuple[Any, ...]], index: int) -> None:
        Layer.__init__(self, OutputPartHyper(of=cast(LSTMHyper | GRUHyper, of.hyper), index=index))
        self.of = of

    @property
    def part_of(self) -> tuple[Layer[*tuple[Any, ...]], int]:
        return self.of, self.hyper.index

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        return self.hyper.index == 0 and inputs[0].masked  # the state has no positions

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (whole,) = xs
        part: jax.Array = whole[self.hyper.index]
        return part


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
            last one, (units,). True by default here; Keras's default is False.
        reverse: Whether to read the sequence from its end (Keras's `go_backwards`);
            the outputs stay in input order.
        return_state: Whether a call also gives the final state: `output, h, c =
            lstm(x)` (Keras's order), each part `(units,)`. `lstm(x, initial_state=(h,
            c))` starts from a state instead of zeros.
        name: The layer's name in the model.

    A padding mask (`nn.Embedding(mask_zero=True)`) makes the layer skip padded steps,
    carrying the state over them.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.LSTM(32)(tn.Input(10, 8)).shape
        (10, 32)
        >>> nn.LSTM(32, return_sequences=False)(tn.Input(10, 8)).shape
        (32,)
        >>> [t.shape for t in nn.LSTM(32, return_state=True)(tn.Input(10, 8))]
        [(10, 32), (32,), (32,)]
    """

    hyper_type = LSTMHyper
    kind = "lstm"
    hyper: LSTMHyper
    gates = 4

    def initial_carry(self, batch: int, dtype: Any) -> Carry:
        units = concrete(self.hyper.units, f"{self!r}: units")
        return jnp.zeros((batch, units), dtype), jnp.zeros((batch, units), dtype)

    def carry_of(self, state: Sequence[jax.Array]) -> Carry:
        h, c = state
        return c, h  # flax's OptimizedLSTMCell carries (c, h); Keras's state is [h, c]

    def state_of(self, carry: Carry) -> tuple[jax.Array, ...]:
        c, h = carry
        return h, c

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
    order reset, update, candidate. The state starts at zeros. Each step computes

        r = sigmoid(x @ W_ir + b_r + h @ W_hr)
        z = sigmoid(x @ W_iz + b_z + h @ W_hz)
        n = tanh(x @ W_in + b_n + r * (h @ W_hn + b_hn))
        h' = (1 - z) * n + z * h

    where `b_hn` is the `recurrent_bias` parameter with `recurrent_bias=True`, and
    absent (zero) otherwise.

    Args:
        units: The size of the hidden state and of each output.
        return_sequences: Whether to output every step, (sequence, units), or only the
            last one, (units,). True by default here; Keras's default is False.
        reverse: Whether to read the sequence from its end; the outputs stay in input order.
        return_state: Whether a call also gives the final state: `output, h = gru(x)`.
            `gru(x, initial_state=(h,))` starts from a state instead of zeros.
        recurrent_bias: Whether the candidate's recurrent term has a bias of its own,
            `recurrent_bias` (units,), zero at first: Keras's GRU (`reset_after=True`)
            has one, inside the reset gate, so it cannot fold into `bias`. False by
            default (flax's GRUCell, whose parameters stay as they are).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.GRU(16, reverse=True)(tn.Input(7, 3)).shape
        (7, 16)
        >>> nn.GRU(16, recurrent_bias=True)(tn.Input(7, 3)).shape
        (7, 16)
    """

    hyper_type = GRUHyper
    kind = "gru"
    hyper: GRUHyper
    gates = 3

    def __init__(
        self,
        units: int,
        *,
        return_sequences: bool = GRUHyper.default("return_sequences"),
        reverse: bool = GRUHyper.default("reverse"),
        return_state: bool = GRUHyper.default("return_state"),
        recurrent_bias: bool = GRUHyper.default("recurrent_bias"),
        name: str | None = None,
    ) -> None:
        self._init_from(locals())

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        params = super().init(key, *inputs)
        if self.hyper.recurrent_bias is True:
            units = concrete(self.hyper.units, f"{self!r}: units")
            params["recurrent_bias"] = jnp.zeros((units,), jnp.float32)
        return params

    def initial_carry(self, batch: int, dtype: Any) -> Carry:
        return jnp.zeros((batch, concrete(self.hyper.units, f"{self!r}: units")), dtype)

    def carry_of(self, state: Sequence[jax.Array]) -> Carry:
        (h,) = state
        return h

    def state_of(self, carry: Carry) -> tuple[jax.Array, ...]:
        return (carry,)

    def cell(self, params: ParamTree) -> Cell:
        def step(h: Carry, x: jax.Array) -> tuple[Carry, jax.Array]:
            xi_r, xi_z, xi_n = jnp.split(_linear(x, params["input_kernel"], params["bias"]), 3, axis=-1)
            hh_r, hh_z, hh_n = jnp.split(_linear(h, params["recurrent_kernel"]), 3, axis=-1)
            r = jax.nn.sigmoid(xi_r + hh_r)
            z = jax.nn.sigmoid(xi_z + hh_z)
            if self.hyper.recurrent_bias is True:
                # Inside the reset gate, as Keras's reset_after=True: r scales the bias too.
                hh_n = hh_n + jnp.reshape(params["recurrent_bias"], (1,) * (hh_n.ndim - 1) + (-1,))
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
    masking = "use"

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

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        return self.directions()[0].passes_mask(inputs)

    def output_mask(self, masks: tuple[MaskArray, ...], *xs: jax.Array) -> MaskArray:
        return masks[0]

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self._run(params, xs[0], None)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        return self._run(params, xs[0], masks[0])

    def _run(self, params: ParamTree, x: jax.Array, mask: MaskArray) -> jax.Array:
        forward: jax.Array
        backward: jax.Array
        forward, backward = (
            layer._run(
                {name.removeprefix(f"{direction}_"): v for name, v in params.items() if name.startswith(direction)},
                (x,),
                mask,
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
