"""The U-Net of Keras's image segmentation example, written as there: blocks stacked in loops, residual adds."""

import typednn as tn
from typednn import nn

inputs = tn.Input(160, 160, 3)
x = nn.Conv2D(32, kernel=3, stride=2, padding="same")(inputs)
x = nn.BatchNorm()(x)
x = nn.relu(x)
previous_block_activation = x
for filters in (64, 128, 256):
    x = nn.relu(x)
    x = nn.Conv2D(filters, kernel=3, padding="same")(x)
    x = nn.BatchNorm()(x)
    x = nn.relu(x)
    x = nn.Conv2D(filters, kernel=3, padding="same")(x)
    x = nn.BatchNorm()(x)
    x = nn.MaxPool2D(3, stride=2, padding="same")(x)
    residual = nn.Conv2D(filters, kernel=1, stride=2, padding="same")(previous_block_activation)
    x = x + residual
    previous_block_activation = x
for filters in (256, 128, 64, 32):
    x = nn.relu(x)
    x = nn.Conv2DTranspose(filters, kernel=3, padding="same")(x)
    x = nn.BatchNorm()(x)
    x = nn.relu(x)
    x = nn.Conv2DTranspose(filters, kernel=3, padding="same")(x)
    x = nn.BatchNorm()(x)
    x = nn.UpSampling2D(2)(x)
    residual = nn.UpSampling2D(2)(previous_block_activation)
    residual = nn.Conv2D(filters, kernel=1, padding="same")(residual)
    x = x + residual
    previous_block_activation = x
outputs = nn.Conv2D(3, kernel=3, padding="same")(x) >> nn.softmax
model = tn.Model(inputs, outputs)
