"""Named symbolic dims survive where the arithmetic allows, and never clash with themselves.

Fixed arithmetic on a named dim gives a size computed from it (`tn.Minus[Seq, L[4]]`,
`tn.Times[Seq, L[2]]`), spelled one canonical way however it is written; arithmetic whose
rounding depends on the size gives Any.
"""

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

# `same` padding with stride 1, or a 1x1 window, keeps the symbols; a valid window shortens
# them by a fixed amount; a stride that rounds gives Any.
img = tn.Input(Seq, Time, 3)
assert_type(img >> nn.Conv2D(8, kernel=3, padding="same"), tn.Tensor[Seq, Time, L[8]])
assert_type(img >> nn.Conv2D(8, kernel=1), tn.Tensor[Seq, Time, L[8]])
assert_type(img >> nn.Conv2D(8, kernel=3), tn.Tensor[tn.Minus[Seq, L[2]], tn.Minus[Time, L[2]], L[8]])
assert_type(img >> nn.Conv2D(8, kernel=3, stride=2, padding="same"), tn.Tensor[Any, Any, L[8]])
assert_type(img >> nn.MaxPool2D(2), tn.Tensor[Any, Any, L[3]])
sq = tn.Input(Seq, Seq, 3)
assert_type((sq >> nn.Conv2D(3, kernel=3, padding="same")) + sq, tn.Tensor[Seq, Seq, L[3]])
assert_type(sq >> nn.Conv2D(4, kernel=3) >> nn.Flatten(), tn.Tensor[Any])  # (Seq - 2) ** 2 is no affine size
assert_type(sq >> nn.Conv2D(4, kernel=3) >> nn.Flatten() >> nn.Dense(100, 10), tn.Tensor[L[10]])

# Concatenating sums the axis: `Seq + 6` with a literal, `Seq * 2` with itself, Any with
# another named dim; the other axes are kept.
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(Seq, 6)), tn.Tensor[Seq, L[10]])
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(6, 4), axis=0), tn.Tensor[tn.Plus[Seq, L[6]], L[4]])
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(Seq, 4), axis=0), tn.Tensor[tn.Times[Seq, L[2]], L[4]])
assert_type(nn.concat(tn.Input(Seq, 4), tn.Input(Time, 4), axis=0), tn.Tensor[Any, L[4]])
assert_type(tn.Input(Seq, 4) >> nn.Flatten(), tn.Tensor[tn.Times[Seq, L[4]]])

# A dilated unpadded convolution shortens Seq by 4; the residual matches a path that
# crops the same amount, and `same` padding keeps the shortened size.
tokens = tn.Input(Seq, 64)
short = tokens >> nn.Conv1D(64, kernel=3, dilation=2)
assert_type(short, tn.Tensor[tn.Minus[Seq, L[4]], L[64]])
cropped = tokens >> nn.Conv1D(64, kernel=5)
assert_type(short + cropped, tn.Tensor[tn.Minus[Seq, L[4]], L[64]])
assert_type(short >> nn.Conv1D(32, kernel=3, padding="same"), tn.Tensor[tn.Minus[Seq, L[4]], L[32]])
assert_type(short >> nn.Conv1D(32, kernel=3), tn.Tensor[tn.Minus[Seq, L[6]], L[32]])

# However a size is written, it is one type: the plugin spells it canonically.
assert_type(short, tn.Tensor[tn.Plus[tn.Minus[Seq, L[8]], L[4]], L[64]])
assert_type(tokens, tn.Tensor[tn.Minus[tn.Plus[Seq, L[4]], L[4]], L[64]])
assert_type(tn.Input(32, 8), tn.Tensor[tn.Minus[L[36], L[4]], tn.Div[L[16], L[2]]])

# Upsampling, padding and transposed convolutions grow a named size exactly; a pool whose
# stride divides the scale gives it back, and so do the exact divisions of a reshape.
grid = tn.Input(Seq, Time, 3)
assert_type(grid >> nn.UpSampling2D(2), tn.Tensor[tn.Times[Seq, L[2]], tn.Times[Time, L[2]], L[3]])
assert_type(grid >> nn.UpSampling2D(2) >> nn.MaxPool2D(2), tn.Tensor[Seq, Time, L[3]])
assert_type(grid >> nn.ZeroPadding2D(1), tn.Tensor[tn.Plus[Seq, L[2]], tn.Plus[Time, L[2]], L[3]])
assert_type(grid >> nn.ZeroPadding2D(1) >> nn.Conv2D(3, kernel=3), tn.Tensor[Seq, Time, L[3]])
assert_type(
    grid >> nn.Conv2DTranspose(8, kernel=3, stride=2),
    tn.Tensor[tn.Plus[tn.Times[Seq, L[2]], L[1]], tn.Plus[tn.Times[Time, L[2]], L[1]], L[8]],
)
assert_type(tn.Input(Seq, 4) >> nn.Reshape(-1, 8), tn.Tensor[tn.Div[Seq, L[2]], L[8]])
assert_type(tn.Input(Seq, 4) >> nn.Reshape(-1, 2), tn.Tensor[tn.Times[Seq, L[2]], L[2]])
assert_type(tn.Input(Seq, 4) >> nn.Reshape(-1, 4), tn.Tensor[Seq, L[4]])

# Annotations spell computed sizes too, and a helper checks them at its boundary.


def trim(t: tn.Tensor[Seq, L[64]]) -> tn.Tensor[tn.Minus[Seq, L[4]], L[64]]:
    return t >> nn.Conv1D(64, kernel=3, dilation=2)


def narrow(t: tn.Tensor[tn.Minus[Seq, L[4]], L[64]]) -> tn.Tensor[tn.Minus[Seq, L[4]], L[32]]:
    return t >> nn.Conv1D(32, kernel=3, padding="same") >> nn.relu


assert_type(narrow(trim(tokens)), tn.Tensor[tn.Minus[Seq, L[4]], L[32]])


def encode(t: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, L[32]]:
    h = t >> nn.Dense(64, 32) >> nn.gelu
    return h + (t >> nn.Dense(32))


assert_type(encode(x), tn.Tensor[Seq, L[32]])
model = tn.Model(x, encode(x))
assert_type(model, tn.Model[tn.Tensor[Seq, L[64]], tn.Tensor[Seq, L[32]]])
