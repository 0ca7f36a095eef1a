"""Layers applied more than once to tensors of the same shape, and layers without parameters."""

from typing import Literal as L

import typednn as tn
from typednn import nn

shared = nn.Dense(64)
a = tn.Input(300) >> shared
b = tn.Input(300) >> shared
both: tn.Tensor[L[64]] = a + b

drop = nn.Dropout(0.5)  # no parameters: any shape, any number of times
c = tn.Input(3) >> drop
d = tn.Input(4, 4) >> drop

block = nn.Dense(16)
h = tn.Input(16)
for _ in range(4):
    h = block(h)

# A name given a new layer is another layer, with parameters of its own.
fresh = nn.Dense(10)
e = fresh(tn.Input(5))
fresh = nn.Dense(10)
f = fresh(tn.Input(7))
