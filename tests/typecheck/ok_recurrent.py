"""LSTM, GRU and Bidirectional arithmetic on (sequence, features) inputs."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

UNITS: Final = 32


class Seq(tn.Dim):
    """Steps of a sequence."""


x = tn.Input(10, 8)
assert_type(nn.LSTM(32)(x), tn.Tensor[L[10], L[32]])
assert_type(nn.LSTM(UNITS, return_sequences=False)(x), tn.Tensor[L[32]])
assert_type(nn.GRU(16, reverse=True)(x), tn.Tensor[L[10], L[16]])
assert_type(x >> nn.GRU(4, return_sequences=False) >> nn.Dense(2), tn.Tensor[L[2]])
assert_type(x >> nn.LSTM(12) >> nn.GRU(6), tn.Tensor[L[10], L[6]])

# Bidirectional: concat doubles the features; sum, mean and mul keep them.
assert_type(nn.Bidirectional(nn.LSTM(64))(x), tn.Tensor[L[10], L[128]])
assert_type(nn.Bidirectional(nn.LSTM(64), merge="sum")(x), tn.Tensor[L[10], L[64]])
assert_type(nn.Bidirectional(nn.GRU(8), merge="mean")(x), tn.Tensor[L[10], L[8]])
assert_type(nn.Bidirectional(nn.GRU(8, return_sequences=False), merge="mul")(x), tn.Tensor[L[8]])
assert_type(nn.Bidirectional(nn.LSTM(UNITS, return_sequences=False))(x), tn.Tensor[L[64]])
assert_type(x >> nn.Bidirectional(nn.LSTM(64)) >> nn.LSTM(3), tn.Tensor[L[10], L[3]])
forward = nn.GRU(5)
assert_type(x >> nn.Bidirectional(forward) >> nn.Bidirectional(forward, merge="sum"), tn.Tensor[L[10], L[5]])
block = nn.Bidirectional(nn.LSTM(4)) >> nn.Dense(3)
assert_type(block(x), tn.Tensor[L[10], L[3]])

# A named sequence length flows through unchanged.
s = tn.Input(Seq, 32)
assert_type(nn.LSTM(8)(s), tn.Tensor[Seq, L[8]])
assert_type(s >> nn.Bidirectional(nn.GRU(8)) >> nn.Dense(3), tn.Tensor[Seq, L[3]])
assert_type(s >> nn.LSTM(8, return_sequences=False), tn.Tensor[L[8]])


def runtime_units(n: int) -> None:
    # Sizes from runtime ints are unknown: Any, never a false positive.
    y = nn.Bidirectional(nn.LSTM(n))(x)
    z = nn.Dense(10, 3)(y)
    assert_type(z, tn.Tensor[L[10], L[3]])


def any_recurrent(layer: nn.LSTM | nn.GRU) -> None:
    # A wrapped layer whose hyperparameters are not in its type gives an unknown shape.
    nn.Dense(3)(nn.Bidirectional(layer)(x))
