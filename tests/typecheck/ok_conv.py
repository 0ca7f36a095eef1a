"""Conv2D arithmetic: kernel, stride, dilation, padding, groups, tuples and Final constants."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

KERNEL: Final = (3, 5)
STRIDE: Final = 2
FILTERS: Final = 16

x = tn.Input(32, 32, 3)
assert_type(nn.Conv2D(8, kernel=3)(x), tn.Tensor[L[30], L[30], L[8]])
assert_type(nn.Conv2D(8, kernel=3, in_channels=3)(x), tn.Tensor[L[30], L[30], L[8]])
assert_type(nn.Conv2D(8, kernel=(3, 5))(x), tn.Tensor[L[30], L[28], L[8]])
assert_type(nn.Conv2D(8, kernel=KERNEL)(x), tn.Tensor[L[30], L[28], L[8]])
assert_type(nn.Conv2D(FILTERS, kernel=3, stride=STRIDE)(x), tn.Tensor[L[15], L[15], L[16]])  # (32 - 3) // 2 + 1
assert_type(nn.Conv2D(8, kernel=5, stride=2)(x), tn.Tensor[L[14], L[14], L[8]])
assert_type(nn.Conv2D(8, kernel=3, stride=(2, 1))(x), tn.Tensor[L[15], L[30], L[8]])
assert_type(nn.Conv2D(8, kernel=3, dilation=2)(x), tn.Tensor[L[28], L[28], L[8]])  # 5 taps
assert_type(nn.Conv2D(8, kernel=3, dilation=(1, 2), stride=(2, 1))(x), tn.Tensor[L[15], L[28], L[8]])
assert_type(nn.Conv2D(8, kernel=3, padding="same")(x), tn.Tensor[L[32], L[32], L[8]])
assert_type(nn.Conv2D(8, kernel=3, stride=2, padding="same")(x), tn.Tensor[L[16], L[16], L[8]])
assert_type(nn.Conv2D(8, kernel=3, stride=3, padding="same")(tn.Input(7, 7, 3)), tn.Tensor[L[3], L[3], L[8]])
assert_type(nn.Conv2D(6, kernel=3, groups=3, padding="same")(x), tn.Tensor[L[32], L[32], L[6]])
assert_type(nn.Conv2D(8, kernel=1, use_bias=False)(x), tn.Tensor[L[32], L[32], L[8]])
assert_type(nn.Conv2D(8, kernel=5)(tn.Input(5, 5, 1)), tn.Tensor[L[1], L[1], L[8]])  # kernel == input

# A small CNN, step by step.
h = x >> nn.Conv2D(32, kernel=3) >> nn.relu
assert_type(h, tn.Tensor[L[30], L[30], L[32]])
h = h >> nn.Conv2D(32, kernel=3, in_channels=32) >> nn.relu >> nn.MaxPool2D(2)
assert_type(h, tn.Tensor[L[14], L[14], L[32]])
h = h >> nn.Conv2D(64, kernel=3, stride=2, padding="same")
assert_type(h, tn.Tensor[L[7], L[7], L[64]])
flat = h >> nn.Flatten()
assert_type(flat, tn.Tensor[L[3136]])
logits = flat >> nn.Dense(3136, 10)
assert_type(logits, tn.Tensor[L[10]])

# A residual block whose strided main path has a strided 1x1 projection on the shortcut.
a = tn.Input(32, 32, 16)
main = a >> nn.Conv2D(16, kernel=3, stride=2, padding="same") >> nn.relu
shortcut = a >> nn.Conv2D(16, kernel=1, stride=2)
r = main + shortcut
assert_type(r, tn.Tensor[L[16], L[16], L[16]])
