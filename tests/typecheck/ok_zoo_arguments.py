"""The zoo's arguments in the types: literal classes, input shapes and tops."""

from typing import Any
from typing import Literal as L

import typednn as tn
from typednn import nn, zoo
from typednn.layers import Tensor

cifar100: tn.Model[Tensor[L[32], L[32], L[3]], Tensor[L[100]]] = zoo.resnet18(classes=100)
default: tn.Model[Tensor[L[32], L[32], L[3]], Tensor[L[10]]] = zoo.resnet18()
big: tn.Model[Tensor[L[64], L[64], L[3]], Tensor[L[10]]] = zoo.resnet18(input_shape=(64, 64, 3))
pooled: tn.Model[Tensor[L[224], L[224], L[3]], Tensor[L[2048]]] = zoo.resnet50(include_top=False, pooling="avg")
wide: tn.Model[Tensor[L[160], L[160], L[3]], Tensor[L[1792]]] = zoo.mobilenet_v2(
    input_shape=(160, 160, 3), alpha=1.4, include_top=False, pooling="max"
)
mnist: tn.Model[Tensor[L[784]], Tensor[L[26]]] = zoo.mlp(classes=26)
lenet: tn.Model[Tensor[L[32], L[32], L[1]], Tensor[L[10]]] = zoo.lenet5()

# A new head on the pooled features: Dense(2048 -> 5) fits.
backbone = zoo.resnet50(include_top=False, pooling="avg")
logits = backbone.outputs >> nn.Dense(2048, 5)
head = tn.Model(backbone.inputs, logits)

# The feature map's height and width are unknown to mypy (Any): no false error.
features = zoo.resnet18(include_top=False)
flat = features.outputs >> nn.GlobalAvgPool2D() >> nn.Dense(512, 10)


def classes_at_run_time(n: int) -> tn.Model[Any, Any]:
    model = zoo.resnet18(classes=n)  # not a literal: the output size is unknown, never wrong
    model.outputs >> nn.Dense(100, 2)
    return model
