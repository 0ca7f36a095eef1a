"""Sizes written as arithmetic on literals and `Final` constants are checked like literals."""

from typing import Final

import typednn as tn
from typednn import nn

CHANNELS: Final = 16
KERNEL: Final = 5

# LeNet's classic slip: the feature map is 15x15x16 here, not 5x5x16.
x = tn.Input(15, 15, 16)
y = x >> nn.Flatten() >> nn.Dense(16 * 5 * 5, 120)  # expect-error: Dense(400 -> 120), (3600,)
z = x >> nn.Flatten() >> nn.Dense(CHANNELS * KERNEL * KERNEL, 120)  # expect-error: Dense(400 -> 120), (3600,)
w = x >> nn.Conv2D(8, kernel=KERNEL - 2, in_channels=CHANNELS // 2)  # expect-error: 8 input channels, (15, 15, 16)
v = tn.Input(2 * 3, -(2 - 4)) >> nn.Dense(3 * 2, 1)  # expect-error: Dense(6 -> 1), (6, 2)
u = tn.Input(3 - 5)  # expect-error: Input(-2), positive
