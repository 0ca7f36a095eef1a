"""Helpers generic over sizes: wrong arithmetic inside, and bindings that do not fit, are caught."""

from typing import Literal as L
from typing import TypeVar

import typednn as tn
from typednn import nn

H = TypeVar("H")
W = TypeVar("W")
C = TypeVar("C")
N = TypeVar("N")
Width = TypeVar("Width", bound=int)


class Seq(tn.Dim):
    """Tokens in a sequence."""


def block(x: tn.Tensor[H, W, C]) -> tn.Tensor[H, W, C]:
    return x >> nn.DepthwiseConv2D(3)  # expect-error: Incompatible return, Minus[H, Literal[2]], "Tensor[H, W, C]"


def residual(x: tn.Tensor[N, C]) -> tn.Tensor[N, C]:
    y = x >> nn.Conv1D(8, kernel=3)
    return x + y  # expect-error: Add, (N, C) and (N - 2, 8)


def trim(x: tn.Tensor[N, C]) -> tn.Tensor[tn.Minus[N, L[4]], L[8]]:
    return x >> nn.Conv1D(8, kernel=5)


short = trim(tn.Input(4, 3))  # expect-error: trim() returns tn.Minus[L[4], L[4]], no size
wrong = trim(tn.Input(32, 3)) >> nn.Dense(28, 2)  # expect-error: Dense(28 -> 2), 28 input features, (28, 8)
crossed = trim(tn.Input(Seq, 8)) + tn.Input(Seq, 8)  # expect-error: Add, (Seq - 4, 8) and (Seq, 8)


def widen(x: tn.Tensor[Width]) -> tn.Tensor[Width]:
    return x


# A TypeVar bound to int takes literal sizes only: a tn.Dim is no int (leave the bound off).
named = widen(tn.Input(Seq))  # expect-error: Value of type variable "Width", cannot be "Seq"
