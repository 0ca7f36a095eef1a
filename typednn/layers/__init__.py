"""Typed layers: hyperparameters, the shared shape rule, and a lowering to JAX."""

from ._base import Layer as Layer
from ._base import Sequential as Sequential
from ._conv import Conv2D as Conv2D
from ._dense import Dense as Dense
from ._elementwise import Activation as Activation
from ._elementwise import Dropout as Dropout
from ._merge import Add as Add
from ._merge import Concatenate as Concatenate
from ._merge import concat as concat
from ._pool import AvgPool2D as AvgPool2D
from ._pool import MaxPool2D as MaxPool2D
from ._reshape import Flatten as Flatten
from ._reshape import Reshape as Reshape
from ._tensor import Input as Input
from ._tensor import Node as Node
from ._tensor import Tensor as Tensor

__all__ = [
    "Activation",
    "Add",
    "AvgPool2D",
    "Concatenate",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "Layer",
    "MaxPool2D",
    "Node",
    "Reshape",
    "Sequential",
    "Tensor",
    "concat",
]
