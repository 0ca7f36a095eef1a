"""Errors in models that use a custom layer (defined in ok_custom.py), from its own rule."""

import typednn as tn
from typednn import nn
from ok_custom import Repeat

x = tn.Input(5, 3)
a = Repeat(4)(x) >> nn.Dense(13, 2)  # expect-error: Dense(13 -> 2), 13 input features, (5, 12)
b = Repeat(0)  # expect-error: Repeat, times must be a positive int, 0
c = Repeat(-2)(x)  # expect-error: times must be a positive int, -2
d = tn.Input(5) >> Repeat(2) >> nn.Dense(11, 1)  # expect-error: Dense(11 -> 1), 11 input features, (10,)
e = Repeat(2)(x, x)  # expect-error: Repeat(times=2), 1 input(s), 2
f = Repeat(3) >> nn.Dense(4, 4) >> Repeat(2) >> nn.Dense(9, 1)  # expect-error: Dense(9 -> 1), 9 input features
