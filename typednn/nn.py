"""The layers, as `from typednn import nn` shows them.

Example:
    >>> import typednn as tn
    >>> from typednn import nn
    >>> y = tn.Input(28, 28, 1) >> nn.Conv2D(32, kernel=3) >> nn.relu >> nn.MaxPool2D(2)
    >>> y.shape
    (13, 13, 32)
"""

from typing import Final

from .layers import Activation as Activation
from .layers import Add as Add
from .layers import AvgPool2D as AvgPool2D
from .layers import Concatenate as Concatenate
from .layers import Conv2D as Conv2D
from .layers import Dense as Dense
from .layers import Dropout as Dropout
from .layers import Flatten as Flatten
from .layers import Layer as Layer
from .layers import MaxPool2D as MaxPool2D
from .layers import Reshape as Reshape
from .layers import Sequential as Sequential
from .layers import concat as concat

relu: Final = Activation("relu")
gelu: Final = Activation("gelu")
tanh: Final = Activation("tanh")
sigmoid: Final = Activation("sigmoid")
softmax: Final = Activation("softmax")

__all__ = [
    "Activation",
    "Add",
    "AvgPool2D",
    "Concatenate",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPool2D",
    "Reshape",
    "Sequential",
    "concat",
    "gelu",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]
