"""Blocks: `layer >> layer` and nn.Sequential are checked where they are written and applied."""

from typing import Literal as L

import typednn as tn
from typednn import nn

block = nn.Dense(784, 256) >> nn.relu >> nn.Dense(128, 10)  # expect-error: Dense(128 -> 10), 128 input features, 256

nested = nn.Sequential(nn.Dense(784, 64), nn.Sequential(nn.relu, nn.Dense(32, 10)))  # expect-error: Dense(32 -> 10), 64
front = nn.Sequential(nn.Dense(784, 64), nn.relu)
joined = front >> nn.Sequential(nn.Dense(32, 10))  # expect-error: Dense(32 -> 10), 64
explicit = nn.Sequential(nn.Dense(3, 4), nn.gelu, nn.Dense(5, 6))  # expect-error: Dense(5 -> 6), 5 input features, 4

stem = nn.Dense(784, 256) >> nn.relu
ok = stem(tn.Input(784))
wrong = stem(tn.Input(512))  # expect-error: Dense(784 -> 256), (512,)

shared = nn.Dense(16, 8) >> nn.tanh
first = shared(tn.Input(16))
second = shared(tn.Input(5, 12))  # expect-error: Dense(16 -> 8), (5, 12)

encoder = nn.Dense(32, 16)
decoder = nn.Dense(8, 32)
autoencoder = encoder >> nn.relu >> decoder  # expect-error: Dense(8 -> 32), 16

conv_after_flat = nn.Flatten() >> nn.Conv2D(8, kernel=3)  # expect-error: Conv2D(8, kernel=3), (height, width, channels)
halve = nn.MaxPool2D(2)
pools = nn.Reshape(8, 8, 1) >> halve >> halve >> halve >> halve  # expect-error: MaxPool2D, (1, 1, 1)
convs = nn.Conv2D(8, kernel=3) >> nn.Conv2D(8, kernel=3, in_channels=4)  # expect-error: 4 input channels, 8)

left = nn.Dense(10) >> nn.relu
right = nn.Dense(20, 5) >> nn.sigmoid
both = left >> right  # expect-error: Dense(20 -> 5), 10


def head(t: tn.Tensor[L[7], L[7], L[64]]) -> None:
    _ = t >> (nn.Flatten() >> nn.Dense(3000, 10))  # expect-error: Dense(3000 -> 10), (3136,)
