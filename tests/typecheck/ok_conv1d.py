"""Conv1D, MaxPool1D and AvgPool1D arithmetic on (length, channels) sequences."""

from typing import Any, Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

KERNEL: Final = 5
STRIDE: Final = 2


class Seq(tn.Dim):
    """Tokens in a sequence."""


x = tn.Input(100, 8)
assert_type(nn.Conv1D(16, kernel=3)(x), tn.Tensor[L[98], L[16]])
assert_type(nn.Conv1D(16, kernel=3, in_channels=8)(x), tn.Tensor[L[98], L[16]])
assert_type(nn.Conv1D(16, kernel=KERNEL, stride=STRIDE)(x), tn.Tensor[L[48], L[16]])  # (100 - 5) // 2 + 1
assert_type(nn.Conv1D(16, kernel=3, dilation=4)(x), tn.Tensor[L[92], L[16]])  # 9 taps
assert_type(nn.Conv1D(16, kernel=3, padding="same")(x), tn.Tensor[L[100], L[16]])
assert_type(nn.Conv1D(16, kernel=3, stride=3, padding="same")(x), tn.Tensor[L[34], L[16]])  # ceil(100 / 3)
assert_type(nn.Conv1D(4, kernel=3, groups=4, use_bias=False)(x), tn.Tensor[L[98], L[4]])
assert_type(nn.Conv1D(16, kernel=100)(x), tn.Tensor[L[1], L[16]])  # kernel == input

assert_type(nn.MaxPool1D(4)(x), tn.Tensor[L[25], L[8]])
assert_type(nn.MaxPool1D(3)(x), tn.Tensor[L[33], L[8]])  # the last position is dropped
assert_type(nn.AvgPool1D(3, stride=1)(x), tn.Tensor[L[98], L[8]])
assert_type(nn.AvgPool1D(3, stride=2, padding="same")(x), tn.Tensor[L[50], L[8]])
assert_type(nn.MaxPool1D(100)(x), tn.Tensor[L[1], L[8]])

# A small 1-D CNN for sequence classification, step by step.
h = x >> nn.Conv1D(32, kernel=5, padding="same") >> nn.relu >> nn.MaxPool1D(2)
assert_type(h, tn.Tensor[L[50], L[32]])
h = h >> nn.Conv1D(64, kernel=3, in_channels=32) >> nn.relu >> nn.AvgPool1D(4)
assert_type(h, tn.Tensor[L[12], L[64]])
logits = h >> nn.Flatten() >> nn.Dense(768, 10)
assert_type(logits, tn.Tensor[L[10]])

# A composed block, written before it is applied.
block = nn.Conv1D(8, kernel=3) >> nn.relu >> nn.MaxPool1D(2)
assert_type(block(tn.Input(20, 4)), tn.Tensor[L[9], L[8]])

# A named length survives 'same' padding with stride 1, a valid window shortens it by a
# fixed amount, and a stride that rounds makes it unknown.
s = tn.Input(Seq, 16)
assert_type(nn.Conv1D(8, kernel=3, padding="same")(s), tn.Tensor[Seq, L[8]])
assert_type(nn.Conv1D(8, kernel=1)(s), tn.Tensor[Seq, L[8]])
assert_type(nn.AvgPool1D(3, stride=1, padding="same")(s), tn.Tensor[Seq, L[16]])
assert_type(nn.MaxPool1D(2)(s), tn.Tensor[Any, L[16]])
assert_type(nn.Conv1D(8, kernel=3)(s), tn.Tensor[tn.Minus[Seq, L[2]], L[8]])

# Residual: 'same' padding keeps the shape, so the sum type-checks.
r = nn.Conv1D(16, kernel=3, padding="same")(nn.Conv1D(16, kernel=1)(x)) + nn.Conv1D(16, kernel=1)(x)
assert_type(r, tn.Tensor[L[100], L[16]])
