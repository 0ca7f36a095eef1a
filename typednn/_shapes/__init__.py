"""Shape rules: one pure function per layer family, shared by mypy, validation and tests.

Nothing here imports JAX: the mypy plugin loads this package on every check.
"""

from ._arithmetic import Div as Div
from ._arithmetic import Minus as Minus
from ._arithmetic import Plus as Plus
from ._arithmetic import Times as Times
from ._attention import MultiHeadAttentionParams as MultiHeadAttentionParams
from ._compose import compose as compose
from ._conv import Conv1DParams as Conv1DParams
from ._conv import Conv2DParams as Conv2DParams
from ._conv import ConvParams as ConvParams
from ._conv import DepthwiseConv2DParams as DepthwiseConv2DParams
from ._conv_transpose import Conv2DTransposeParams as Conv2DTransposeParams
from ._data import check_fit as check_fit
from ._dense import DenseParams as DenseParams
from ._dims import UNKNOWN as UNKNOWN
from ._dims import Affine as Affine
from ._dims import Dim as Dim
from ._dims import Shape as Shape
from ._dims import Size as Size
from ._dims import Symbol as Symbol
from ._dims import Unknown as Unknown
from ._elementwise import ACTIVATIONS as ACTIVATIONS
from ._elementwise import ActivationParams as ActivationParams
from ._elementwise import DropoutParams as DropoutParams
from ._embedding import EmbeddingParams as EmbeddingParams
from ._embedding import PositionEmbeddingParams as PositionEmbeddingParams
from ._embedding import SinusoidalPositionEmbeddingParams as SinusoidalPositionEmbeddingParams
from ._errors import HyperparameterError as HyperparameterError
from ._errors import ShapeError as ShapeError
from ._global_pool import GlobalAvgPool1DParams as GlobalAvgPool1DParams
from ._global_pool import GlobalAvgPool2DParams as GlobalAvgPool2DParams
from ._global_pool import GlobalMaxPool2DParams as GlobalMaxPool2DParams
from ._global_pool import GlobalPool2DParams as GlobalPool2DParams
from ._input import FEATURES as FEATURES
from ._input import TOKENS as TOKENS
from ._input import Dtype as Dtype
from ._input import input_shape as input_shape
from ._merge import AddParams as AddParams
from ._merge import ConcatenateParams as ConcatenateParams
from ._norm import BatchNormParams as BatchNormParams
from ._norm import GroupNormParams as GroupNormParams
from ._norm import LayerNormParams as LayerNormParams
from ._norm import NormParams as NormParams
from ._norm import RMSNormParams as RMSNormParams
from ._params import Params as Params
from ._pool import AvgPool1DParams as AvgPool1DParams
from ._pool import AvgPool2DParams as AvgPool2DParams
from ._pool import MaxPool1DParams as MaxPool1DParams
from ._pool import MaxPool2DParams as MaxPool2DParams
from ._pool import Pool1DParams as Pool1DParams
from ._pool import Pool2DParams as Pool2DParams
from ._pool import PoolParams as PoolParams
from ._recurrent import MERGES as MERGES
from ._recurrent import BidirectionalParams as BidirectionalParams
from ._recurrent import GRUParams as GRUParams
from ._recurrent import LSTMParams as LSTMParams
from ._recurrent import RecurrentParams as RecurrentParams
from ._reshape import FlattenParams as FlattenParams
from ._reshape import ReshapeParams as ReshapeParams
from ._resize import UpSampling2DParams as UpSampling2DParams
from ._resize import ZeroPadding2DParams as ZeroPadding2DParams
from ._reuse import check_reuse as check_reuse
from ._transformer import TransformerEncoderBlockParams as TransformerEncoderBlockParams

__all__ = [
    "ACTIVATIONS",
    "MERGES",
    "UNKNOWN",
    "ActivationParams",
    "Affine",
    "AddParams",
    "AvgPool1DParams",
    "AvgPool2DParams",
    "BatchNormParams",
    "BidirectionalParams",
    "ConcatenateParams",
    "Conv1DParams",
    "Conv2DParams",
    "Conv2DTransposeParams",
    "ConvParams",
    "DenseParams",
    "DepthwiseConv2DParams",
    "Div",
    "Dim",
    "DropoutParams",
    "EmbeddingParams",
    "FlattenParams",
    "GRUParams",
    "GlobalAvgPool1DParams",
    "GlobalAvgPool2DParams",
    "GlobalMaxPool2DParams",
    "GlobalPool2DParams",
    "GroupNormParams",
    "HyperparameterError",
    "LSTMParams",
    "LayerNormParams",
    "MaxPool1DParams",
    "MaxPool2DParams",
    "Minus",
    "MultiHeadAttentionParams",
    "NormParams",
    "Params",
    "Plus",
    "Pool1DParams",
    "PositionEmbeddingParams",
    "Pool2DParams",
    "PoolParams",
    "RMSNormParams",
    "RecurrentParams",
    "ReshapeParams",
    "Shape",
    "ShapeError",
    "SinusoidalPositionEmbeddingParams",
    "Size",
    "Symbol",
    "Times",
    "Unknown",
    "TransformerEncoderBlockParams",
    "UpSampling2DParams",
    "ZeroPadding2DParams",
    "check_fit",
    "check_reuse",
    "compose",
    "input_shape",
    "Dtype",
    "FEATURES",
    "TOKENS",
]
