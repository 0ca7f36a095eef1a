"""Add (`a + b`) and nn.concat: the axes that must agree do not."""

import typednn as tn
from typednn import nn

e = tn.Input(4, 5) + tn.Input(4, 6)  # expect-error: Add, equal shape, (4, 5), (4, 6)
r = tn.Input(4, 5) + tn.Input(4, 5, 1)  # expect-error: Add, (4, 5), (4, 5, 1)

h = tn.Input(64)
skip = h + (h >> nn.Dense(32))  # expect-error: Add, (64,), (32,)

c0 = nn.concat(tn.Input(3, 4), tn.Input(5, 6), axis=0)  # expect-error: Concatenate(axis=0), (3, 4), (5, 6)
c1 = nn.concat(tn.Input(10, 4), tn.Input(12, 4))  # expect-error: Concatenate, (10, 4), (12, 4)
c2 = nn.concat(tn.Input(3, 4), tn.Input(3, 4, 1))  # expect-error: Concatenate, equal rank, (3, 4, 1)
c3 = nn.concat(tn.Input(3, 4), tn.Input(3, 4), axis=2)  # expect-error: Concatenate(axis=2), axis 2, (3, 4)
c4 = nn.concat(tn.Input(3, 4), tn.Input(3, 4), axis=-3)  # expect-error: Concatenate(axis=-3), axis -3
c5 = nn.concat(tn.Input(2, 4), tn.Input(3, 4), tn.Input(5, 5), axis=0)  # expect-error: Concatenate(axis=0), (5, 5)
