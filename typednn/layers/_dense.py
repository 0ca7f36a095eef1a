"""Dense: `y = x @ kernel + bias` over the last axis."""

from __future__ import annotations

from typing import overload

import jax
from jax import lax

from .._shapes import DenseParams, HyperparameterError, Shape
from ._base import Layer, P, ParamTree
from ._lowering import add_bias, concrete, kernel_and_bias


class Dense(Layer[*P]):
    """A fully connected layer acting on the last axis.

    `Dense(out)` takes whatever number of features arrives; `Dense(in, out)` also
    states the input size (DL4J's nIn/nOut), which mypy then checks.

    Args:
        in_features: The size of the last input axis (optional).
        units: The size of the last output axis.
        use_bias: Whether to add a learned bias.
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.Dense(784, 128)(tn.Input(784)).shape
        (128,)
    """

    params_type = DenseParams
    kind = "dense"
    params: DenseParams

    @overload
    def __init__(self, units: int, *, use_bias: bool = ..., name: str | None = ...) -> None: ...
    @overload
    def __init__(self, in_features: int, units: int, *, use_bias: bool = ..., name: str | None = ...) -> None: ...
    def __init__(
        self,
        *sizes: int,
        use_bias: bool = DenseParams.default("use_bias"),
        name: str | None = None,
        **sizes_by_name: int,
    ) -> None:
        if sizes_by_name and "units" not in sizes_by_name:
            raise HyperparameterError(
                f"Dense needs units (the output size), given only {', '.join(sizes_by_name)}",
                hint="e.g. Dense(784, 128) or Dense(in_features=784, units=128)",
            )
        named = (sizes_by_name.get("in_features"), sizes_by_name["units"]) if sizes_by_name else None
        in_features, units = named or ((None, *sizes) if len(sizes) == 1 else sizes)
        super().__init__(DenseParams(in_features=in_features, units=units, use_bias=use_bias), name=name)

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        n_in = concrete(x.last, f"{self!r}: the input features")
        n_out = concrete(self.params.units, f"{self!r}: units")
        return kernel_and_bias(key, (n_in, n_out), use_bias=self.params.use_bias)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        # The same operations as flax.nnx.Linear, so the compiled program is the same.
        (x,) = xs
        return add_bias(lax.dot_general(x, params["kernel"], (((x.ndim - 1,), (0,)), ((), ()))), params)
