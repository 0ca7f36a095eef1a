"""Recurrent state: a seq2seq LSTM whose decoder starts from the encoder's final state, typed."""

from typing import Literal as L

import typednn as tn
from typednn import nn

Source = tn.Tensor[L[12], L[8]]
Target = tn.Tensor[L[10], L[8]]


def seq2seq() -> tn.Model[tuple[Source, Target], tn.Tensor[L[10], L[20]]]:
    source = tn.Input(12, 8, name="source")
    target = tn.Input(10, 8, name="target")
    _, h, c = nn.LSTM(32, return_state=True, return_sequences=False, name="encoder")(source)
    state: tuple[tn.Tensor[L[32]], tn.Tensor[L[32]]] = (h, c)
    decoded = nn.LSTM(32, name="decoder")(target, initial_state=state)
    return tn.Model((source, target), decoded >> nn.Dense(20))


def gru_state() -> tn.Model[Source, tuple[tn.Tensor[L[12], L[16]], tn.Tensor[L[16]]]]:
    x = tn.Input(12, 8)
    sequence, last = nn.GRU(16, return_state=True)(x)
    return tn.Model(x, (sequence, last))


# A state taken from one layer and given to another of as many units, in a loop.
x = tn.Input(12, 8)
s: tn.Tensor[L[16]] = nn.GRU(16, return_state=True)(x)[1]
for _ in range(3):
    y, s = nn.GRU(16, return_state=True)(x, initial_state=(s,))
