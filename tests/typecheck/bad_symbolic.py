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
