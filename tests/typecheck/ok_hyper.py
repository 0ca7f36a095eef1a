"""Every hyperparameter that bad_hyper.py gets wrong, given a valid value."""

from typing import Final, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

ONE: Final = 1

k = nn.Conv2D(8, kernel=1)
s = nn.Conv2D(8, kernel=3, stride=1)
d = nn.Conv2D(8, kernel=3, dilation=(1, 2))
same = nn.Conv2D(8, kernel=3, padding="same")
valid = nn.Conv2D(8, kernel=3, padding="valid")
groups = nn.Conv2D(8, kernel=3, groups=4)
pair = nn.Conv2D(8, kernel=(3, 5))
mp = nn.MaxPool2D(1)
ap = nn.AvgPool2D(2, stride=1)
dense = nn.Dense(1)
dense_in = nn.Dense(1, 5)
acts = [nn.Activation(name) for name in ("relu", "gelu", "tanh", "sigmoid", "softmax")]
more = [nn.Activation("silu"), nn.Activation("elu"), nn.Activation("leaky_relu")]
last = [nn.Activation("log_softmax"), nn.Activation("softplus")]
drops = [nn.Dropout(0), nn.Dropout(0.0), nn.Dropout(0.5), nn.Dropout(rate=0.99)]
r = nn.Reshape(1, 4)
r_free = nn.Reshape(-1, 4)

assert_type(tn.Input(ONE, 3), tn.Tensor[L[1], L[3]])
assert_type(tn.Input(28, 1), tn.Tensor[L[28], L[1]])
assert_type(groups(tn.Input(8, 8, 4)), tn.Tensor[L[6], L[6], L[8]])
assert_type(d(tn.Input(8, 8, 4)), tn.Tensor[L[6], L[4], L[8]])
assert_type(r_free(tn.Input(2, 2)), tn.Tensor[L[1], L[4]])
assert_type(tn.Input(6) >> nn.Dropout(0.25) >> nn.Activation("softplus"), tn.Tensor[L[6]])
