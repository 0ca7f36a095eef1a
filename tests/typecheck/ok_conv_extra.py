"""Conv2DTranspose and DepthwiseConv2D arithmetic: stride, padding, dilation, multiplier, Final constants."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

STRIDE: Final = 2
MULTIPLIER: Final = 3


class Channels(tn.Dim): ...


x = tn.Input(7, 7, 32)
# Transposed: valid gives (n - 1) * stride + dilated kernel, same gives n * stride.
assert_type(nn.Conv2DTranspose(16, kernel=3)(x), tn.Tensor[L[9], L[9], L[16]])
assert_type(nn.Conv2DTranspose(16, kernel=3, stride=STRIDE)(x), tn.Tensor[L[15], L[15], L[16]])
assert_type(nn.Conv2DTranspose(16, kernel=3, stride=2, padding="same")(x), tn.Tensor[L[14], L[14], L[16]])
assert_type(nn.Conv2DTranspose(16, kernel=(3, 1), stride=(1, 2))(x), tn.Tensor[L[9], L[14], L[16]])
assert_type(nn.Conv2DTranspose(16, kernel=3, dilation=2)(x), tn.Tensor[L[11], L[11], L[16]])  # 5 taps
assert_type(nn.Conv2DTranspose(16, kernel=1, stride=3)(x), tn.Tensor[L[21], L[21], L[16]])  # never below n * stride
assert_type(nn.Conv2DTranspose(8, kernel=3, in_channels=32, use_bias=False)(x), tn.Tensor[L[9], L[9], L[8]])

# Depthwise: the windowed rule of Conv2D, channels times the multiplier.
y = tn.Input(28, 28, 8)
assert_type(nn.DepthwiseConv2D(3)(y), tn.Tensor[L[26], L[26], L[8]])
assert_type(nn.DepthwiseConv2D(3, depth_multiplier=MULTIPLIER)(y), tn.Tensor[L[26], L[26], L[24]])
assert_type(nn.DepthwiseConv2D(3, stride=2, padding="same")(y), tn.Tensor[L[14], L[14], L[8]])
assert_type(nn.DepthwiseConv2D((3, 5), dilation=(1, 2))(y), tn.Tensor[L[26], L[20], L[8]])
assert_type(nn.DepthwiseConv2D(3, in_channels=8)(y), tn.Tensor[L[26], L[26], L[8]])
assert_type(nn.DepthwiseConv2D(5)(tn.Input(5, 5, 1)), tn.Tensor[L[1], L[1], L[1]])  # kernel == input

# A named channel axis survives a multiplier of 1.
named = nn.DepthwiseConv2D(3, padding="same")(tn.Input(16, 16, Channels))
assert_type(named, tn.Tensor[L[16], L[16], Channels])

# A separable convolution and its transposed decoder.
enc = y >> nn.DepthwiseConv2D(3, stride=2, padding="same") >> nn.Conv2D(16, kernel=1)
assert_type(enc, tn.Tensor[L[14], L[14], L[16]])
dec = enc >> nn.Conv2DTranspose(8, kernel=3, stride=2, padding="same", in_channels=16)
assert_type(dec + y, tn.Tensor[L[28], L[28], L[8]])
model = tn.Model(y, dec >> nn.Flatten() >> nn.Dense(28 * 28 * 8, 10))
