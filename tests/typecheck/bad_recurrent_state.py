"""Recurrent state that does not fit: a state of the wrong size, too few parts, a wrong annotation."""

from typing import Literal as L

import typednn as tn
from typednn import nn

source, target = tn.Input(12, 8), tn.Input(10, 8)
_, h, c = nn.LSTM(32, return_state=True)(source)

a = nn.LSTM(16)(target, initial_state=(h, c))  # expect-error: LSTM(units=16), initial state h of shape (16,), (32,)
b = nn.LSTM(32)(target, initial_state=(h,))  # expect-error: initial state of 2 part(s) (h, c), receives 1
d = nn.GRU(32)(target, initial_state=(h, c))  # expect-error: GRU(units=32), 1 or 2 input(s), 3
e = nn.LSTM(32)(target, initial_state=(h, tn.Input(32, 1)))  # expect-error: initial state c of shape (32,), (32, 1)
f: tn.Tensor[L[16]] = nn.GRU(32, return_state=True)(source)[1]  # expect-error: Incompatible types in assignment
seq, last = nn.GRU(8, return_state=True)(source)
g = nn.Dense(16, 4)(last)  # expect-error: Dense(16 -> 4), 16 input features, (8,)
m = nn.Bidirectional(nn.LSTM(8, return_state=True))  # expect-error: cannot return its state here
