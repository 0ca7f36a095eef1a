"""Loops, redefinition, conditionals, comprehensions, functions and methods."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

h = tn.Input(16)
for _ in range(3):
    h = nn.Dense(16, 16)(h) >> nn.relu
assert_type(h, tn.Tensor[L[16]])

# A loop that changes the shape: after it, the name may hold either shape, and both fit.
g = tn.Input(16)
for _ in range(3):
    g = g >> nn.Dense(32) >> nn.relu
assert_type(g >> nn.Dense(10), tn.Tensor[L[10]])

layers = [nn.Dense(16, 16), nn.Dense(16, 16)]
z = tn.Input(16)
for layer in layers:
    z = layer(z)
assert_type(z, tn.Tensor[L[16]])

outs = [nn.Dense(4)(t) for t in (tn.Input(8), tn.Input(16))]
assert_type(outs, list[tn.Tensor[L[4]]])

n = 0
while n < 3:
    w = tn.Input(4) + tn.Input(4)
    assert_type(w, tn.Tensor[L[4]])
    n += 1

# Redefining a name with a new shape is the normal way to write a forward pass.
c = tn.Input(32, 32, 3)
c = nn.Conv2D(16, kernel=5, stride=2)(c)
assert_type(c, tn.Tensor[L[14], L[14], L[16]])
c = nn.Conv2D(16, kernel=3, in_channels=16, padding="same")(c)
c = c >> nn.MaxPool2D(2)
assert_type(c, tn.Tensor[L[7], L[7], L[16]])
c2 = nn.Flatten()(c)
assert_type(nn.Dense(784, 10)(c2), tn.Tensor[L[10]])

u = tn.Input(16) if len(layers) > 1 else tn.Input(32)
assert_type(u >> nn.Dense(4), tn.Tensor[L[4]])

# A name that may hold several shapes is an error only when every one of them fails:
# the program may never pass the others here (a loop that runs once, a branch not taken).
u2 = u >> nn.Dense(16, 4)
assert_type(u2, tn.Tensor[L[4]])
outs2 = [nn.Dense(16, 4)(t) for t in (tn.Input(8), tn.Input(16))]
assert_type(outs2, list[tn.Tensor[L[4]]])
once = tn.Input(16)
for _ in range(1):
    once = once >> nn.Dense(16, 32)
assert_type(once, tn.Tensor[L[16]] | tn.Tensor[L[32]])

# Stacking blocks in a loop, the Keras way: the shapes change on every pass.
f = tn.Input(32, 32, 3)
for filters in (32, 64):
    f = f >> nn.Conv2D(filters, kernel=3, padding="same") >> nn.relu >> nn.MaxPool2D(2)
head = f >> nn.Flatten() >> nn.Dense(4096, 512)

# A residual in a loop adds members of the same pass.
r = tn.Input(16, 16, 8)
for _ in range(2):
    r = r + (r >> nn.Conv2D(8, kernel=3, padding="same"))
skip = tn.Input(32, 32, 16)
for filters in (32, 64):
    down = skip >> nn.Conv2D(filters, kernel=3, padding="same") >> nn.MaxPool2D(2)
    skip = down + (skip >> nn.Conv2D(filters, kernel=1, stride=2))


def build() -> tn.Tensor[L[10]]:
    x = tn.Input(28, 28, 1)
    return x >> nn.Conv2D(8, kernel=3) >> nn.Flatten() >> nn.Dense(5408, 10)


class Net:
    def __init__(self) -> None:
        self.hidden = nn.Dense(16, 32)
        self.out = nn.Dense(32, 10)

    def forward(self, x: tn.Tensor[L[16]]) -> tn.Tensor[L[10]]:
        return x >> self.hidden >> nn.relu >> self.out


def nested(depth: int) -> None:
    t = tn.Input(8, 8, 2)
    for _ in range(depth):
        if depth > 2:
            t = t >> nn.Conv2D(2, kernel=3, padding="same") >> nn.relu
    assert_type(t, tn.Tensor[L[8], L[8], L[2]])


assert_type(build(), tn.Tensor[L[10]])
assert_type(Net().forward(tn.Input(16)), tn.Tensor[L[10]])


def many(k: int) -> None:
    # Too many shapes to try every pair (9 x 9): the sum is not judged, never wrongly refused.
    a = tn.Input(1)
    b = tn.Input(1)
    for n in range(k):
        if n == 1:
            a, b = tn.Input(2), tn.Input(2)
        if n == 2:
            a, b = tn.Input(3), tn.Input(3)
        if n == 3:
            a, b = tn.Input(4), tn.Input(4)
        if n == 4:
            a, b = tn.Input(5), tn.Input(5)
        if n == 5:
            a, b = tn.Input(6), tn.Input(6)
        if n == 6:
            a, b = tn.Input(7), tn.Input(7)
        if n == 7:
            a, b = tn.Input(8), tn.Input(8)
        if n == 8:
            a, b = tn.Input(9), tn.Input(9)
    _ = a + b
