"""Data that does not fit the model is a type error, caught before any training."""

from typing import Literal as L

import optax

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


class Time(tn.Dim):
    """Audio frames."""


x = tn.Input(4)
model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(2))
Vectors = tn.Trainer[tn.Tensor[L[4]], tn.Tensor[L[2]]]


def wrong_features(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[5]], tn.Classes[L[2]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, features of shape (4,), (5,)


def wrong_classes(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[3]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, 2 classes, 3 classes


def wrong_targets(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[4]], tn.Tensor[L[3]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, targets of shape (2,), (3,)


def wrong_rank(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[2], L[2]], tn.Classes[L[2]]]) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, (4,), (2, 2)


def flat_images(data: tn.data.Dataset[tn.Tensor[L[784]], tn.Classes[L[10]]]) -> None:
    images = tn.Input(28, 28, 1)
    cnn = tn.Model(images, images >> nn.Conv2D(8, kernel=3) >> nn.Flatten() >> nn.Dense(10))
    trainer = tn.Trainer(cnn, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, (28, 28, 1), (784,)


def five_classes(data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[5]]]) -> None:
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    trainer.fit(data, epochs=3)  # expect-error: Trainer.fit, 2 classes, 5 classes


def other_axis(
    trainer: tn.Trainer[tn.Tensor[Seq, L[8]], tn.Tensor[Seq, L[8]]],
    data: tn.data.Dataset[tn.Tensor[Time, L[8]], tn.Tensor[Time, L[8]]],
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, (Seq, 8), (Time, 8)


def evaluate(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[5]], tn.Classes[L[2]]]) -> None:
    trainer.evaluate(data)  # expect-error: Trainer.evaluate, features of shape (4,), (5,)


def build() -> tn.Model[tn.Tensor[L[4]], tn.Tensor[L[3]]]:
    return model  # expect-error: Model, Literal[2], Literal[3]


def validation(
    trainer: Vectors,
    train: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[2]]],
    other: tn.data.Dataset[tn.Tensor[L[6]], tn.Classes[L[2]]],
) -> None:
    trainer.fit(train, epochs=1, validation=other)  # expect-error: Trainer.fit, features of shape (4,), (6,)


def evaluate_classes(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[7]]]) -> None:
    trainer.evaluate(data)  # expect-error: Trainer.evaluate, 2 classes, 7 classes


def not_a_dataset(trainer: Vectors, x: list[list[float]], y: list[int]) -> None:
    trainer.fit((x, y), epochs=1)  # expect-error: Dataset
    trainer.fit("data.csv", epochs=1)  # expect-error: Dataset
    trainer.fit((pair for pair in zip(x, y)), epochs=1)  # expect-error: Dataset
    trainer.evaluate("data.csv")  # expect-error: Dataset


plus_number = tn.Input(4) + 3  # expect-error: Unsupported operand types, Tensor[Literal[4]], int


def predict(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[3]], tn.Classes[L[2]]]) -> None:
    trainer.predict(data)  # expect-error: Trainer.predict, features of shape (4,), (3,)


def two_lengths(
    trainer: tn.Trainer[tn.Tensor[Seq, L[8]], tn.Tensor[Seq, L[8]]],
    data: tn.data.Dataset[tn.Tensor[L[10], L[8]], tn.Tensor[L[12], L[8]]],
) -> None:
    trainer.fit(data, epochs=1)  # expect-error: Trainer.fit, (Seq, 8), (12, 8)
