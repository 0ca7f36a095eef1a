"""Blocks: `layer >> layer`, explicit nn.Sequential, nesting, reuse, layers in variables."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

HIDDEN: Final = 256

block = nn.Dense(784, HIDDEN) >> nn.relu >> nn.Dense(HIDDEN, 10)
assert_type(block(tn.Input(784)), tn.Tensor[L[10]])
assert_type(tn.Input(784) >> block, tn.Tensor[L[10]])

explicit = nn.Sequential(nn.Dense(3, 4), nn.gelu, nn.Dense(4, 6))
assert_type(explicit(tn.Input(3)), tn.Tensor[L[6]])
nested = nn.Sequential(nn.Dense(784, 64), nn.Sequential(nn.relu, nn.Dense(64, 10)))
assert_type(nested(tn.Input(784)), tn.Tensor[L[10]])
joined = nn.Sequential(nn.Dense(784, 64), nn.relu) >> nn.Sequential(nn.Dense(64, 10))
assert_type(tn.Input(784) >> joined, tn.Tensor[L[10]])

# A block without stated input sizes is reused on inputs of any shape.
shared = nn.Dense(8) >> nn.tanh
assert_type(shared(tn.Input(16)), tn.Tensor[L[8]])
assert_type(shared(tn.Input(5, 12)), tn.Tensor[L[5], L[8]])
assert_type(tn.Input(2, 3, 4) >> shared, tn.Tensor[L[2], L[3], L[8]])
twice = shared >> shared
assert_type(tn.Input(10) >> twice, tn.Tensor[L[8]])

encoder = nn.Dense(32, 16)
decoder = nn.Dense(16, 32)
autoencoder = encoder >> nn.relu >> decoder >> nn.sigmoid
assert_type(autoencoder(tn.Input(32)), tn.Tensor[L[32]])

features = nn.Conv2D(8, kernel=3) >> nn.relu >> nn.Conv2D(8, kernel=3, in_channels=8) >> nn.MaxPool2D(2)
assert_type(features(tn.Input(28, 28, 1)), tn.Tensor[L[12], L[12], L[8]])
classifier = features >> nn.Flatten() >> nn.Dropout(0.5) >> nn.Dense(1152, 10)
assert_type(classifier(tn.Input(28, 28, 1)), tn.Tensor[L[10]])
unflatten = nn.Reshape(8, 8, 1) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2) >> nn.MaxPool2D(2)
assert_type(unflatten(tn.Input(64)), tn.Tensor[L[1], L[1], L[1]])

stack = [nn.Dense(16, 16), nn.Dense(16, 16), nn.Dense(16, 16)]
x = tn.Input(16)
for layer in stack:
    x = layer(x)
assert_type(x, tn.Tensor[L[16]])


def head(t: tn.Tensor[L[7], L[7], L[64]]) -> tn.Tensor[L[10]]:
    return t >> (nn.Flatten() >> nn.Dense(3136, 10))


assert_type(head(tn.Input(7, 7, 64)), tn.Tensor[L[10]])
