"""A model with two inputs and two outputs trains on a dataset of two feature and two target arrays."""

from typing import Any
from typing import Literal as L

import typednn as tn


class Seq(tn.Dim):
    """Tokens."""


Image = tn.Tensor[L[8], L[8], L[3]]
Meta = tn.Tensor[L[4]]
Label = tn.Tensor[L[10]]
Box = tn.Tensor[L[4]]
TwoHeads = tn.Trainer[tuple[Image, Meta], tuple[Label, Box]]
Data = tn.data.Dataset[tuple[Image, Meta], tuple[tn.Classes[L[10]], Box]]


def fits(trainer: TwoHeads, data: Data, validation: Data) -> None:
    trainer.fit(data, epochs=1, validation=validation)
    trainer.evaluate(data)
    trainer.predict(data)


def regression_heads(
    trainer: TwoHeads,
    data: tn.data.Dataset[tuple[Image, Meta], tuple[tn.Tensor[L[10]], tn.Tensor[L[4]]]],
) -> None:
    trainer.fit(data, epochs=1)


def named_dims(
    trainer: tn.Trainer[tuple[tn.Tensor[Seq, L[8]], tn.Tensor[Seq]], tuple[tn.Tensor[Seq, L[2]], tn.Tensor[L[3]]]],
    data: tn.data.Dataset[tuple[tn.Tensor[Seq, L[8]], tn.Tensor[Seq]], tuple[tn.Tensor[Seq, L[2]], tn.Classes[L[3]]]],
) -> None:
    trainer.fit(data, epochs=1)


def untyped(trainer: TwoHeads, data: tn.data.Dataset[Any, Any], some: tn.data.Dataset[Any, tuple[Any, Box]]) -> None:
    trainer.fit(data, epochs=1)
    trainer.fit(some, epochs=1)


def gradual_model(trainer: tn.Trainer[Any, Any], data: Data) -> None:
    trainer.fit(data, epochs=1)


def one_input_two_outputs(
    trainer: tn.Trainer[Meta, tuple[Label, Box]],
    data: tn.data.Dataset[Meta, tuple[tn.Classes[L[10]], Box]],
) -> None:
    trainer.fit(data, epochs=1)
    trainer.predict(data)
