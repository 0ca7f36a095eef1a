"""Keras's `activation=` argument on Dense and the convolutions: the shapes are the layer's."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

x = tn.Input(784)
hidden = x >> nn.Dense(128, activation="relu")
assert_type(hidden, tn.Tensor[L[128]])
probabilities = hidden >> nn.Dense(128, 10, activation="softmax")
assert_type(probabilities, tn.Tensor[L[10]])
model = tn.Model(x, probabilities)

image = tn.Input(28, 28, 1)
features = image >> nn.Conv2D(8, kernel=3, activation="relu") >> nn.DepthwiseConv2D(3, activation="gelu")
assert_type(features, tn.Tensor[L[24], L[24], L[8]])
up = features >> nn.Conv2DTranspose(4, kernel=2, stride=2, activation="sigmoid")
assert_type(up, tn.Tensor[L[48], L[48], L[4]])
sequence = tn.Input(100, 8) >> nn.Conv1D(16, kernel=5, stride=2, activation="tanh")
assert_type(sequence, tn.Tensor[L[48], L[16]])
volume = tn.Input(8, 16, 16, 3) >> nn.Conv3D(4, kernel=3, activation="silu")
assert_type(volume, tn.Tensor[L[6], L[14], L[14], L[4]])

none = nn.Dense(3, activation=None)
name = "relu"
unknown_name = nn.Dense(3, activation=name.strip())  # not known to mypy: checked at run time
