"""Named symbolic dims: two Dim classes are two axes, and a symbol is no fixed size."""

from typing import Literal as L

import typednn as tn
from typednn import nn


class Seq(tn.Dim):
    """Tokens."""


class Time(tn.Dim):
    """Audio frames."""


tokens = tn.Input(Seq, 64)
frames = tn.Input(Time, 64)
mixed = tokens + frames  # expect-error: Add, (Seq, 64), (Time, 64)
fixed = tokens + tn.Input(16, 64)  # expect-error: Add, (Seq, 64), (16, 64)

lengths = tn.Input(Seq)
d = lengths >> nn.Dense(64, 10)  # expect-error: Dense(64 -> 10), 64 input features, (Seq,)

c = nn.concat(tokens, frames, axis=-1)  # expect-error: Concatenate, (Seq, 64), (Time, 64)

# `same` padding with stride 1 keeps the symbols, which then meet other symbols.
img = tn.Input(Seq, Seq, 3) >> nn.Conv2D(3, kernel=3, padding="same")
bad = img + tn.Input(Time, Time, 3)  # expect-error: Add, (Seq, Seq, 3), (Time, Time, 3)


def encode(t: tn.Tensor[Seq, L[64]]) -> None:
    h = t >> nn.Dense(64, 32)
    _ = h + (frames >> nn.Dense(32))  # expect-error: Add, (Seq, 32), (Time, 32)


# Fixed arithmetic on a named dim gives a size computed from it, which the rules compare.
short = tokens >> nn.Conv1D(64, kernel=3, dilation=2)  # (Seq - 4, 64)
residual = tokens + short  # expect-error: Add, (Seq, 64), (Seq - 4, 64)
joined = nn.concat(short, tokens)  # expect-error: Concatenate, (Seq - 4, 64), (Seq, 64)
other = short + (frames >> nn.Conv1D(64, kernel=5))  # expect-error: Add, (Seq - 4, 64), (Time - 4, 64)
doubled = tn.Input(Seq, Time, 3) >> nn.UpSampling2D(2)
skip = doubled + tn.Input(Seq, Time, 3)  # expect-error: Add, (Seq * 2, Time * 2, 3) and (Seq
flat = tn.Input(Seq, 4) >> nn.Flatten() >> nn.Dense(100, 10)  # expect-error: Dense(100 -> 10), (Seq * 4,)


def trim(t: tn.Tensor[Seq, L[64]]) -> tn.Tensor[tn.Minus[Seq, L[2]], L[64]]:
    return t >> nn.Conv1D(64, kernel=5)  # expect-error: return, Minus[Seq, Literal[4]], Minus[Seq, Literal[2]]


# A spelling of no size is an error where it is written.
square: tn.Tensor[tn.Times[Seq, Seq]]  # expect-error: tn.Times[Seq, Seq] is not a size
halved: tn.Tensor[tn.Div[Seq, L[0]]]  # expect-error: tn.Div[Seq, L[0]] is not a size
mixed_axes: tn.Tensor[tn.Plus[Seq, Time]]  # expect-error: tn.Plus[Seq, Time] is not a size
uneven: tn.Tensor[tn.Div[L[7], L[2]]]  # expect-error: tn.Div[L[7], L[2]] is not a size
