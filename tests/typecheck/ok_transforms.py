"""Column transforms in the types: widths known from the source type the features, others stay Any."""

from typing import Any, Final
from typing import Literal as L

import optax

import typednn as tn
from typednn import nn
from typednn.data import Table
from typednn.data.transforms import Columns, clip, hashing, log, lookup, min_max, multi_hot, one_hot, standardize

BINS: Final = 8
THAL: Final = ["fixed", "normal", "reversible"]


def heart(raw: Table) -> tn.Trainer[tn.Tensor[L[16]], tn.Tensor[L[2]]]:
    # 1 + (1 oov + 3) + 1 + 1 + 8 + 1 = 16, from the literals alone: no data is read.
    prep = Columns(
        {
            "age": standardize(),
            "thal": one_hot(vocabulary=["fixed", "normal", "reversible"]),
            "sex": None,
            "chol": [clip(0, 1e4), log(), standardize()],
            "ca": hashing(BINS, one_hot=True),
            "cp": lookup(),
        }
    )
    prep = prep.fit(raw)  # fitting keeps the type
    data: tn.data.Dataset[tn.Tensor[L[16]], Any] = prep(raw)
    x = tn.Input(16)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(2))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    trainer.fit(data, epochs=1)
    return trainer


def fitted_widths(raw: Table) -> tn.data.Dataset[Any, Any]:
    # A vocabulary fitted on the rows decides the width: the features are Any, never guessed.
    prep = Columns({"thal": one_hot(), "tags": multi_hot(max_tokens=4), "age": min_max()}).fit(raw)
    x = tn.Input(9)
    model = tn.Model(x, x >> nn.Dense(2))
    tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3)).fit(prep(raw), epochs=1)
    return prep(raw)


def constant_vocabulary(raw: Table) -> None:
    # A Final list is a literal too; a list built at run time is not.
    width_4 = Columns({"thal": one_hot(vocabulary=THAL)})
    built = [str(n) for n in range(3)]
    unknown = Columns({"thal": one_hot(vocabulary=built)})
    four: tn.data.Dataset[tn.Tensor[L[4]], Any] = width_4.fit(raw)(raw)
    anything: tn.data.Dataset[tn.Tensor[L[99]], Any] = unknown.fit(raw)(raw)
    del four, anything
