"""Class ids with positions that a tagger cannot take: another length, class count or rank."""

from typing import Literal as L

import typednn as tn


class Seq(tn.Dim):
    """Tokens."""


Tagger = tn.Trainer[tn.Tokens[Seq], tn.Tensor[Seq, L[5]]]
Fixed = tn.Trainer[tn.Tokens[L[12]], tn.Tensor[L[12], L[5]]]


def wrong_fixed_length(trainer: Fixed, data: tn.data.Dataset[tn.Tokens[L[12]], tn.Classes[L[5], L[10]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, class ids of shape (12,), targets have shape (10,)


def wrong_named_length(trainer: Tagger, data: tn.data.Dataset[tn.Tokens[L[12]], tn.Classes[L[5], L[10]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, class ids of shape (Seq,), targets have shape (10,)


def another_length_dim(trainer: Tagger, data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5], L[7]]]) -> None:
    trainer.evaluate(data)  # expect-error: Trainer.evaluate, class ids of shape (Seq,), (7,)


def wrong_class_count(trainer: Tagger, data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[7], Seq]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, targets from 5 classes, data with 7 classes


def wrong_validation(
    trainer: Tagger,
    data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5], Seq]],
    other: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[4], Seq]],
) -> None:
    trainer.fit(data, epochs=1, validation=other)  # expect-error: Trainer.fit, 5 classes, 4 classes


def one_id_per_example(trainer: Tagger, data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, one score per class, (classes,), (Seq, 5)


def pooled_model(
    trainer: tn.Trainer[tn.Tokens[Seq], tn.Tensor[L[5]]], data: tn.data.Dataset[tn.Tokens[Seq], tn.Classes[L[5], Seq]]
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, one score per class at each position, (Seq, 5), (5,)


def second_output(
    trainer: tn.Trainer[tn.Tokens[Seq], tuple[tn.Tensor[L[2]], tn.Tensor[Seq, L[5]]]],
    data: tn.data.Dataset[tn.Tokens[L[9]], tuple[tn.Classes[L[2]], tn.Classes[L[5], L[8]]]],
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, class ids of shape (Seq,) for output 2 of 2, (8,)
