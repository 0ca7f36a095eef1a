"""Typed layers: hyperparameters, the shared shape rule, and a lowering to JAX."""

from ._attention import MultiHeadAttention as MultiHeadAttention
from ._base import Layer as Layer
from ._base import P as P
from ._base import ParamTree as ParamTree
from ._base import Sequential as Sequential
from ._batch_norm import BatchNorm as BatchNorm
from ._block import Block as Block
from ._conv import Conv1D as Conv1D
from ._conv import Conv2D as Conv2D
from ._conv import DepthwiseConv2D as DepthwiseConv2D
from ._conv_transpose import Conv2DTranspose as Conv2DTranspose
from ._dense import Dense as Dense
from ._elementwise import Activation as Activation
from ._elementwise import Dropout as Dropout
from ._embedding import Embedding as Embedding
from ._embedding import PositionEmbedding as PositionEmbedding
from ._embedding import SinusoidalPositionEmbedding as SinusoidalPositionEmbedding
from ._global_pool import GlobalAvgPool1D as GlobalAvgPool1D
from ._global_pool import GlobalAvgPool2D as GlobalAvgPool2D
from ._global_pool import GlobalMaxPool2D as GlobalMaxPool2D
from ._lowering import concrete as concrete
from ._merge import Add as Add
from ._merge import Concatenate as Concatenate
from ._merge import concat as concat
from ._merge import residual as residual
from ._norm import GroupNorm as GroupNorm
from ._norm import LayerNorm as LayerNorm
from ._norm import RMSNorm as RMSNorm
from ._pool import AvgPool1D as AvgPool1D
from ._pool import AvgPool2D as AvgPool2D
from ._pool import MaxPool1D as MaxPool1D
from ._pool import MaxPool2D as MaxPool2D
from ._recurrent import GRU as GRU
from ._recurrent import LSTM as LSTM
from ._recurrent import Bidirectional as Bidirectional
from ._registry import register_layer as register_layer
from ._reshape import Flatten as Flatten
from ._reshape import Reshape as Reshape
from ._resize import UpSampling2D as UpSampling2D
from ._resize import ZeroPadding2D as ZeroPadding2D
from ._tensor import Input as Input
from ._tensor import Node as Node
from ._tensor import Tensor as Tensor
from ._tensor import Tokens as Tokens
from ._transformer import TransformerEncoderBlock as TransformerEncoderBlock

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
    "Input",
    "LSTM",
    "Layer",
    "LayerNorm",
    "MaxPool1D",
    "MaxPool2D",
    "MultiHeadAttention",
    "Node",
    "P",
    "ParamTree",
    "PositionEmbedding",
    "RMSNorm",
    "Reshape",
    "Sequential",
    "SinusoidalPositionEmbedding",
    "Tensor",
    "Tokens",
    "TransformerEncoderBlock",
    "UpSampling2D",
    "ZeroPadding2D",
    "concat",
    "concrete",
    "register_layer",
    "residual",
]
