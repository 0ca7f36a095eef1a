"""A custom layer: SwiGLU, the gated feed-forward unit of recent transformers.

`SwiGLU(units)` maps the last axis to `units` features as `silu(x @ gate) * (x @ up)`.
A layer is three things, and this file states each once:

1. hyperparameters and one shape rule (`SwiGLUHyper`), free of JAX: the mypy plugin
   imports this module and runs the rule at check time;
2. a typed constructor (`SwiGLU.__init__`), whose arguments the plugin reads;
3. a lowering (`init` and `apply`) on JAX arrays with the batch axis first.

`@tn.register_layer` makes `swiglu` a layer kind of spec files (`examples/swiglu.yaml`,
run with `typednn train --import examples/swiglu.py examples/swiglu.yaml`), exports and
codegen. Nothing in typednn changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from typing import Literal as L

import jax
import jax.numpy as jnp

import typednn as tn
from typednn import nn
from typednn.layers import P, ParamTree, concrete


@dataclass(frozen=True, kw_only=True)
class SwiGLUHyper(tn.Hyper):
    """The hyperparameters and the shape rule: (..., features) -> (..., units)."""

    layer: ClassVar[str] = "SwiGLU"  # the name in messages
    units: tn.Size

    def __post_init__(self) -> None:
        self.positive("units")  # a HyperparameterError (and a mypy error for a literal) if not

    def describe(self) -> str:
        return f"SwiGLU({self.units!r})"

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        (x,) = inputs
        if x.rank == 0:
            raise tn.ShapeError(self.describe(), "at least one axis", repr(x), hint="use Reshape to add a feature axis")
        return x.with_last(self.units)


@tn.register_layer
class SwiGLU(tn.Layer[*P]):
    """`silu(x @ gate) * (x @ up)` over the last axis.

    Example:
        >>> SwiGLU(16)(tn.Input(10, 8)).shape
        (10, 16)
    """

    hyper_type = SwiGLUHyper
    kind = "swiglu"
    hyper: SwiGLUHyper

    def __init__(self, units: int, *, name: str | None = None) -> None:
        super().__init__(SwiGLUHyper(units=units), name=name)

    def init(self, key: jax.Array, *inputs: tn.Shape) -> ParamTree:
        (x,) = inputs
        shape = (concrete(x.last, f"{self!r}: the input features"), concrete(self.hyper.units, f"{self!r}: units"))
        gate, up = jax.random.split(key)
        initializer = jax.nn.initializers.lecun_normal()
        return {"gate": initializer(gate, shape, jnp.float32), "up": initializer(up, shape, jnp.float32)}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return jax.nn.silu(x @ params["gate"]) * (x @ params["up"])


Tokens = tn.Tensor[L[16], L[32]]


def build_model() -> tn.Model[Tokens, tn.Tensor[L[4]]]:
    """A feed-forward block with the custom layer; mypy follows its shapes like any other's."""
    x = tn.Input(16, 32)
    g: tn.Tensor[L[16], L[64]] = SwiGLU(64)(x)  # checked by the plugin, through SwiGLUHyper.rule
    h = g >> nn.Dense(32) >> nn.LayerNorm()
    y = h >> nn.Flatten() >> nn.Dense(4)
    return tn.Model(x, y, name="swiglu")


def main() -> dict[str, Any]:
    """Run the model once: its parameters and the output shape."""
    model = build_model()
    params = model.init(jax.random.key(0))
    out = model.apply(params, jnp.ones((2, 16, 32)))
    return {"params": model.count_params(), "output": out.shape}


if __name__ == "__main__":
    print(main())
