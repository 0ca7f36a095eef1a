"""A small typed CNN for 28x28 greyscale images; mypy knows every intermediate shape."""

from __future__ import annotations

from typing import Literal as L

import optax

import typednn as tn
from typednn import nn

Image = tn.Tensor[L[28], L[28], L[1]]
Scores = tn.Tensor[L[10]]


def build_cnn() -> tn.Model[Image, Scores]:
    """Conv -> pool -> conv -> pool -> dense; each annotation states a shape mypy computes.

    With the plugin, mypy checks each annotation against the layers' shape rules; other
    checkers (pyright, mypy without the plugin) see `Any` sizes and accept them.
    """
    x = tn.Input(28, 28, 1)
    c1: tn.Tensor[L[28], L[28], L[16]] = nn.Conv2D(16, kernel=3, padding="same")(x) >> nn.relu
    p1: tn.Tensor[L[14], L[14], L[16]] = c1 >> nn.MaxPool2D(2)
    c2: tn.Tensor[L[12], L[12], L[32]] = nn.Conv2D(32, kernel=3, in_channels=16)(p1) >> nn.relu  # valid padding
    p2: tn.Tensor[L[6], L[6], L[32]] = c2 >> nn.MaxPool2D(2)
    y = p2 >> nn.Flatten() >> nn.Dense(6 * 6 * 32, 64) >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(10)
    return tn.Model(x, y, name="cnn")


def trainer(model: tn.Model[Image, Scores]) -> tn.Trainer[Image, Scores]:
    return tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(3e-3))


def train(data: tn.data.Dataset[Image, tn.Classes[L[10]]], epochs: int) -> tn.Trainer[Image, Scores]:
    """Data whose images or class count differ from the model's would be a mypy error here."""
    fitted = trainer(build_cnn())
    fitted.fit(data, epochs=epochs)
    return fitted
