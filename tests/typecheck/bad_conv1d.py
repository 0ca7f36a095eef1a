"""Conv1D, MaxPool1D and AvgPool1D: rank, too-short inputs, channels and hyperparameters."""

from typing import Final

import typednn as tn
from typednn import nn

ZERO: Final = 0

x = tn.Input(100, 8)

# Rank: 1-D layers take (length, channels); an image or a flat vector is an error.
img = nn.Conv1D(16, kernel=3)(tn.Input(28, 28, 1))  # expect-error: Conv1D(16, kernel=3), (length, channels), (28,
vec = nn.Conv1D(16, kernel=3)(tn.Input(64))  # expect-error: Conv1D, (length, channels), (64,)
mp_img = tn.Input(8, 8, 3) >> nn.MaxPool1D(2)  # expect-error: MaxPool1D(window=2), (length, channels), (8, 8, 3)
ap_vec = nn.AvgPool1D(2)(tn.Input(10))  # expect-error: AvgPool1D(window=2), (length, channels), (10,)
c2d = nn.Conv2D(8, kernel=3)(x)  # expect-error: Conv2D(8, kernel=3), (height, width, channels), (100, 8)

# Too short.
short = nn.Conv1D(8, kernel=7)(tn.Input(5, 1))  # expect-error: Conv1D(8, kernel=7), length of at least 7, (5, 1)
dil = nn.Conv1D(8, kernel=3, dilation=4)(tn.Input(8, 1))  # expect-error: dilation=4, length of at least 9, (8, 1)
mp = nn.MaxPool1D(4)(tn.Input(2, 8))  # expect-error: MaxPool1D(window=4), length of at least 4, (2, 8)
p = tn.Input(8, 2) >> nn.MaxPool1D(2) >> nn.MaxPool1D(2) >> nn.MaxPool1D(2)  # (1, 2)
ap = p >> nn.AvgPool1D(2, stride=1)  # expect-error: AvgPool1D(window=2, stride=1), at least 2, (1, 2)

# Channels and groups.
ch = nn.Conv1D(16, kernel=3, in_channels=4)(x)  # expect-error: in_channels=4, 4 input channels, (100, 8)
grp = nn.Conv1D(6, kernel=3, groups=3)(x)  # expect-error: groups=3, divisible, (100, 8)

# A later mismatch: stride 2 gives 48 positions, not 50.
h = x >> nn.Conv1D(4, kernel=5, stride=2) >> nn.Flatten()
y = nn.Dense(200, 10)(h)  # expect-error: Dense(200 -> 10), 200, (192,)
same = x >> nn.Conv1D(8, kernel=3)
add = same + nn.Conv1D(8, kernel=3, padding="same")(x)  # expect-error: Add, (98, 8), (100, 8)

# Hyperparameters no 1-D layer can have.
k0 = nn.Conv1D(8, kernel=0)  # expect-error: Conv1D(8, kernel=0), kernel must be a positive int, 0
s0 = nn.Conv1D(8, kernel=3, stride=ZERO)  # expect-error: Conv1D, stride must be a positive int, 0
pad = nn.Conv1D(8, kernel=3, padding="causal")  # expect-error: "padding" to "Conv1D", causal
g = nn.Conv1D(8, kernel=3, groups=3)  # expect-error: Conv1D, filters (8), groups (3)
w0 = nn.MaxPool1D(0)  # expect-error: MaxPool1D(window=0), window must be a positive int
st0 = nn.AvgPool1D(2, stride=0)  # expect-error: AvgPool1D(window=2, stride=0), stride must be a positive int
pair = nn.MaxPool1D((2, 2))  # expect-error: "MaxPool1D", tuple[int, int], expected "int"
