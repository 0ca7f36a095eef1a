"""Class ids with positions (a tagger's targets) fit a model that scores each position."""

from typing import Any
from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


Tagger = tn.Trainer[tn.Tokens[Seq], tn.Tensor[Seq, L[5]]]
Tags = tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5], Seq]]


def tagger() -> tn.Model[tn.Tokens[Seq], tn.Tensor[Seq, L[5]]]:
    ids = tn.Input(Seq, dtype="int32")
    h = ids >> nn.Embedding(100, 16) >> nn.Bidirectional(nn.LSTM(8, return_sequences=True))
    return tn.Model(ids, h >> nn.Dense(5))


def fits(trainer: Tagger, data: Tags, validation: Tags) -> None:
    trainer.fit(data, epochs=1, validation=validation)
    trainer.evaluate(data)
    trainer.predict(data)


def fixed_length(
    trainer: tn.Trainer[tn.Tokens[L[12]], tn.Tensor[L[12], L[5]]],
    data: tn.data.Dataset[tn.Tokens[L[12]], tn.Classes[L[5], L[12]]],
) -> None:
    trainer.fit(data, epochs=1)


def named_length_meets_literal_data(
    trainer: Tagger, data: tn.data.Dataset[tn.Tokens[L[12]], tn.Classes[L[5], L[12]]]
) -> None:
    trainer.fit(data, epochs=1)  # Seq is 12 in this dataset: features and targets agree


def pixels(
    trainer: tn.Trainer[tn.Tensor[L[8], L[8], L[3]], tn.Tensor[L[8], L[8], L[2]]],
    data: tn.data.Dataset[tn.Tensor[L[8], L[8], L[3]], tn.Classes[L[2], L[8], L[8]]],
) -> None:
    trainer.fit(data, epochs=1)  # a segmentation: one class id per pixel


def per_example_ids_still_fit(
    trainer: tn.Trainer[tn.Tensor[L[4]], tn.Tensor[L[3]]], data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[3]]]
) -> None:
    trainer.fit(data, epochs=1)


def positions_not_known(
    trainer: Tagger, data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5], *tuple[Any, ...]]]
) -> None:
    trainer.fit(data, epochs=1)


def several_outputs(
    trainer: tn.Trainer[tn.Tokens[Seq], tuple[tn.Tensor[Seq, L[5]], tn.Tensor[L[2]]]],
    data: tn.data.Dataset[tn.Tokens[Seq], tuple[tn.Classes[L[5], Seq], tn.Classes[L[2]]]],
) -> None:
    trainer.fit(data, epochs=1)
