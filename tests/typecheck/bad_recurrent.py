"""LSTM, GRU and Bidirectional: ranks, later mismatches and hyperparameters."""

from typing import Final

import typednn as tn
from typednn import nn

ZERO: Final = 0

x = tn.Input(10, 8)
img = tn.Input(8, 8, 4)

# Rank: a recurrent layer takes (sequence, features).
a = nn.LSTM(32)(tn.Input(64))  # expect-error: LSTM(units=32), (sequence, features), (64,)
b = img >> nn.GRU(4)  # expect-error: GRU(units=4), (sequence, features), (8, 8, 4)
c = x >> nn.Flatten() >> nn.LSTM(4)  # expect-error: LSTM(units=4), (sequence, features), (80,)
d = nn.Bidirectional(nn.LSTM(64))(img)  # expect-error: Bidirectional(wrapped=LSTM(units=64)), (8, 8, 4)
e = x >> nn.LSTM(8, return_sequences=False) >> nn.GRU(4)  # expect-error: GRU(units=4), (sequence, features), (8,)
f = x >> nn.Bidirectional(nn.GRU(8, return_sequences=False), merge="sum") >> nn.LSTM(2)  # expect-error: LSTM, (8,)

# A later mismatch: the concatenated directions give 128 features, not 64.
h = nn.Bidirectional(nn.LSTM(64))(x)
y = nn.Dense(64, 10)(h)  # expect-error: Dense(64 -> 10), 64 input features, (10, 128)
r = x + nn.GRU(16)(x)  # expect-error: Add, (10, 8), (10, 16)

# Hyperparameters no recurrent layer can have.
u0 = nn.LSTM(0)  # expect-error: LSTM(units=0), units must be a positive int, 0
u1 = nn.GRU(ZERO)  # expect-error: GRU(units=0), units must be a positive int
u2 = nn.Bidirectional(nn.LSTM(-4))  # expect-error: LSTM(units=-4), units must be a positive int, -4
m = nn.Bidirectional(nn.LSTM(4), merge="max")  # expect-error: "merge" to "Bidirectional", 'max'
w = nn.Bidirectional(nn.Dense(4))  # expect-error: "Bidirectional", Dense[None, Literal[4], Literal[True], LSTM
