"""Arithmetic on literals and `Final` constants in layer arguments and `tn.Input`."""

from typing import Final
from typing import Literal as L

import typednn as tn
from typednn import nn

CHANNELS: Final = 16
KERNEL: Final = 5

x = tn.Input(5, 5, 16)
y: tn.Tensor[L[120]] = x >> nn.Flatten() >> nn.Dense(16 * 5 * 5, 120)
z: tn.Tensor[L[120]] = x >> nn.Flatten() >> nn.Dense(CHANNELS * KERNEL * KERNEL, 120)
w: tn.Tensor[L[3], L[3], L[8]] = x >> nn.Conv2D(8, kernel=KERNEL - 2, in_channels=CHANNELS // 1)
v: tn.Tensor[L[6], L[2]] = tn.Input(2 * 3, -(2 - 4))
# A size beyond any real one is not folded (and costs nothing): it stays unknown.
huge = nn.Dense(2**10**9, 3)
