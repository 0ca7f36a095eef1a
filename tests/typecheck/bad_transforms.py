"""Column transforms whose width mypy knows: features that miss the model, a wrong annotation."""

from typing import Any
from typing import Literal as L

import optax

import typednn as tn
from typednn import nn
from typednn.data import Table
from typednn.data.transforms import Columns, hashing, one_hot, standardize


def wrong_width(raw: Table) -> None:
    prep = Columns({"age": standardize(), "thal": one_hot(vocabulary=["fixed", "normal"])}).fit(raw)  # width 4
    x = tn.Input(3)
    model = tn.Model(x, x >> nn.Dense(2))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    trainer.fit(prep(raw), epochs=1)  # expect-error: features of shape (3,), shape (4,)


def wrong_annotation(raw: Table) -> None:
    prep = Columns({"sex": None, "ca": hashing(8, one_hot=True)})
    data: tn.data.Dataset[tn.Tensor[L[8]], Any] = prep(raw)  # expect-error: incompatible types in assignment
    del data

