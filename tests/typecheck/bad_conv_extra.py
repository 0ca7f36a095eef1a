"""Conv2DTranspose and DepthwiseConv2D: rank, too-small inputs, hyperparameters, channels downstream."""

import typednn as tn
from typednn import nn

flat = nn.Conv2DTranspose(8, kernel=3)(tn.Input(784))  # expect-error: Conv2DTranspose(8, kernel=3), channels), (784,)
four = tn.Input(4, 7, 7, 1) >> nn.DepthwiseConv2D(3)  # expect-error: DepthwiseConv2D(kernel=3), (4, 7, 7, 1)

small = nn.DepthwiseConv2D(7)(tn.Input(5, 5, 3))  # expect-error: DepthwiseConv2D(kernel=7), at least 7, (5, 5, 3)
dil = nn.DepthwiseConv2D(3, dilation=2)(tn.Input(4, 9, 3))  # expect-error: dilation=2, height of at least 5, (4, 9, 3)
wide = nn.DepthwiseConv2D((1, 9))(tn.Input(28, 8, 3))  # expect-error: kernel=(1, 9), width of at least 9, (28, 8, 3)

f0 = nn.Conv2DTranspose(0, kernel=3)  # expect-error: Conv2DTranspose(0, kernel=3), filters must be a positive int, 0
k0 = nn.Conv2DTranspose(8, kernel=(3, 0))  # expect-error: kernel must be a positive int, (3, 0)
s0 = nn.Conv2DTranspose(8, kernel=3, stride=-2)  # expect-error: stride must be a positive int, -2
m0 = nn.DepthwiseConv2D(3, depth_multiplier=0)  # expect-error: DepthwiseConv2D, depth_multiplier must be a positive
d0 = nn.DepthwiseConv2D(3, dilation=0)  # expect-error: dilation must be a positive int, 0

ch = nn.Conv2DTranspose(8, kernel=3, in_channels=3)(tn.Input(7, 7, 1))  # expect-error: 3 input channels, (7, 7, 1)

# Channels downstream: a multiplier of 2 gives 16 channels, not 8.
y = tn.Input(28, 28, 8) >> nn.DepthwiseConv2D(3, depth_multiplier=2)
z = y >> nn.Conv2D(8, kernel=1, in_channels=8)  # expect-error: 8 input channels, (26, 26, 16)

# Upsampling: 7 -> 14 with same padding, so a 15 x 15 skip does not add.
up = tn.Input(7, 7, 4) >> nn.Conv2DTranspose(4, kernel=3, stride=2, padding="same")
r = up + tn.Input(15, 15, 4)  # expect-error: Add, (14, 14, 4), (15, 15, 4)
