"""LayerNorm, RMSNorm and GroupNorm: groups that do not divide the channels, bad options, later mismatches."""

import typednn as tn
from typednn import nn

image = tn.Input(32, 32, 6)
g = nn.GroupNorm(4)(image)  # expect-error: GroupNorm(groups=4), divisible by 4, (32, 32, 6)
g_seq = tn.Input(100, 10) >> nn.GroupNorm(3)  # expect-error: GroupNorm(groups=3), divisible by 3, (100, 10)
g_vec = nn.GroupNorm(32)(tn.Input(16))  # expect-error: GroupNorm(groups=32), divisible by 32, (16,)
# Conv2D gives 10 channels; 4 groups do not divide them.
c = image >> nn.Conv2D(10, kernel=3) >> nn.GroupNorm(4)  # expect-error: GroupNorm(groups=4), (30, 30, 10)
g0 = nn.GroupNorm(0)  # expect-error: GroupNorm(groups=0), groups must be a positive int, 0
g_neg = nn.GroupNorm(-2)  # expect-error: GroupNorm(groups=-2), groups must be a positive int, -2

ln_neg = nn.LayerNorm(epsilon=-1)  # expect-error: LayerNorm(epsilon=-1), epsilon must be a number >= 0, -1
rms_neg = nn.RMSNorm(epsilon=-1)  # expect-error: RMSNorm(epsilon=-1), epsilon must be a number >= 0
gn_neg = nn.GroupNorm(2, epsilon=-3)  # expect-error: GroupNorm(groups=2, epsilon=-3), epsilon must be

# The shape stays: what follows a normalisation still sees the same features.
d = tn.Input(128) >> nn.LayerNorm() >> nn.Dense(64, 10)  # expect-error: Dense(64 -> 10), (128,)
r = nn.RMSNorm()(tn.Input(8, 16)) + tn.Input(8, 32)  # expect-error: (8, 16), (8, 32)
b = nn.Dense(12) >> nn.GroupNorm(5)  # expect-error: GroupNorm(groups=5), divisible by 5, (..., 12)
