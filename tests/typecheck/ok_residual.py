"""Residual helpers and the Transformer encoder block keep their shapes in the types."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

x = tn.Input(8, 8, 16)
a = nn.residual(x, nn.Conv2D(16, kernel=3, padding="same") >> nn.relu >> nn.Conv2D(16, kernel=3, padding="same"))
assert_type(a, tn.Tensor[L[8], L[8], L[16]])
down = nn.Conv2D(32, kernel=3, stride=2, padding="same") >> nn.relu
b = nn.residual(x, down, shortcut=nn.Conv2D(32, kernel=1, stride=2))
assert_type(b, tn.Tensor[L[4], L[4], L[32]])
c = nn.residual(x, nn.GroupNorm(4) >> nn.relu)
assert_type(c, tn.Tensor[L[8], L[8], L[16]])

seq = tn.Input(32, 64)
h = seq >> nn.TransformerEncoderBlock(4, 256) >> nn.TransformerEncoderBlock(8, 128, causal=True, dropout_rate=0.1)
assert_type(h, tn.Tensor[L[32], L[64]])
tokens = tn.Input(32, dtype="int32") >> nn.Embedding(1000, 64) >> nn.TransformerEncoderBlock(2, 64)
assert_type(tokens, tn.Tensor[L[32], L[64]])
r = nn.residual(seq, nn.LayerNorm() >> nn.Dense(64))
assert_type(r, tn.Tensor[L[32], L[64]])
