"""Keras's functional API: several inputs and outputs, a shared tower, a dict of arrays."""

from typing import Literal as L

import jax
import numpy as np

import typednn as tn
from typednn import nn

Image = tn.Tensor[L[8], L[8], L[3]]
Meta = tn.Tensor[L[4]]


def two_heads() -> tn.Model[tuple[Image, Meta], tuple[tn.Tensor[L[10]], tn.Tensor[L[4]]]]:
    image = tn.Input(8, 8, 3, name="image")
    meta = tn.Input(4, name="meta")
    h = image >> nn.Conv2D(4, kernel=3) >> nn.Flatten()
    z = nn.concat(h, meta >> nn.Dense(8))
    return tn.Model((image, meta), (z >> nn.Dense(10, name="label"), z >> nn.Dense(4, name="box")))


def siamese() -> tn.Model[tuple[tn.Tensor[L[16]], tn.Tensor[L[16]]], tn.Tensor[L[1]]]:
    left, right = tn.Input(16, name="left"), tn.Input(16, name="right")
    tower = nn.Dense(16, 8) >> nn.relu >> nn.Dense(8, 8)
    joined = nn.concat(tower(left), tower(right))
    return tn.Model((left, right), joined >> nn.Dense(16, 1))


model = two_heads()
params = model.init(jax.random.key(0))
label, box = model.apply(params, (np.ones((2, 8, 8, 3)), np.ones((2, 4))))
by_name = model.apply(params, {"image": np.ones((2, 8, 8, 3)), "meta": np.ones((2, 4))})
pair = siamese()
score = pair.apply(pair.init(jax.random.key(0)), (np.ones((2, 16)), np.ones((2, 16))))
print(label.shape, box.shape, len(by_name), score.shape)
