"""Helpers that build and return a block, typed `nn.Block[In, Out]`: the shapes stay checked."""

from typing import Literal as L

import typednn as tn
from typednn import nn

Image = tn.Tensor[L[28], L[28], L[1]]


def head() -> nn.Block[tn.Tensor[L[784]], tn.Tensor[L[10]]]:
    return nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10)


def features() -> nn.Block[Image, tn.Tensor[L[13], L[13], L[8]]]:
    return nn.Conv2D(8, kernel=3) >> nn.relu >> nn.MaxPool2D(2)


def projection() -> nn.Block[tn.Tensor[L[32]], tn.Tensor[L[16]]]:
    return nn.Dense(16)


x = tn.Input(28, 28, 1)
scores: tn.Tensor[L[10]] = x >> features() >> nn.Flatten() >> nn.Dense(13 * 13 * 8, 784) >> head()
called: tn.Tensor[L[10]] = head()(tn.Input(784))
composed = head() >> nn.relu >> nn.Dense(10, 3)
three: tn.Tensor[L[3]] = tn.Input(784) >> composed
small: tn.Tensor[L[16]] = projection()(tn.Input(32))
model = tn.Model(x, scores)
