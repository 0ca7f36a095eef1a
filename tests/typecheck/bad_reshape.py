"""Flatten and Reshape: element counts must agree."""

import typednn as tn
from typednn import nn

r = tn.Input(784) >> nn.Reshape(28, 28, 3)  # expect-error: Reshape(28, 28, 3), 2352 elements, 784 elements
s = tn.Input(100) >> nn.Reshape(-1, 7)  # expect-error: Reshape(-1, 7), multiple of 7, 100 elements
t = nn.Reshape(-1, 3, 3)(tn.Input(10, 10))  # expect-error: Reshape(-1, 3, 3), multiple of 9, (10, 10)
two_free = nn.Reshape(-1, 4, -1)  # expect-error: Reshape(-1, 4, -1), at most one axis may be inferred

f = tn.Input(28, 28, 3) >> nn.Flatten()
y = nn.Dense(784, 10)(f)  # expect-error: Dense(784 -> 10), 784 input features, (2352,)

head = nn.Flatten() >> nn.Dense(3000, 10)
z = head(tn.Input(7, 7, 64))  # expect-error: Dense(3000 -> 10), (3136,)

g = tn.Input(64) >> nn.Reshape(8, 8) >> nn.Conv2D(4, kernel=3)  # expect-error: Conv2D(4, kernel=3), channels, (8, 8)
