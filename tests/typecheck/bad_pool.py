"""MaxPool2D and AvgPool2D: windows larger than the input, wrong rank, later mismatches."""

import typednn as tn
from typednn import nn

small = tn.Input(2, 2, 4)
m = nn.MaxPool2D(3)(small)  # expect-error: MaxPool2D(window=3), height of at least 3, (2, 2, 4)
a = nn.AvgPool2D((2, 5))(tn.Input(8, 4, 4))  # expect-error: AvgPool2D(window=(2, 5)), width of at least 5, (8, 4, 4)

p = tn.Input(8, 8, 1) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2)  # 1 x 1 x 1
q = p >> nn.MaxPool2D(2)  # expect-error: MaxPool2D, at least 2, (1, 1, 1)
r = p >> nn.AvgPool2D(2, stride=1)  # expect-error: AvgPool2D(window=2, stride=1), (1, 1, 1)

v = nn.MaxPool2D(2)(tn.Input(64))  # expect-error: MaxPool2D(window=2), (height, width, channels), (64,)
t = tn.Input(10, 10) >> nn.AvgPool2D(2)  # expect-error: AvgPool2D(window=2), (height, width, channels), (10, 10)

# Stride 1 keeps 27 x 27 positions, not 14 x 14.
s = tn.Input(28, 28, 1) >> nn.MaxPool2D(2, stride=1) >> nn.Flatten()
y = s >> nn.Dense(196, 10)  # expect-error: Dense(196 -> 10), (729,)
