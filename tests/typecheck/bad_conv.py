"""Conv2D: channels, kernel sizes, stride and dilation arithmetic, rank."""

import typednn as tn
from typednn import nn

gray = tn.Input(28, 28, 1)
g = nn.Conv2D(32, kernel=3, in_channels=3)(gray)  # expect-error: in_channels=3, 3 input channels, (28, 28, 1)

k = nn.Conv2D(8, kernel=7)(tn.Input(5, 5, 1))  # expect-error: Conv2D(8, kernel=7), height of at least 7, (5, 5, 1)
w = nn.Conv2D(8, kernel=(3, 9))(tn.Input(28, 8, 1))  # expect-error: kernel=(3, 9), width of at least 9, (28, 8, 1)
d = nn.Conv2D(8, kernel=3, dilation=4)(tn.Input(8, 8, 1))  # expect-error: dilation=4, at least 9, (8, 8, 1)

# Stride: 32 -> (32 - 5) // 2 + 1 = 14, so Flatten gives 14 * 14 * 16 = 3136.
x = tn.Input(32, 32, 3)
s = x >> nn.Conv2D(16, kernel=5, stride=2) >> nn.Flatten()
y = nn.Dense(4096, 10)(s)  # expect-error: Dense(4096 -> 10), 4096, (3136,)

# A strided main path with an unprojected shortcut.
a = tn.Input(32, 32, 16)
main = a >> nn.Conv2D(16, kernel=3, stride=2, padding="same")  # 16 x 16 x 16
r = a + main  # expect-error: Add, (32, 32, 16), (16, 16, 16)

# Dilation 2 widens a 3-kernel to 5 taps: 32 -> 28, not 30.
b = tn.Input(32, 32, 8)
dil = b >> nn.Conv2D(8, kernel=3, dilation=2)
sum_ = dil + tn.Input(30, 30, 8)  # expect-error: Add, (28, 28, 8), (30, 30, 8)

flat = nn.Conv2D(8, kernel=3)(tn.Input(784))  # expect-error: Conv2D(8, kernel=3), (height, width, channels), (784,)
four = tn.Input(4, 28, 28, 1) >> nn.Conv2D(8, kernel=3)  # expect-error: Conv2D, height, width, (4, 28, 28, 1)
grp = nn.Conv2D(8, kernel=3, groups=4)(tn.Input(28, 28, 3))  # expect-error: groups=4, divisible, (28, 28, 3)

# 10 -> 6 -> 2: a third 3x3 valid convolution has nothing left to slide over.
deep = tn.Input(10, 10, 1) >> nn.Conv2D(8, kernel=5) >> nn.Conv2D(8, kernel=5)
deeper = deep >> nn.Conv2D(8, kernel=3)  # expect-error: Conv2D(8, kernel=3), at least 3, (2, 2, 8)

chain = gray >> nn.Conv2D(16, kernel=3)  # 26 x 26 x 16
chain = chain >> nn.Conv2D(32, kernel=3, in_channels=8)  # expect-error: 8 input channels, (26, 26, 16)
