"""Conv3D, MaxPool3D and AvgPool3D on NDHWC volumes; TimeDistributed on each step of the first axis."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

v = tn.Input(16, 32, 32, 3)
assert_type(nn.Conv3D(8, kernel=3)(v), tn.Tensor[L[14], L[30], L[30], L[8]])
assert_type(nn.Conv3D(8, kernel=3, stride=(1, 2, 2))(v), tn.Tensor[L[14], L[15], L[15], L[8]])
assert_type(nn.Conv3D(4, kernel=(1, 3, 3), padding="same")(v), tn.Tensor[L[16], L[32], L[32], L[4]])
assert_type(nn.Conv3D(6, kernel=3, dilation=2, groups=3, in_channels=3)(v), tn.Tensor[L[12], L[28], L[28], L[6]])
assert_type(nn.MaxPool3D((1, 2, 2))(v), tn.Tensor[L[16], L[16], L[16], L[3]])
assert_type(nn.AvgPool3D(2)(v), tn.Tensor[L[8], L[16], L[16], L[3]])
assert_type(nn.MaxPool3D(3, stride=2, padding="same")(v), tn.Tensor[L[8], L[16], L[16], L[3]])
c3d = v >> nn.Conv3D(8, kernel=3, padding="same") >> nn.relu >> nn.MaxPool3D(2) >> nn.Flatten()
assert_type(c3d, tn.Tensor[L[16384]])

# TimeDistributed: the wrapped layer's rule on each step, the steps kept.
t = tn.Input(10, 4)
assert_type(nn.TimeDistributed(nn.Dense(8))(t), tn.Tensor[L[10], L[8]])
assert_type(nn.TimeDistributed(nn.Dense(4, 8))(t), tn.Tensor[L[10], L[8]])
clip = tn.Input(5, 28, 28, 1)
frames = clip >> nn.TimeDistributed(nn.Conv2D(16, kernel=3)) >> nn.TimeDistributed(nn.MaxPool2D(2))
assert_type(frames, tn.Tensor[L[5], L[13], L[13], L[16]])
features = frames >> nn.TimeDistributed(nn.Flatten()) >> nn.LSTM(32, return_sequences=False)
assert_type(features, tn.Tensor[L[32]])
assert_type(t >> nn.TimeDistributed(nn.Dropout(0.5)) >> nn.TimeDistributed(nn.relu), tn.Tensor[L[10], L[4]])
shared = nn.TimeDistributed(nn.Dense(3))
assert_type(shared(t), tn.Tensor[L[10], L[3]])
block = nn.TimeDistributed(nn.Dense(6)) >> nn.Dense(2)
assert_type(block(t), tn.Tensor[L[10], L[2]])
