"""The layers Keras models need, mis-wired: channels, merges and per-channel statistics that do not agree."""

import typednn as tn
from typednn import nn

y = tn.Input(15, 15, 16)
s0 = tn.Input(10, 3) >> nn.SeparableConv2D(4, kernel=3)  # expect-error: SeparableConv2D(4, kernel=3), (height, width, channels)
s1 = y >> nn.SeparableConv2D(8, kernel=3, in_channels=12)  # expect-error: SeparableConv2D, 12 input channels, (15, 15, 16)
s2 = tn.Input(2, 2, 3) >> nn.SeparableConv2D(8, kernel=3)  # expect-error: SeparableConv2D(8, kernel=3), (2, 2, 3)

m0 = nn.Multiply()(y, tn.Input(15, 15, 8))  # expect-error: Multiply, equal shape, (15, 15, 16), (15, 15, 8)
m1 = nn.Multiply()(y, tn.Input(1, 1, 16))  # expect-error: Multiply, (1, 1, 16)

stats = nn.Normalization(mean=(0.5, 0.4, 0.3), variance=(0.1, 0.1, 0.2))
n0 = tn.Input(32, 32, 1) >> stats  # expect-error: Normalization, last axis has 3 entries, (32, 32, 1)
r0 = tn.Input(4) >> nn.Rescaling(1.0, offset=(0.0, 1.0))  # expect-error: Rescaling, last axis has 2 entries, (4,)
a0 = tn.Input(4) >> nn.Activation("hard_silu")  # expect-error: Activation, hard_silu
