"""A block returned as `nn.Block[In, Out]` must map In to Out; a call must give it In."""

from typing import Literal as L

import typednn as tn
from typednn import nn


def head() -> nn.Block[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
    return nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 12)  # expect-error: gives (12,) from (784,), (10,)


def first() -> nn.Block[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
    return nn.Dense(700, 10)  # expect-error: Dense(700 -> 10), (784,)


def good() -> nn.Block[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
    return nn.Dense(784, 10)


a = tn.Input(300) >> good()  # expect-error: nn.Block[(784,) -> (10,)], (300,)
b = good()(tn.Input(300))  # expect-error: nn.Block[(784,) -> (10,)], (300,)
c = tn.Input(784) >> good() >> nn.Dense(11, 3)  # expect-error: Dense(11 -> 3), (10,)
d = good() >> nn.Dense(12, 2)  # expect-error: Dense(12 -> 2), (10,)
