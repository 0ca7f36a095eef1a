"""MultiHeadAttention: heads that do not divide the features, ranks, and hyperparameters."""

from typing import Final

import typednn as tn
from typednn import nn

FIVE: Final = 5

x = tn.Input(10, 64)
img = tn.Input(8, 8, 4)

# Heads must divide qkv_features, which defaults to the input features.
a = tn.Input(10, 64) >> nn.MultiHeadAttention(heads=5)  # expect-error: (heads=5), qkv_features (64, heads (5), (10, 64)
b = nn.MultiHeadAttention(FIVE)(x)  # expect-error: heads=5, divisible by heads (5), (10, 64)
c = nn.MultiHeadAttention(3, causal=True)(tn.Input(7, 16))  # expect-error: causal=True), (16, by heads (3), (7, 16)
d = x >> nn.Dense(30) >> nn.MultiHeadAttention(4)  # expect-error: heads=4, (30, the input features), (10, 30)

# Rank: attention takes (sequence, features); a flat vector or an image is an error.
vec = nn.MultiHeadAttention(2)(tn.Input(64))  # expect-error: MultiHeadAttention(heads=2), (sequence, features), (64,)
im = img >> nn.MultiHeadAttention(2)  # expect-error: MultiHeadAttention(heads=2), (sequence, features), (8, 8, 4)
flat = x >> nn.Flatten() >> nn.MultiHeadAttention(4)  # expect-error: (sequence, features) input, (640,)

# A later mismatch: out_features=16 feeds a Dense that states 64 inputs.
h = nn.MultiHeadAttention(4, out_features=16)(x)
y = nn.Dense(64, 10)(h)  # expect-error: Dense(64 -> 10), 64 input features, (10, 16)
r = x + nn.MultiHeadAttention(4, out_features=32)(x)  # expect-error: Add, (10, 64), (10, 32)

# Hyperparameters no attention layer can have.
h0 = nn.MultiHeadAttention(0)  # expect-error: MultiHeadAttention(heads=0), heads must be a positive int, 0
q = nn.MultiHeadAttention(5, qkv_features=64)  # expect-error: qkv_features=64), (64) must be divisible by heads (5)
q0 = nn.MultiHeadAttention(2, qkv_features=0)  # expect-error: qkv_features must be a positive int, 0
o0 = nn.MultiHeadAttention(2, out_features=-1)  # expect-error: out_features must be a positive int, -1
