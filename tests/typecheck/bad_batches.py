"""A generator of typed batches that misses the model is an error on the line of `fit`, once."""

from collections.abc import Iterator
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn


def batches() -> Iterator[tn.data.Batch[tn.Tensor[L[4]], tn.Classes[L[2]]]]:
    while True:
        yield tn.data.Batch(np.zeros((32, 4), np.float32), np.zeros(32, np.int64))


y = tn.Input(5)
wide = tn.Trainer(tn.Model(y, y >> nn.Dense(2)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
wide.fit(batches(), epochs=2, steps_per_epoch=10)  # expect-error: features of shape (5,), shape (4,)
x = tn.Input(4)
three = tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
three.fit(batches(), epochs=2, steps_per_epoch=10)  # expect-error: targets from 3 classes, 2 classes
