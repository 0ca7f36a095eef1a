# mypy: allow-redefinition-old, no-allow-redefinition
"""One bug, one error, under `allow_redefinition_old` (each redefinition a new variable)."""

from typing import Literal as L

import typednn as tn
from typednn import nn

h = tn.Input(784)
h = h >> nn.Dense(784, 128) >> nn.relu
h = h >> nn.Dense(64, 32)  # expect-error: Dense(64 -> 32), (128,), from `h` (line 10)
h = h >> nn.Dense(32, 10)
h = nn.Dense(10, 5)(h)
out: tn.Tensor[L[5]] = h


def forward(x: tn.Tensor[L[32], L[32], L[3]]) -> tn.Tensor[L[10]]:
    x = nn.Conv2D(16, kernel=3)(x)
    x = nn.Conv2D(16, kernel=3, in_channels=8)(x)  # expect-error: 8 input channels, (30, 30, 16), from `x` (line 18)
    x = nn.Conv2D(16, kernel=3, in_channels=16)(x)
    y = nn.Flatten()(x)
    return nn.Dense(10)(y)
