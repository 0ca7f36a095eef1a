"""Flatten and Reshape keep the number of elements; -1 infers one axis."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

assert_type(tn.Input(784) >> nn.Reshape(28, 28, 1), tn.Tensor[L[28], L[28], L[1]])
assert_type(tn.Input(100) >> nn.Reshape(-1, 5), tn.Tensor[L[20], L[5]])
assert_type(nn.Reshape(-1, 3, 3)(tn.Input(9, 2)), tn.Tensor[L[2], L[3], L[3]])
assert_type(nn.Reshape(-1)(tn.Input(4, 5, 6)), tn.Tensor[L[120]])
assert_type(nn.Reshape(2, -1, 2)(tn.Input(12)), tn.Tensor[L[2], L[3], L[2]])

f = tn.Input(28, 28, 3) >> nn.Flatten()
assert_type(f, tn.Tensor[L[2352]])
assert_type(nn.Dense(2352, 10)(f), tn.Tensor[L[10]])
assert_type(nn.Flatten()(tn.Input(5)), tn.Tensor[L[5]])

head = nn.Flatten() >> nn.Dense(3136, 10)
assert_type(head(tn.Input(7, 7, 64)), tn.Tensor[L[10]])

g = tn.Input(64) >> nn.Reshape(8, 8, 1) >> nn.Conv2D(4, kernel=3)
assert_type(g, tn.Tensor[L[6], L[6], L[4]])
