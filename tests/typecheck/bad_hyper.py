"""Hyperparameters that no layer can have are caught where the layer is written."""

from typing import Final

import typednn as tn
from typednn import nn

ZERO: Final = 0

k0 = nn.Conv2D(8, kernel=0)  # expect-error: Conv2D(8, kernel=0), kernel must be a positive int, 0
s0 = nn.Conv2D(8, kernel=3, stride=0)  # expect-error: Conv2D, stride must be a positive int, 0
d0 = nn.Conv2D(8, kernel=3, dilation=(1, 0))  # expect-error: Conv2D, dilation, (1, 0)
full = nn.Conv2D(8, kernel=3, padding="full")  # expect-error: "padding" to "Conv2D", full
groups = nn.Conv2D(8, kernel=3, groups=3)  # expect-error: Conv2D, filters (8), groups (3)
three = nn.Conv2D(8, kernel=(3, 5, 7))  # expect-error: "kernel" to "Conv2D", tuple[int, int, int]

mp = nn.MaxPool2D(0)  # expect-error: MaxPool2D(window=0), window must be a positive int
ap = nn.AvgPool2D(2, stride=0)  # expect-error: AvgPool2D(window=2, stride=0), stride must be a positive int

dense0 = nn.Dense(0)  # expect-error: Dense(0), units must be a positive int, 0
dense_in = nn.Dense(0, 5)  # expect-error: Dense(0 -> 5), in_features must be a positive int
dense_neg = nn.Dense(-3)  # expect-error: Dense(-3), units, -3

act = nn.Activation("relu7")  # expect-error: Activation('relu7'), function must be, relu7
drop = nn.Dropout(1)  # expect-error: Dropout(rate=1), rate must be in [0, 1), 1
drop_neg = nn.Dropout(rate=-1)  # expect-error: Dropout(rate=-1), -1

zero_axis = nn.Reshape(0, 4)  # expect-error: Reshape(0, 4), positive int, -1 or a tn.Dim

i0 = tn.Input(0, 3)  # expect-error: Input, positive, 0
neg = tn.Input(28, -1)  # expect-error: Input, positive, -1
final_zero = tn.Input(ZERO)  # expect-error: Input, positive, 0
