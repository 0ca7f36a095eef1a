"""One bug gives one error, and the origin names the assignment the value came from."""

from typing import Literal as L

import typednn as tn
from typednn import nn

# A chain of redefinitions: the layers after the bug are checked against what the
# failed layer would have given, not against the earlier shapes of the name.
h = tn.Input(784)
h = h >> nn.Dense(784, 128) >> nn.relu
h = h >> nn.Dense(64, 32)  # expect-error: Dense(64 -> 32), (128,), from `h` (line 11)
h = h >> nn.Dense(32, 10)
h = h >> nn.relu
h = nn.Dense(10, 5)(h)
out: tn.Tensor[L[5]] = h

# A second, independent bug further down is still found.
g = tn.Input(16)
g = g >> nn.Dense(8, 4)  # expect-error: Dense(8 -> 4), (16,), from `g` (line 19)
g = g >> nn.Dense(4, 2)
g = g >> nn.Dense(3, 1)  # expect-error: Dense(3 -> 1), (..., 2), from `g` (line 21)

# The same inside a function, with the input as a parameter.
def forward(x: tn.Tensor[L[32], L[32], L[3]]) -> tn.Tensor[L[10]]:
    x = nn.Conv2D(16, kernel=3)(x)
    x = nn.Conv2D(16, kernel=3, in_channels=8)(x)  # expect-error: 8 input channels, (30, 30, 16), from `x` (line 26)
    x = nn.Conv2D(16, kernel=3, in_channels=16)(x)
    x = nn.Flatten()(x)
    return nn.Dense(10)(x)


# A conv stack whose bug is in the middle: one error.
c = tn.Input(28, 28, 1)
c = c >> nn.Conv2D(6, kernel=5, padding="same") >> nn.relu >> nn.MaxPool2D(2)
c = c >> nn.Conv2D(16, kernel=5) >> nn.relu >> nn.MaxPool2D(2)
c = c >> nn.Flatten() >> nn.Dense(16 * 4 * 4, 120)  # expect-error: Dense(256 -> 120), (400,)
c = c >> nn.relu >> nn.Dense(120, 84) >> nn.relu >> nn.Dense(84, 10)
