"""Sizes known only at run time become Any: never a false error (build time checks them)."""

from typing import Any, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn


def build(width: int, classes: int) -> tn.Model[tn.Tensor[L[784]], tn.Tensor[Any]]:
    x = tn.Input(784)
    h = nn.Dense(width)(x) >> nn.relu
    assert_type(h, tn.Tensor[Any])
    h = nn.Dense(width, width)(h) + h
    y = nn.Dense(width, classes)(h)
    return tn.Model(x, y)


def vector(width: int) -> None:
    x = tn.Input(width)
    assert_type(x, tn.Tensor[Any])
    assert_type(x >> nn.Dense(width, 10), tn.Tensor[L[10]])
    assert_type(x >> nn.Dense(3, 10), tn.Tensor[L[10]])
    assert_type(x >> nn.Reshape(width, 1), tn.Tensor[Any, L[1]])
    assert_type(x >> nn.Reshape(-1, 2), tn.Tensor[Any, L[2]])
    assert_type(tn.Input(12) >> nn.Reshape(width, -1), tn.Tensor[Any, Any])
    assert_type(x + tn.Input(5), tn.Tensor[L[5]])
    assert_type(nn.concat(tn.Input(width, 4), tn.Input(3, 4), axis=0), tn.Tensor[Any, L[4]])


def image(filters: int, k: int, stride: int, axis: int, rate: float, act: str) -> None:
    x = tn.Input(32, 32, 3)
    assert_type(nn.Conv2D(filters, kernel=k)(x), tn.Tensor[Any, Any, Any])
    assert_type(nn.Conv2D(8, kernel=(3, k))(x), tn.Tensor[L[30], Any, L[8]])
    assert_type(nn.Conv2D(8, kernel=3, stride=stride)(x), tn.Tensor[Any, Any, L[8]])
    assert_type(nn.Conv2D(8, kernel=3, in_channels=filters)(x), tn.Tensor[L[30], L[30], L[8]])
    assert_type(nn.MaxPool2D(k)(x), tn.Tensor[Any, Any, L[3]])
    assert_type(nn.AvgPool2D(2, stride=stride)(x), tn.Tensor[Any, Any, L[3]])
    assert_type(x >> nn.Dropout(rate) >> nn.Activation(act), tn.Tensor[L[32], L[32], L[3]])
    assert_type(nn.concat(x, x, axis=axis), tn.Tensor[*tuple[Any, ...]])
    assert_type(tn.Input(k, k, 3) >> nn.Conv2D(8, kernel=5), tn.Tensor[Any, Any, L[8]])
