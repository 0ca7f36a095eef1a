"""MultiHeadAttention arithmetic on (sequence, features) inputs."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

HEADS: Final = 4


class Seq(tn.Dim):
    """Tokens in a sequence."""


x = tn.Input(10, 64)
assert_type(nn.MultiHeadAttention(8)(x), tn.Tensor[L[10], L[64]])
assert_type(nn.MultiHeadAttention(heads=HEADS)(x), tn.Tensor[L[10], L[64]])
assert_type(nn.MultiHeadAttention(64)(x), tn.Tensor[L[10], L[64]])  # one feature per head
assert_type(nn.MultiHeadAttention(5, qkv_features=40)(x), tn.Tensor[L[10], L[64]])  # 5 does not divide 64; 40 is fine
assert_type(nn.MultiHeadAttention(4, out_features=16)(x), tn.Tensor[L[10], L[16]])
assert_type(nn.MultiHeadAttention(4, causal=True, use_bias=False, dropout_rate=0.1)(x), tn.Tensor[L[10], L[64]])
assert_type(x >> nn.MultiHeadAttention(2, qkv_features=8, out_features=3), tn.Tensor[L[10], L[3]])

# A named sequence length flows through unchanged.
s = tn.Input(Seq, 32)
assert_type(nn.MultiHeadAttention(4, causal=True)(s), tn.Tensor[Seq, L[32]])
assert_type(s >> nn.MultiHeadAttention(2, out_features=8) >> nn.Dense(3), tn.Tensor[Seq, L[3]])


# Heads that a runtime int gives cannot be checked: no error, the shape is still known.
def heads() -> int:
    return 3


assert_type(nn.MultiHeadAttention(heads())(x), tn.Tensor[L[10], L[64]])

# A small causal transformer block: attention, a residual, a feed-forward, a residual.
h = x + nn.MultiHeadAttention(8, causal=True)(x)
assert_type(h, tn.Tensor[L[10], L[64]])
f = h >> nn.Dense(256) >> nn.gelu >> nn.Dense(256, 64)
y = (h + f) >> nn.Flatten() >> nn.Dense(640, 2)
assert_type(y, tn.Tensor[L[2]])

# A composed block, written before it is applied.
block = nn.MultiHeadAttention(4) >> nn.relu >> nn.MultiHeadAttention(2, out_features=6)
assert_type(block(x), tn.Tensor[L[10], L[6]])
assert_type(block(tn.Input(Seq, 12)), tn.Tensor[Seq, L[6]])
