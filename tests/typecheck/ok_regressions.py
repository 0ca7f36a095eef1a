"""Correct programs the plugin once rejected or mistyped."""
from typing import assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


parts = (nn.Dense(4), nn.relu)
block = nn.Sequential(*parts)
y = tn.Input(3) >> (block >> nn.Dense(4, 2))
named = nn.Sequential(nn.Dense(4), name="head")
z = tn.Input(3) >> named >> nn.Dense(4, 2)
assert_type(z, tn.Tensor[L[2]])
s = nn.Reshape(Seq, 4)(tn.Input(Seq, 4))
assert_type(s, tn.Tensor[Seq, L[4]])
