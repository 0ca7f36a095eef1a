"""An `activation=` that no activation has is caught where the layer is written."""

from typednn import nn

dense = nn.Dense(10, activation="relu7")  # expect-error: Dense(10, activation='relu7'), activation must be, relu7
linear = nn.Dense(10, activation="linear")  # expect-error: Dense(10, activation='linear'), activation must be
conv = nn.Conv2D(8, kernel=3, activation="Relu")  # expect-error: Conv2D(8, kernel=3, activation='Relu'), Relu
conv1 = nn.Conv1D(8, kernel=3, activation="swish")  # expect-error: Conv1D, activation must be, swish
conv3 = nn.Conv3D(8, kernel=3, activation="selu")  # expect-error: Conv3D, selu
up = nn.Conv2DTranspose(8, kernel=3, activation="soft_max")  # expect-error: Conv2DTranspose, soft_max
depthwise = nn.DepthwiseConv2D(3, activation="hard_tanh")  # expect-error: DepthwiseConv2D, hard_tanh
