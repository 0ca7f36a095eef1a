"""Image augmentation layers: the random ones keep the image's shape, the crops give their window."""

from typing import Literal as L
from typing import assert_type

import typednn as tn
from typednn import nn

image = tn.Input(32, 32, 3)
augmented = (
    image
    >> nn.RandomFlip("horizontal")
    >> nn.RandomRotation(0.1, fill_mode="constant")
    >> nn.RandomBrightness(0.2)
    >> nn.RandomContrast(0.2, value_range=(0.0, 255.0))
)
assert_type(augmented, tn.Tensor[L[32], L[32], L[3]])
assert_type(augmented >> nn.RandomCrop(24, 24), tn.Tensor[L[24], L[24], L[3]])
assert_type(image >> nn.CenterCrop(28, 20), tn.Tensor[L[28], L[20], L[3]])
