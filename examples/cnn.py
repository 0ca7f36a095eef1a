"""A small typed CNN for 28x28 greyscale images; mypy knows every intermediate shape."""

from __future__ import annotations

from typing import Literal as L
from typing import assert_type

import optax

import typednn as tn
from typednn import nn

Image = tn.Tensor[L[28], L[28], L[1]]
Scores = tn.Tensor[L[10]]


def build_cnn() -> tn.Model[Image, Scores]:
    """Conv -> pool -> conv -> pool -> dense, with the shapes mypy computes."""
    x = tn.Input(28, 28, 1)
    h = nn.Conv2D(16, kernel=3, padding="same")(x) >> nn.relu
    assert_type(h, tn.Tensor[L[28], L[28], L[16]])
    h = h >> nn.MaxPool2D(2)  # 14 x 14
    h = nn.Conv2D(32, kernel=3, in_channels=16)(h) >> nn.relu  # valid: 12 x 12
    h = h >> nn.MaxPool2D(2)  # 6 x 6
    assert_type(h, tn.Tensor[L[6], L[6], L[32]])
    y = h >> nn.Flatten() >> nn.Dense(6 * 6 * 32, 64) >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(10)
    return tn.Model(x, y, name="cnn")


def trainer(model: tn.Model[Image, Scores]) -> tn.Trainer[Image, Scores]:
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(3e-3))


def train(data: tn.data.Dataset[Image, tn.Classes[L[10]]], epochs: int) -> tn.Trainer[Image, Scores]:
    """Data whose images or class count differ from the model's would be a mypy error here."""
    fitted = trainer(build_cnn())
    fitted.fit(data, epochs=epochs)
    return fitted
