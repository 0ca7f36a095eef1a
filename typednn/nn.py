"""The layers, as `from typednn import nn` shows them.

Example:
    >>> import typednn as tn
    >>> from typednn import nn
    >>> y = tn.Input(28, 28, 1) >> nn.Conv2D(32, kernel=3) >> nn.relu >> nn.MaxPool2D(2)
    >>> y.shape
    (13, 13, 32)
"""

from typing import Final

from .layers import GRU as GRU
from .layers import LSTM as LSTM
from .layers import Activation as Activation
from .layers import Add as Add
from .layers import AvgPool1D as AvgPool1D
from .layers import AvgPool2D as AvgPool2D
from .layers import BatchNorm as BatchNorm
from .layers import Bidirectional as Bidirectional
from .layers import Block as Block
from .layers import Concatenate as Concatenate
from .layers import Conv1D as Conv1D
from .layers import Conv2D as Conv2D
from .layers import Conv2DTranspose as Conv2DTranspose
from .layers import Dense as Dense
from .layers import DepthwiseConv2D as DepthwiseConv2D
from .layers import Dropout as Dropout
from .layers import Embedding as Embedding
from .layers import Flatten as Flatten
from .layers import GlobalAvgPool1D as GlobalAvgPool1D
from .layers import GlobalAvgPool2D as GlobalAvgPool2D
from .layers import GlobalMaxPool2D as GlobalMaxPool2D
from .layers import GroupNorm as GroupNorm
from .layers import Layer as Layer
from .layers import LayerNorm as LayerNorm
from .layers import MaxPool1D as MaxPool1D
from .layers import MaxPool2D as MaxPool2D
from .layers import MultiHeadAttention as MultiHeadAttention
from .layers import PositionEmbedding as PositionEmbedding
from .layers import Reshape as Reshape
from .layers import RMSNorm as RMSNorm
from .layers import Sequential as Sequential
from .layers import SinusoidalPositionEmbedding as SinusoidalPositionEmbedding
from .layers import TransformerEncoderBlock as TransformerEncoderBlock
from .layers import UpSampling2D as UpSampling2D
from .layers import ZeroPadding2D as ZeroPadding2D
from .layers import concat as concat
from .layers import residual as residual

relu: Final = Activation("relu")
gelu: Final = Activation("gelu")
tanh: Final = Activation("tanh")
sigmoid: Final = Activation("sigmoid")
softmax: Final = Activation("softmax")

__all__ = [
    "Activation",
    "Add",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNorm",
    "Bidirectional",
    "Block",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "GroupNorm",
    "LSTM",
    "Layer",
    "LayerNorm",
    "MaxPool1D",
    "MaxPool2D",
    "MultiHeadAttention",
    "RMSNorm",
    "PositionEmbedding",
    "Reshape",
    "Sequential",
    "SinusoidalPositionEmbedding",
    "TransformerEncoderBlock",
    "UpSampling2D",
    "ZeroPadding2D",
    "concat",
    "gelu",
    "relu",
    "residual",
    "sigmoid",
    "softmax",
    "tanh",
]
