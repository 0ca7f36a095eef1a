"""Dense: `y = x @ kernel + bias` over the last axis."""

from __future__ import annotations

from typing import Any, overload

import jax
from jax import lax

from .._shapes import DenseHyper, Shape
from ._base import Layer, P, ParamTree
from ._binding import bind_call
from ._elementwise import activate
from ._lowering import add_bias, concrete, kernel_and_bias


class Dense(Layer[*P]):
    """A fully connected layer acting on the last axis.

    `Dense(out)` takes whatever number of features arrives; `Dense(in, out)` also
    states the input size (DL4J's nIn/nOut), which mypy then checks. A call binds to
    the first of the two forms that takes it, at run time as under mypy:
    `Dense(784, units=128)` is `Dense(784 -> 128)`.

    Args:
        in_features: The size of the last input axis (optional).
        units: The size of the last output axis.
        use_bias: Whether to add a learned bias.
        activation: An activation applied after the map, by name (`"relu"`,
            `"softmax"`...: those of `nn.Activation`): Keras's argument, the same graph
            as `nn.Dense(128) >> nn.relu`. None (the default) applies none.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Dense(784, 128)(tn.Input(784)).shape
        (128,)
        >>> nn.Dense(128, activation="relu")
        Dense(128, activation='relu')
    """

    hyper_type = DenseHyper
    kind = "dense"
    masking = "keep"
    hyper: DenseHyper

    @overload
    def __init__(
        self, units: int, *, use_bias: bool = ..., activation: str | None = ..., name: str | None = ...
    ) -> None: ...
    @overload
    def __init__(
        self,
        in_features: int,
        units: int,
        *,
        use_bias: bool = ...,
        activation: str | None = ...,
        name: str | None = ...,
    ) -> None: ...
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Bound by the overloads above, as mypy binds the call, so `Dense(784, units=128)`
        # is `Dense(784 -> 128)` to both; the defaults live in DenseHyper.
        self._init_from(
            bind_call(Dense.__init__, args, kwargs, hint="e.g. Dense(128), or Dense(784, 128) to state the input size")
        )

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        n_in = concrete(x.last, f"{self!r}: the input features")
        n_out = concrete(self.hyper.units, f"{self!r}: units")
        return kernel_and_bias(key, (n_in, n_out), use_bias=self.hyper.use_bias)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # The same operations as flax.nnx.Linear, so the compiled program is the same.
        (x,) = xs
        y = add_bias(lax.dot_general(x, params["kernel"], (((x.ndim - 1,), (0,)), ((), ()))), params)
        return activate(self.hyper.activation, y)
