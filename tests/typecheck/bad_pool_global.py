"""GlobalAvgPool2D, GlobalMaxPool2D, UpSampling2D and ZeroPadding2D: wrong ranks, bad options, later mismatches."""

import typednn as tn
from typednn import nn

seq = tn.Input(10, 64)
g = nn.GlobalAvgPool2D()(seq)  # expect-error: GlobalAvgPool2D(), (height, width, channels), (10, 64)
m = tn.Input(64) >> nn.GlobalMaxPool2D()  # expect-error: GlobalMaxPool2D(), (height, width, channels), (64,)
d = tn.Input(7, 7, 512) >> nn.GlobalAvgPool2D() >> nn.Dense(256, 10)  # expect-error: Dense(256 -> 10), (512,)
twice = tn.Input(7, 7, 512) >> nn.GlobalMaxPool2D() >> nn.GlobalMaxPool2D()  # expect-error: GlobalMaxPool2D(), (512,)

u = nn.UpSampling2D(2)(tn.Input(28, 28))  # expect-error: UpSampling2D(size=2), (height, width, channels), (28, 28)
u0 = nn.UpSampling2D(0)  # expect-error: UpSampling2D(size=0), size must be a positive int, 0
u_pair = nn.UpSampling2D((2, 0))  # expect-error: UpSampling2D(size=(2, 0)), positive int
u3 = nn.UpSampling2D((2, 2, 2))  # expect-error: "UpSampling2D", tuple[int, int, int]
# Upsampling doubles 14 x 14 to 28 x 28: the residual is not 14 x 14.
r = nn.UpSampling2D(2)(tn.Input(14, 14, 8)) + tn.Input(14, 14, 8)  # expect-error: (28, 28, 8), (14, 14, 8)
f = tn.Input(4, 4, 2) >> nn.UpSampling2D((2, 1)) >> nn.Flatten()  # 8 * 4 * 2 = 64
f = f >> nn.Dense(32, 3)  # expect-error: Dense(32 -> 3), (64,)

z = nn.ZeroPadding2D(1)(tn.Input(784))  # expect-error: ZeroPadding2D(padding=1), (height, width, channels), (784,)
neg = nn.ZeroPadding2D(-1)  # expect-error: ZeroPadding2D(padding=-1), ints >= 0, -1
neg_side = nn.ZeroPadding2D(((0, 1), (2, -3)))  # expect-error: ZeroPadding2D, ints >= 0, ((0, 1), (2, -3))
three = nn.ZeroPadding2D((1, 2, 3))  # expect-error: "ZeroPadding2D", tuple[int, int, int]
p = tn.Input(28, 28, 1) >> nn.ZeroPadding2D((2, 0)) >> nn.Flatten()  # 32 * 28 = 896
p = p >> nn.Dense(784, 10)  # expect-error: Dense(784 -> 10), (896,)
