"""BatchNorm: no feature axis, momentum or epsilon out of range, later mismatches."""

import typednn as tn
from typednn import nn

scalar = nn.BatchNorm()(tn.Input())  # expect-error: BatchNorm(), at least one axis (the features), ()
m_big = nn.BatchNorm(momentum=2)  # expect-error: BatchNorm(momentum=2), momentum must be a number from 0 to 1, 2
m_neg = nn.BatchNorm(momentum=-1)  # expect-error: BatchNorm(momentum=-1), momentum must be a number from 0 to 1
e_neg = nn.BatchNorm(epsilon=-1)  # expect-error: BatchNorm(epsilon=-1), epsilon must be a number >= 0
m_bool = nn.BatchNorm(momentum=True)  # expect-error: BatchNorm(momentum=True), momentum must be a number

# The shape stays: what follows still sees the same features.
d = tn.Input(128) >> nn.BatchNorm() >> nn.Dense(64, 10)  # expect-error: Dense(64 -> 10), (128,)
r = nn.BatchNorm()(tn.Input(8, 16)) + tn.Input(8, 32)  # expect-error: (8, 16), (8, 32)
