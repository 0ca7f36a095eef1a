"""Errors inside loops, functions, methods and after a name is redefined."""

from typing import Literal as L

import typednn as tn
from typednn import nn

h = tn.Input(8)
for _ in range(3):
    h = nn.Dense(16, 16)(h)  # expect-error: Dense(16 -> 16), (8,)

# The first pass receives what the loop starts with, whatever the later passes hold.
g = tn.Input(32)
for _ in range(3):
    g = g >> nn.Dense(16, 32)  # expect-error: Dense(16 -> 32), 16 input features, (32,), from `g` (line 13)

layers = [nn.Dense(16, 16), nn.Dense(16, 16)]
z = tn.Input(8)
for layer in layers:
    z = layer(z)  # expect-error: Dense(16 -> 16), (8,)

outs = [nn.Dense(16, 4)(t) for t in (tn.Input(8), tn.Input(12))]  # expect-error: Dense(16 -> 4), (8,)

n = 0
while n < 3:
    w = tn.Input(4) + tn.Input(5)  # expect-error: Add, (4,), (5,)
    n += 1

e = tn.Input(3)
e = e >> nn.Dense(3, 5)
e = nn.Dense(3, 5)(e)  # expect-error: Dense(3 -> 5), (5,)

c = tn.Input(32, 32, 3)
c = nn.Conv2D(16, kernel=5, stride=2)(c)
c = nn.Conv2D(16, kernel=3, in_channels=3)(c)  # expect-error: 3 input channels, (14, 14, 16)

u = tn.Input(8) if len(layers) > 1 else tn.Input(32)
v = u >> nn.Dense(16, 4)  # expect-error: Dense(16 -> 4), (8,)


def build() -> None:
    x = tn.Input(28, 28, 1)
    _ = x >> nn.Conv2D(8, kernel=3) >> nn.Flatten() >> nn.Dense(5000, 10)  # expect-error: Dense(5000 -> 10), (5408,)


class Net:
    def __init__(self) -> None:
        self.layer = nn.Dense(32, 10)

    def forward(self, x: tn.Tensor[L[16]]) -> None:
        _ = self.layer(x)  # expect-error: Dense(32 -> 10), (16,)


def nested(depth: int) -> None:
    t = tn.Input(6, 6, 2)
    for _ in range(depth):
        if depth > 2:
            t = t >> nn.MaxPool2D(2) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2)  # expect-error: MaxPool2D, (1, 1, 2)
