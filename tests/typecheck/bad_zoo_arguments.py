"""The zoo's literal arguments in the types: a mis-wired use is an error on its line."""

from typing import Literal as L

import typednn as tn
from typednn import nn, zoo
from typednn.layers import Tensor

cifar100 = zoo.resnet18(classes=100)
head = cifar100.outputs >> nn.Dense(10, 2)  # expect-error: Dense(10 -> 2), (100,)

ten: tn.Model[Tensor[L[32], L[32], L[3]], Tensor[L[10]]] = zoo.resnet18(classes=100)  # expect-error: incompatible types

pooled = zoo.resnet50(include_top=False, pooling="avg")
wrong = pooled.outputs >> nn.Dense(512, 10)  # expect-error: Dense(512 -> 10), (2048,)

small = zoo.lenet5(input_shape=(28, 28, 1))
images: tn.Model[Tensor[L[32], L[32], L[1]], Tensor[L[10]]] = small  # expect-error: incompatible types
