"""GlobalMaxPool1D, Cropping1D/2D, UpSampling2D(bilinear), Resizing, Permute, RepeatVector: wrong ranks, bad options."""

import typednn as tn
from typednn import nn

g = nn.GlobalMaxPool1D()(tn.Input(7, 7, 3))  # expect-error: GlobalMaxPool1D(), (length, channels), (7, 7, 3)
gd = tn.Input(10, 64) >> nn.GlobalMaxPool1D() >> nn.Dense(32, 3)  # expect-error: Dense(32 -> 3), (64,)

c1 = nn.Cropping1D(5)(tn.Input(10, 4))  # expect-error: Cropping1D(cropping=5), a length of at least 11, (10, 4)
c1_rank = nn.Cropping1D(1)(tn.Input(28, 28, 1))  # expect-error: Cropping1D(cropping=1), (length, channels)
c1_neg = nn.Cropping1D(-1)  # expect-error: Cropping1D(cropping=-1), ints >= 0
c1_three = nn.Cropping1D((1, 2, 3))  # expect-error: "Cropping1D", tuple[int, int, int]

c2 = nn.Cropping2D(((0, 1), (14, 14)))(tn.Input(28, 28, 1))  # expect-error: Cropping2D, a width of at least 29
c2_rank = nn.Cropping2D(1)(tn.Input(784))  # expect-error: Cropping2D(cropping=1), (height, width, channels), (784,)
c2_neg = nn.Cropping2D((1, -2))  # expect-error: Cropping2D(cropping=(1, -2)), ints >= 0
# Cropping 4 off each side of 32 leaves 24 x 24, not the 28 x 28 of the other branch.
skip = nn.Cropping2D(4)(tn.Input(32, 32, 8)) + tn.Input(28, 28, 8)  # expect-error: (24, 24, 8), (28, 28, 8)

up = nn.UpSampling2D(2, interpolation="bicubic")  # expect-error: "UpSampling2D", 'bicubic'
up_rank = nn.UpSampling2D(2, interpolation="bilinear")(tn.Input(28, 28))  # expect-error: UpSampling2D, (28, 28)
r = nn.Resizing(224, 224)(tn.Input(224, 224))  # expect-error: Resizing(height=224, width=224), (224, 224)
r0 = nn.Resizing(0, 224)  # expect-error: Resizing(height=0, width=224), height must be a positive int
r_mode = nn.Resizing(8, 8, interpolation="area")  # expect-error: "Resizing", 'area'
rd = tn.Input(64, 64, 3) >> nn.Resizing(32, 32) >> nn.Flatten() >> nn.Dense(1024, 10)  # expect-error: (3072,)

p = nn.Permute((2, 1))(tn.Input(4, 5, 6))  # expect-error: Permute(dims=(2, 1)), an input of 2 axes, (4, 5, 6)
p0 = nn.Permute((0, 1))  # expect-error: Permute(dims=(0, 1)), dims must be a permutation of 1..2
p_twice = nn.Permute((1, 1, 2))  # expect-error: Permute(dims=(1, 1, 2)), permutation of 1..3
pd = tn.Input(10, 64) >> nn.Permute((2, 1)) >> nn.Dense(64, 3)  # expect-error: Dense(64 -> 3), (64, 10)

v = nn.RepeatVector(3)(tn.Input(10, 4))  # expect-error: RepeatVector(n=3), (features), (10, 4)
v0 = nn.RepeatVector(0)  # expect-error: RepeatVector(n=0), n must be a positive int
vd = tn.Input(8) >> nn.RepeatVector(5) >> nn.LSTM(4) >> nn.Dense(6, 2)  # expect-error: Dense(6 -> 2), (5, 4)
