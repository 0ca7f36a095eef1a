"""Named symbolic dims survive where the arithmetic allows, and never clash with themselves."""

from typing import Any, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens in a sequence."""


class Time(tn.Dim):
    """Audio frames."""


x = tn.Input(Seq, 64)
assert_type(x, tn.Tensor[Seq, L[64]])
y = x >> nn.Dense(128) >> nn.relu
assert_type(y, tn.Tensor[Seq, L[128]])
z = y + nn.Dense(128, 128)(y)
assert_type(z, tn.Tensor[Seq, L[128]])
assert_type(x + x, tn.Tensor[Seq, L[64]])
assert_type(x >> nn.Dropout(0.1) >> nn.softmax, tn.Tensor[Seq, L[64]])

# A symbolic last axis is fine for Dense(out).
assert_type(tn.Input(4, Seq) >> nn.Dense(8), tn.Tensor[L[4], L[8]])

# `same` padding with stride 1, or a 1x1 window, keeps the symbols; other arithmetic gives Any.
img = tn.Input(Seq, Time, 3)
assert_type(img >> nn.Conv2D(8, kernel=3, padding="same"), tn.Tensor[Seq, Time, L[8]])
assert_type(img >> nn.Conv2D(8, kernel=1), tn.Tensor[Seq, Time, L[8]])
assert_type(img >> nn.Conv2D(8, kernel=3), tn.Tensor[Any, Any, L[8]])
assert_type(img >> nn.Conv2D(8, kernel=3, stride=2, padding="same"), tn.Tensor[Any, Any, L[8]])
assert_type(img >> nn.MaxPool2D(2), tn.Tensor[Any, Any, L[3]])
sq = tn.Input(Seq, Seq, 3)
assert_type((sq >> nn.Conv2D(3, kernel=3, padding="same")) + sq, tn.Tensor[Seq, Seq, L[3]])
assert_type(sq >> nn.Conv2D(4, kernel=3) >> nn.Flatten(), tn.Tensor[Any])
assert_type(sq >> nn.Conv2D(4, kernel=3) >> nn.Flatten() >> nn.Dense(100, 10), tn.Tensor[L[10]])

# Concatenating along the symbolic axis gives Any there; along another axis, it is kept.
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(Seq, 6)), tn.Tensor[Seq, L[10]])
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(Time, 4), axis=0), tn.Tensor[Any, L[4]])
assert_type(tn.Input(Seq, 4) >> nn.Flatten(), tn.Tensor[Any])


def encode(t: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, L[32]]:
    h = t >> nn.Dense(64, 32) >> nn.gelu
    return h + (t >> nn.Dense(32))


assert_type(encode(x), tn.Tensor[Seq, L[32]])
model = tn.Model(x, encode(x))
assert_type(model, tn.Model[tn.Tensor[Seq, L[64]], tn.Tensor[Seq, L[32]]])
