"""Conv3D, MaxPool3D, AvgPool3D and TimeDistributed: ranks, too-small volumes, wrapped mismatches."""

import typednn as tn
from typednn import nn

img = tn.Input(32, 32, 3)
v = tn.Input(4, 16, 16, 3)
a = nn.Conv3D(8, kernel=3)(img)  # expect-error: Conv3D(8, kernel=3), (depth, height, width, channels), (32, 32, 3)
b = nn.Conv3D(8, kernel=5)(v)  # expect-error: Conv3D(8, kernel=5), a depth of at least 5, (4, 16, 16, 3)
c = nn.Conv3D(8, kernel=3, in_channels=4)(v)  # expect-error: Conv3D, 4 input channels, (4, 16, 16, 3)
d = nn.MaxPool3D(2)(img)  # expect-error: MaxPool3D(window=2), (depth, height, width, channels), (32, 32, 3)
e = nn.AvgPool3D(8)(v)  # expect-error: AvgPool3D(window=8), a depth of at least 8, (4, 16, 16, 3)
f = v >> nn.MaxPool3D(2) >> nn.Flatten() >> nn.Dense(100, 10)  # expect-error: Dense(100 -> 10), (384,)
k = nn.Conv3D(0, kernel=3)  # expect-error: Conv3D(0, kernel=3), filters must be a positive int

t = tn.Input(10, 4)
g = nn.TimeDistributed(nn.Dense(5, 8))(t)  # expect-error: TimeDistributed(Dense(5 -> 8)), 5 input features, (10, 4)
one = tn.Input(4)
h = nn.TimeDistributed(nn.Dense(8))(one)  # expect-error: TimeDistributed(Dense(8)), steps that Dense(8) takes, steps are ()
i = nn.TimeDistributed(nn.Conv2D(4, kernel=3))(t)  # expect-error: TimeDistributed, (height, width, channels), (4,)
j = t >> nn.TimeDistributed(nn.Dense(8)) >> nn.Dense(4, 2)  # expect-error: Dense(4 -> 2), (10, 8)
n = nn.TimeDistributed(nn.BatchNorm())  # expect-error: TimeDistributed(BatchNorm()), running statistics
nested = nn.TimeDistributed(nn.Dense(3))
o = nn.TimeDistributed(nested)  # expect-error: TimeDistributed(TimeDistributed(Dense(3))), is a TimeDistributed already
