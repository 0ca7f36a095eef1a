"""Cases that once slipped through the plugin, kept so they stay caught."""
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


class Time(tn.Dim):
    """Frames."""


named = nn.Sequential(nn.Dense(4), name="head")
w = named >> nn.Dense(5, 2)  # expect-error: Dense(5 -> 2), 5, 4
q = nn.Conv2D(8, kernel=3, in_channels=Seq)(tn.Input(9, 9, Time))  # expect-error: Seq, Time
r = tn.Input(2) >> nn.Reshape()  # expect-error: Reshape(), 2


def head(x: tn.Tensor[L[16]]) -> tn.Tensor[L[10]]:
    y = nn.Dense(32, 10)(x)  # expect-error: 32, 16
    return y


features = tn.Input(128)
logits = nn.Dense(64, 10)(features)  # expect-error: receives (128,) from `features` (line 27)
