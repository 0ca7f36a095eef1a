"""A custom layer defined here: the plugin imports this module and runs its rule."""

from dataclasses import dataclass
from typing import ClassVar
from typing import Literal as L
from typing import assert_type

import jax

import typednn as tn
from typednn import nn
from typednn.layers import P, ParamTree


@dataclass(frozen=True, kw_only=True)
class RepeatHyper(tn.Hyper):
    """Repeats the last axis `times` times: (..., n) -> (..., n * times)."""

    layer: ClassVar[str] = "Repeat"
    times: tn.Size

    def __post_init__(self) -> None:
        self.positive("times")

    def rule(self, *inputs: tn.Shape) -> tn.Shape:
        (x,) = inputs
        if x.rank == 0:
            raise tn.ShapeError(f"Repeat({self.times!r})", "at least one axis", repr(x))
        last = x.last
        return x.with_last(last * self.times if isinstance(last, int) and isinstance(self.times, int) else tn.UNKNOWN)


@tn.register_layer
class Repeat(tn.Layer[*P]):
    hyper_type = RepeatHyper
    kind = "repeat_features"
    hyper: RepeatHyper

    def __init__(self, times: int, *, name: str | None = None) -> None:
        super().__init__(RepeatHyper(times=times), name=name)

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        return jax.numpy.tile(x, (1,) * (x.ndim - 1) + (self.hyper.times,))


x = tn.Input(5, 3)
h = Repeat(4)(x)
assert_type(h, tn.Tensor[L[5], L[12]])
y = h >> nn.Dense(12, 2)
assert_type(y, tn.Tensor[L[5], L[2]])
block = Repeat(2) >> nn.Dense(6, 1)
assert_type(block(x), tn.Tensor[L[5], L[1]])
z = tn.Input(7) >> Repeat(3) >> Repeat(2)
assert_type(z, tn.Tensor[L[42]])


def unknown(times: int) -> None:
    # Unknown at check time: the output size is Any, never a false positive.
    w = Repeat(times)(tn.Input(5, 3)) >> nn.Dense(99, 1)
    assert_type(w, tn.Tensor[L[5], L[1]])
