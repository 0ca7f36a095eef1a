"""The layers Keras models need: SeparableConv2D, Multiply, Rescaling, Normalization, relu6 and the hard activations."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

image = tn.Input(32, 32, 3)
x = image >> nn.Rescaling(1 / 127.5, offset=-1.0) >> nn.Normalization(mean=(0.5, 0.4, 0.3), variance=(0.1, 0.1, 0.2))
assert_type(x, tn.Tensor[L[32], L[32], L[3]])

y = x >> nn.SeparableConv2D(16, kernel=3, stride=2, depth_multiplier=2, activation="relu6")
assert_type(y, tn.Tensor[L[15], L[15], L[16]])
assert_type(y >> nn.SeparableConv2D(8, kernel=3, padding="same", in_channels=16), tn.Tensor[L[15], L[15], L[8]])

gate = y >> nn.Conv2D(16, kernel=1) >> nn.Activation("hard_sigmoid")
assert_type(nn.Multiply()(y, gate), tn.Tensor[L[15], L[15], L[16]])
assert_type(nn.Multiply()(y, gate, y >> nn.Activation("hard_swish")), tn.Tensor[L[15], L[15], L[16]])

features = tn.Input(10) >> nn.Dense(4, activation="hard_swish") >> nn.Activation("relu6")
assert_type(features >> nn.Rescaling((1.0, 2.0, 3.0, 4.0)), tn.Tensor[L[4]])
