"""Data and model agree, so training type-checks; models and trainers appear in signatures."""

from typing import Any, assert_type
from typing import Literal as L

import optax

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


x = tn.Input(4)
model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(2))
assert_type(model, tn.Model[tn.Tensor[L[4]], tn.Tensor[L[2]]])
Vectors = tn.Trainer[tn.Tensor[L[4]], tn.Tensor[L[2]]]


def classes(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[2]]]) -> None:
    history = trainer.fit(data, epochs=1)
    assert_type(history, tn.History)
    trainer.evaluate(data)


def targets(trainer: Vectors, data: tn.data.Dataset[tn.Tensor[L[4]], tn.Tensor[L[2]]]) -> None:
    trainer.fit(data, epochs=1, batch_size=16)


def untyped(trainer: Vectors, data: tn.data.Dataset[Any, Any]) -> None:
    trainer.fit(data, epochs=1)


def images(data: tn.data.Dataset[tn.Tensor[L[28], L[28], L[1]], tn.Classes[L[10]]]) -> None:
    inputs = tn.Input(28, 28, 1)
    cnn = tn.Model(inputs, inputs >> nn.Conv2D(8, kernel=3) >> nn.Flatten() >> nn.Dense(10))
    trainer = tn.Trainer(cnn, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    assert_type(trainer, tn.Trainer[tn.Tensor[L[28], L[28], L[1]], tn.Tensor[L[10]]])
    trainer.fit(data, epochs=3)


def regression(data: tn.data.Dataset[tn.Tensor[L[4]], tn.Tensor[L[2]]]) -> None:
    tn.Trainer(model, loss=tn.losses.mean_squared_error, optimizer=optax.adam(1e-3)).fit(data, epochs=1)


def sequences(
    trainer: tn.Trainer[tn.Tensor[Seq, L[8]], tn.Tensor[Seq, L[8]]],
    data: tn.data.Dataset[tn.Tensor[Seq, L[8]], tn.Tensor[Seq, L[8]]],
) -> None:
    trainer.fit(data, epochs=1)


def build() -> tn.Model[tn.Tensor[L[4]], tn.Tensor[L[2]]]:
    return model


def build_gradual(width: int) -> tn.Model[tn.Tensor[L[4]], tn.Tensor[Any]]:
    inputs = tn.Input(4)
    return tn.Model(inputs, inputs >> nn.Dense(width))


class Steps(tn.Dim):
    """Steps of a sequence whose length the data gives."""


def any_length(
    trainer: tn.Trainer[tn.Tensor[Steps, L[8]], tn.Tensor[Steps, L[8]]],
    data: tn.data.Dataset[tn.Tensor[L[10], L[8]], tn.Tensor[L[10], L[8]]],
) -> None:
    # A named dim binds to the data's size: Steps is 10 in this dataset.
    trainer.fit(data, epochs=1, validation=data)
    trainer.evaluate(data)
    trainer.predict(data)


def predict_reads_features(
    trainer: tn.Trainer[tn.Tensor[L[4]], tn.Tensor[L[3]]], data: tn.data.Dataset[tn.Tensor[L[4]], tn.Classes[L[7]]]
) -> None:
    trainer.predict(data)  # only the features are read: the classes do not matter
