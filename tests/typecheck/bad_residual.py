"""Wiring errors in residual blocks and Transformer encoder blocks."""

import typednn as tn
from typednn import nn

x = tn.Input(8, 8, 16)
a = nn.residual(x, nn.Conv2D(32, kernel=3, padding="same"))  # expect-error: Add, equal shape, (8, 8, 32), (8, 8, 16)
b = nn.residual(x, nn.Conv2D(32, kernel=3, stride=2, padding="same"), shortcut=nn.Conv2D(32, kernel=1))  # expect-error: Add, (4, 4, 32), (8, 8, 32)
c = nn.residual(x, nn.Conv2D(16, kernel=3))  # expect-error: Add, (6, 6, 16), (8, 8, 16)
d = nn.residual(x, nn.Dense(10, 16))  # expect-error: Dense(10 -> 16), 10 input features

seq = tn.Input(32, 64)
e = seq >> nn.TransformerEncoderBlock(3, 128)  # expect-error: TransformerEncoderBlock(heads=3, mlp_features=128), divisible by heads (3), (32, 64)
f = nn.TransformerEncoderBlock(0, 128)  # expect-error: TransformerEncoderBlock, heads must be a positive int, 0
g = nn.TransformerEncoderBlock(4, -1)  # expect-error: mlp_features must be a positive int, -1
h = tn.Input(64) >> nn.TransformerEncoderBlock(4, 128)  # expect-error: TransformerEncoderBlock, (sequence, features), (64,)
i = tn.Input(32, dtype="int32") >> nn.TransformerEncoderBlock(4, 128)  # expect-error: TransformerEncoderBlock, float features, token ids
j = seq >> nn.TransformerEncoderBlock(4, 128) >> nn.Dense(32, 10)  # expect-error: Dense(32 -> 10), 32 input features, (32, 64)
