"""Residual additions and concatenation along any axis."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

a = tn.Input(32, 32, 16)
b = nn.Conv2D(16, kernel=3, padding="same")(a)
assert_type(a + b, tn.Tensor[L[32], L[32], L[16]])
assert_type(a + b + a, tn.Tensor[L[32], L[32], L[16]])

h = tn.Input(64)
skip = h + (h >> nn.Dense(32) >> nn.relu >> nn.Dense(64))
assert_type(skip, tn.Tensor[L[64]])

assert_type(nn.concat(tn.Input(10, 300), tn.Input(10, 484), axis=-1), tn.Tensor[L[10], L[784]])
assert_type(nn.concat(tn.Input(10, 300), tn.Input(10, 484)), tn.Tensor[L[10], L[784]])
assert_type(nn.concat(tn.Input(3, 7), tn.Input(5, 7), axis=0), tn.Tensor[L[8], L[7]])
assert_type(nn.concat(tn.Input(3, 4), tn.Input(3, 4), axis=-2), tn.Tensor[L[6], L[4]])
assert_type(nn.concat(tn.Input(2, 4), tn.Input(3, 4), tn.Input(5, 4), axis=0), tn.Tensor[L[10], L[4]])
assert_type(nn.concat(tn.Input(8, 8, 3), tn.Input(8, 8, 5)), tn.Tensor[L[8], L[8], L[8]])

# An inception-style merge of two convolution branches.
x = tn.Input(16, 16, 8)
left = x >> nn.Conv2D(4, kernel=1)
right = x >> nn.Conv2D(12, kernel=3, padding="same")
merged = nn.concat(left, right, axis=-1)
assert_type(merged, tn.Tensor[L[16], L[16], L[16]])
assert_type((merged >> nn.Conv2D(8, kernel=1)) + x + x, tn.Tensor[L[16], L[16], L[8]])
