"""Dense in every form: `Dense(out)`, `Dense(in, out)`, keywords, pipes, calls, any rank."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

FEATURES: Final = 784
HIDDEN: Final = 128

x = tn.Input(FEATURES)
assert_type(x, tn.Tensor[L[784]])

h = nn.Dense(784, 128)(x)
assert_type(h, tn.Tensor[L[128]])
y = nn.Dense(HIDDEN, 10)(h)
assert_type(y, tn.Tensor[L[10]])

p = x >> nn.Dense(100) >> nn.relu >> nn.Dense(100, 10) >> nn.softmax
assert_type(p, tn.Tensor[L[10]])

k = nn.Dense(in_features=12, units=5)(tn.Input(12))
assert_type(k, tn.Tensor[L[5]])
o = nn.Dense(units=3, use_bias=False, name="head")(k)
assert_type(o, tn.Tensor[L[3]])

# Dense acts on the last axis of a tensor of any rank.
image = tn.Input(28, 28, 1) >> nn.Dense(1, 16)
assert_type(image, tn.Tensor[L[28], L[28], L[16]])
wide = tn.Input(3, 7) >> nn.Dense(7, 2)
assert_type(wide, tn.Tensor[L[3], L[2]])

# A rank-0 tensor gets a feature axis from Reshape before a Dense.
scalar = tn.Input()
assert_type(scalar, tn.Tensor[()])
lifted = tn.Input(1) >> nn.Reshape(1, 1) >> nn.Dense(4)
assert_type(lifted, tn.Tensor[L[1], L[4]])

act = tn.Input(5) >> nn.Dense(4) >> nn.gelu >> nn.tanh >> nn.sigmoid
assert_type(act, tn.Tensor[L[4]])
