"""GlobalAvgPool2D, GlobalMaxPool2D, UpSampling2D and ZeroPadding2D: shapes, tuples, named dims."""

from typing import Any, Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


class Height(tn.Dim): ...


x = tn.Input(32, 32, 3)
assert_type(nn.GlobalAvgPool2D()(x), tn.Tensor[L[3]])
assert_type(nn.GlobalMaxPool2D()(x), tn.Tensor[L[3]])
assert_type(x >> nn.GlobalMaxPool2D() >> nn.Dense(3, 10), tn.Tensor[L[10]])
assert_type(nn.GlobalAvgPool2D()(tn.Input(Height, 7, 64)), tn.Tensor[L[64]])  # any height reduces

assert_type(nn.UpSampling2D(2)(x), tn.Tensor[L[64], L[64], L[3]])
assert_type(nn.UpSampling2D((2, 3))(tn.Input(7, 5, 16)), tn.Tensor[L[14], L[15], L[16]])
assert_type(nn.UpSampling2D((1, 2))(tn.Input(Height, 5, 16)), tn.Tensor[Height, L[10], L[16]])
assert_type(nn.UpSampling2D(2)(tn.Input(Height, 5, 16)), tn.Tensor[tn.Times[Height, L[2]], L[10], L[16]])

assert_type(nn.ZeroPadding2D(1)(tn.Input(28, 28, 1)), tn.Tensor[L[30], L[30], L[1]])
assert_type(nn.ZeroPadding2D((1, 2))(tn.Input(28, 28, 1)), tn.Tensor[L[30], L[32], L[1]])
assert_type(nn.ZeroPadding2D(((0, 1), (2, 3)))(tn.Input(28, 28, 1)), tn.Tensor[L[29], L[33], L[1]])
assert_type(nn.ZeroPadding2D((0, 1))(tn.Input(Height, 4, 2)), tn.Tensor[Height, L[6], L[2]])
assert_type(nn.ZeroPadding2D(0)(x), tn.Tensor[L[32], L[32], L[3]])

PAD: Final = 2
assert_type(nn.ZeroPadding2D(PAD)(x), tn.Tensor[L[36], L[36], L[3]])


def runtime(size: int, pad: int) -> None:
    # Sizes from runtime ints are unknown: gradual, never a false positive.
    up = nn.UpSampling2D(size)(tn.Input(4, 4, 8))
    assert_type(up, tn.Tensor[Any, Any, L[8]])
    padded = nn.ZeroPadding2D((pad, 1))(tn.Input(4, 4, 8))
    assert_type(padded, tn.Tensor[Any, L[6], L[8]])


# A U-Net-like decoder step: pad, convolve, upsample back, and add.
h = tn.Input(16, 16, 8)
down = h >> nn.MaxPool2D(2) >> nn.ZeroPadding2D(1) >> nn.Conv2D(8, kernel=3)
assert_type(down, tn.Tensor[L[8], L[8], L[8]])
y = nn.UpSampling2D(2)(down) + h
assert_type(y, tn.Tensor[L[16], L[16], L[8]])
block = nn.ZeroPadding2D(1) >> nn.Conv2D(4, kernel=3) >> nn.GlobalAvgPool2D()
assert_type(block(h), tn.Tensor[L[4]])
