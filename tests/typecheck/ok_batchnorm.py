"""BatchNorm: the shape stays (NHWC, NLC, features), named dims stay, options of every kind."""

from typing import Any, assert_type
from typing import Literal as L

import optax

import typednn as tn
from typednn import nn


class Seq(tn.Dim): ...


image = tn.Input(28, 28, 1)
h = image >> nn.Conv2D(32, kernel=3) >> nn.BatchNorm() >> nn.relu
assert_type(h, tn.Tensor[L[26], L[26], L[32]])
assert_type(nn.BatchNorm(momentum=0.9, epsilon=1e-5)(tn.Input(Seq, 16)), tn.Tensor[Seq, L[16]])
assert_type(nn.BatchNorm(momentum=0, use_bias=False, use_scale=False)(tn.Input(784)), tn.Tensor[L[784]])
assert_type(nn.BatchNorm(momentum=1, epsilon=0)(tn.Input(2, 3, 4, 5)), tn.Tensor[L[2], L[3], L[4], L[5]])
block = nn.Dense(64) >> nn.BatchNorm() >> nn.relu >> nn.Dense(10)
assert_type(block(tn.Input(100)), tn.Tensor[L[10]])

y = h >> nn.MaxPool2D(2) >> nn.Flatten() >> nn.Dense(10)
model = tn.Model(image, y)
trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
total: int = model.count_params()


def runtime(features: int) -> Any:
    return nn.BatchNorm()(tn.Input(features))  # unknown sizes: no false positive
