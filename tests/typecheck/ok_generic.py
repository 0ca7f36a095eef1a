"""Helpers generic over sizes: a TypeVar dim is a named size inside, and mypy binds it per call.

An unbounded `TypeVar("H")` takes any size: a literal (`L[32]`, kept as a literal, not
widened to int), a `tn.Dim`, or a computed size. Inside the helper it behaves like a
named dim that may equal any other size: `same` padding keeps it, a valid window
shortens it (`tn.Minus[H, L[2]]`), and a `Dense` with stated input features takes it.
"""

from typing import Literal as L
from typing import TypeVar, assert_type

import typednn as tn
from typednn import nn

H = TypeVar("H")
W = TypeVar("W")
C = TypeVar("C")
N = TypeVar("N")
Width = TypeVar("Width", bound=int)  # literal sizes only: a tn.Dim is no int


class Seq(tn.Dim):
    """Tokens in a sequence."""


class Time(tn.Dim):
    """Steps in a series."""


def block(x: tn.Tensor[H, W, C]) -> tn.Tensor[H, W, C]:
    """A residual block for images of any size: each channel filtered on its own."""
    h = x >> nn.DepthwiseConv2D(3, padding="same") >> nn.relu
    assert_type(h, tn.Tensor[H, W, C])
    assert_type(x >> nn.Conv2D(16, kernel=3, padding="same"), tn.Tensor[H, W, L[16]])
    return x + h


assert_type(block(tn.Input(32, 32, 16)), tn.Tensor[L[32], L[32], L[16]])
assert_type(block(tn.Input(Seq, 32, 3)), tn.Tensor[Seq, L[32], L[3]])
assert_type(block(block(tn.Input(8, 8, 1))) >> nn.Flatten() >> nn.Dense(64, 10), tn.Tensor[L[10]])


def head(x: tn.Tensor[N, C]) -> tn.Tensor[N, L[10]]:
    # C may be 64 for some caller: a stated input size is no error here.
    return x >> nn.Dense(64, 10)


assert_type(head(tn.Input(Seq, 64)), tn.Tensor[Seq, L[10]])


def trim(x: tn.Tensor[N, C]) -> tn.Tensor[tn.Minus[N, L[4]], L[8]]:
    """An unpadded convolution: the length shrinks by the window's reach less one."""
    return x >> nn.Conv1D(8, kernel=5)


# The result's computed size is worked out per call: 32 - 4, or Seq - 4, or Seq - 8.
assert_type(trim(tn.Input(32, 3)), tn.Tensor[L[28], L[8]])
assert_type(trim(tn.Input(Seq, 3)), tn.Tensor[tn.Minus[Seq, L[4]], L[8]])
assert_type(trim(trim(tn.Input(Seq, 3))), tn.Tensor[tn.Minus[Seq, L[8]], L[8]])
assert_type(trim(tn.Input(32, 3)) >> nn.Dense(8, 2), tn.Tensor[L[28], L[2]])


def up(x: tn.Tensor[H, W, C]) -> tn.Tensor[tn.Times[H, L[2]], tn.Times[W, L[2]], C]:
    return x >> nn.UpSampling2D(2)


def down(x: tn.Tensor[tn.Times[H, L[2]], tn.Times[W, L[2]], C]) -> tn.Tensor[H, W, C]:
    return x >> nn.MaxPool2D(2)


assert_type(up(tn.Input(7, 5, 3)), tn.Tensor[L[14], L[10], L[3]])
assert_type(up(tn.Input(Seq, 5, 3)), tn.Tensor[tn.Times[Seq, L[2]], L[10], L[3]])
# A variable inside a computed parameter size binds to a size computed the same way
# (`tn.Times[Seq, L[2]]` gives Seq); mypy does not divide a literal to bind it.
assert_type(down(up(tn.Input(Seq, Time, 3))), tn.Tensor[Seq, Time, L[3]])


def widen(x: tn.Tensor[Width]) -> tn.Tensor[Width]:
    return x >> nn.relu


assert_type(widen(tn.Input(5)), tn.Tensor[L[5]])

x = tn.Input(32, 32, 3)
model = tn.Model(x, block(x))
assert_type(model, tn.Model[tn.Tensor[L[32], L[32], L[3]], tn.Tensor[L[32], L[32], L[3]]])
