"""A layer applied twice shares its parameters: it must receive the shapes of its first use."""

from typing import Literal as L

import typednn as tn
from typednn import nn

shared = nn.Dense(64)
a = tn.Input(300) >> shared
b = tn.Input(200) >> shared  # expect-error: Dense(64), (300,) as at its first use (line 9), (200,)
c = shared(tn.Input(200))  # expect-error: Dense(64), first use (line 9), (200,)


class Siamese:
    def __init__(self) -> None:
        self.encoder = nn.Dense(32)

    def forward(self, left: tn.Tensor[L[128]], right: tn.Tensor[L[64]]) -> None:
        _ = self.encoder(left)
        _ = self.encoder(right)  # expect-error: Dense(32), (128,), (64,)
