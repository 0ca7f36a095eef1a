"""Keras's functional API, mis-wired: the second input, a head, a shared tower."""

from typing import Literal as L

import typednn as tn
from typednn import nn

image = tn.Input(8, 8, 3, name="image")
meta = tn.Input(4, name="meta")
features = image >> nn.Conv2D(4, kernel=3)
joined = nn.concat(features, meta >> nn.Dense(8))  # expect-error: Concatenate, (6, 6, 4), (8,)
extra = meta >> nn.Dense(5, 8)  # expect-error: Dense(5 -> 8), 5 input features, (4,)

left, right = tn.Input(16), tn.Input(12)
tower = nn.Dense(16, 8)
towers = nn.concat(tower(left), tower(right))  # expect-error: Dense(16 -> 8), 16 input features, (12,)


def heads() -> tn.Model[tuple[tn.Tensor[L[8], L[8], L[3]], tn.Tensor[L[4]]], tuple[tn.Tensor[L[10]], tn.Tensor[L[5]]]]:
    x, m = tn.Input(8, 8, 3), tn.Input(4)
    z = nn.concat(x >> nn.Flatten(), m)
    return tn.Model((x, m), (z >> nn.Dense(10), z >> nn.Dense(4)))  # expect-error: Argument 2 to "Model", expected "tuple[Tensor[Literal[10]]
