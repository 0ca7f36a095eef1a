"""MaxPool2D and AvgPool2D: window, stride, padding, tuples."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

x = tn.Input(32, 32, 3)
assert_type(nn.MaxPool2D(2)(x), tn.Tensor[L[16], L[16], L[3]])
assert_type(nn.AvgPool2D(2)(x), tn.Tensor[L[16], L[16], L[3]])
assert_type(nn.MaxPool2D(3)(x), tn.Tensor[L[10], L[10], L[3]])  # stride = window
assert_type(nn.AvgPool2D(3, stride=2)(x), tn.Tensor[L[15], L[15], L[3]])
assert_type(nn.MaxPool2D(3, stride=2, padding="same")(x), tn.Tensor[L[16], L[16], L[3]])
assert_type(nn.AvgPool2D(2, stride=1, padding="same")(tn.Input(7, 7, 3)), tn.Tensor[L[7], L[7], L[3]])
assert_type(nn.MaxPool2D(2, padding="same")(tn.Input(7, 7, 3)), tn.Tensor[L[4], L[4], L[3]])
assert_type(nn.MaxPool2D((2, 4), stride=(2, 2))(x), tn.Tensor[L[16], L[15], L[3]])
assert_type(nn.AvgPool2D((2, 5))(tn.Input(8, 5, 4)), tn.Tensor[L[4], L[1], L[4]])

p = tn.Input(8, 8, 1) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2)
assert_type(p, tn.Tensor[L[1], L[1], L[1]])
assert_type(nn.MaxPool2D(2)(tn.Input(2, 2, 4)), tn.Tensor[L[1], L[1], L[4]])

s = tn.Input(28, 28, 1) >> nn.MaxPool2D(2, stride=1) >> nn.Flatten()
assert_type(s, tn.Tensor[L[729]])
y = s >> nn.Dense(729, 10)
assert_type(y, tn.Tensor[L[10]])
