"""Image augmentation layers, mis-wired: a window larger than the image, an input that is no image."""

import typednn as tn
from typednn import nn

image = tn.Input(32, 32, 3)
c0 = image >> nn.RandomCrop(40, 24)  # expect-error: RandomCrop(height=40, width=24), at least 40 high, (32, 32, 3)
c1 = image >> nn.CenterCrop(24, 33)  # expect-error: CenterCrop(height=24, width=33), 33 wide, (32, 32, 3)
f0 = tn.Input(784) >> nn.RandomFlip()  # expect-error: RandomFlip, (height, width, channels), (784,)
m0 = image >> nn.RandomFlip("sideways")  # expect-error: RandomFlip, sideways
