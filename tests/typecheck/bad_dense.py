"""Dense: the input size a layer states differs from what it receives."""

from typing import Final

import typednn as tn
from typednn import nn

FEATURES: Final = 784

x = tn.Input(FEATURES)
h = nn.Dense(784, 128)(x)
y = nn.Dense(64, 10)(h)  # expect-error: Dense(64 -> 10), 64 input features, (128,)

p = x >> nn.Dense(100, 10)  # expect-error: Dense(100 -> 10), 100 input features, (784,)

q = tn.Input(20) >> nn.Dense(32) >> nn.relu >> nn.Dense(16, 8)  # expect-error: Dense(16 -> 8), (32,)

image = tn.Input(28, 28, 1) >> nn.Dense(784, 10)  # expect-error: Dense(784 -> 10), (28, 28, 1)

k = nn.Dense(in_features=10, units=5)(tn.Input(12))  # expect-error: Dense(10 -> 5), (12,)

scalar = tn.Input()
s = scalar >> nn.Dense(4)  # expect-error: Dense(4), at least one axis, ()

wide = tn.Input(3, 7) >> nn.Dense(3, 2)  # expect-error: Dense(3 -> 2), 3 input features, (3, 7)
