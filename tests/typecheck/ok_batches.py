"""Batches from Python typed as a dataset is: `Iterator[tn.data.Batch[Example, Target]]` fits the model."""

from collections.abc import Iterator
from typing import Any
from typing import Literal as L

import numpy as np
import optax

import typednn as tn
from typednn import nn

Example = tn.Tensor[L[4]]


def batches() -> Iterator[tn.data.Batch[Example, tn.Classes[L[2]]]]:
    rng = np.random.default_rng(0)
    while True:
        x = rng.normal(size=(32, 4)).astype(np.float32)
        yield tn.data.Batch(x, (x.sum(axis=1) > 0).astype(np.int64))


def untyped() -> Iterator[tuple[Any, Any]]:  # plain tuples: not checked, never wrongly refused
    yield np.zeros((8, 9), np.float32), np.zeros(8, np.int64)


x = tn.Input(4)
trainer = tn.Trainer(tn.Model(x, x >> nn.Dense(2)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
trainer.fit(batches(), epochs=2, steps_per_epoch=10)
listed = [tn.data.Batch[Example, tn.Classes[L[2]]](np.zeros((4, 4), np.float32), np.zeros(4, np.int64))]
trainer.fit(listed, epochs=1, validation=listed)
trainer.fit(untyped(), epochs=1, steps_per_epoch=1)
