"""Shape rules: one pure function per layer family, shared by mypy, validation and tests.

Nothing here imports JAX: the mypy plugin loads this package on every check.
"""

from ._arithmetic import Div as Div
from ._arithmetic import Minus as Minus
from ._arithmetic import Plus as Plus
from ._arithmetic import Times as Times
from ._attention import MultiHeadAttentionHyper as MultiHeadAttentionHyper
from ._compose import compose as compose
from ._conv import Conv1DHyper as Conv1DHyper
from ._conv import Conv2DHyper as Conv2DHyper
from ._conv import Conv3DHyper as Conv3DHyper
from ._conv import ConvHyper as ConvHyper
from ._conv import DepthwiseConv2DHyper as DepthwiseConv2DHyper
from ._conv import SeparableConv2DHyper as SeparableConv2DHyper
from ._conv_transpose import Conv2DTransposeHyper as Conv2DTransposeHyper
from ._crop import Cropping1DHyper as Cropping1DHyper
from ._crop import Cropping2DHyper as Cropping2DHyper
from ._data import check_fit as check_fit
from ._dense import DenseHyper as DenseHyper
from ._dims import UNKNOWN as UNKNOWN
from ._dims import Affine as Affine
from ._dims import Dim as Dim
from ._dims import Shape as Shape
from ._dims import Size as Size
from ._dims import Symbol as Symbol
from ._dims import Unknown as Unknown
from ._elementwise import ACTIVATIONS as ACTIVATIONS
from ._elementwise import ActivationHyper as ActivationHyper
from ._elementwise import DropoutHyper as DropoutHyper
from ._embedding import EmbeddingHyper as EmbeddingHyper
from ._embedding import PositionEmbeddingHyper as PositionEmbeddingHyper
from ._embedding import SinusoidalPositionEmbeddingHyper as SinusoidalPositionEmbeddingHyper
from ._errors import HyperparameterError as HyperparameterError
from ._errors import ShapeError as ShapeError
from ._global_pool import GlobalAvgPool1DHyper as GlobalAvgPool1DHyper
from ._global_pool import GlobalAvgPool2DHyper as GlobalAvgPool2DHyper
from ._global_pool import GlobalMaxPool1DHyper as GlobalMaxPool1DHyper
from ._global_pool import GlobalMaxPool2DHyper as GlobalMaxPool2DHyper
from ._global_pool import GlobalPool1DHyper as GlobalPool1DHyper
from ._global_pool import GlobalPool2DHyper as GlobalPool2DHyper
from ._hyper import Hyper as Hyper
from ._hyper import holds_any_layer as holds_any_layer
from ._input import FEATURES as FEATURES
from ._input import TOKENS as TOKENS
from ._input import Dtype as Dtype
from ._input import input_shape as input_shape
from ._merge import AddHyper as AddHyper
from ._merge import ConcatenateHyper as ConcatenateHyper
from ._merge import MultiplyHyper as MultiplyHyper
from ._norm import BatchNormHyper as BatchNormHyper
from ._norm import GroupNormHyper as GroupNormHyper
from ._norm import LayerNormHyper as LayerNormHyper
from ._norm import NormHyper as NormHyper
from ._norm import RMSNormHyper as RMSNormHyper
from ._permute import PermuteHyper as PermuteHyper
from ._permute import RepeatVectorHyper as RepeatVectorHyper
from ._pool import AvgPool1DHyper as AvgPool1DHyper
from ._pool import AvgPool2DHyper as AvgPool2DHyper
from ._pool import AvgPool3DHyper as AvgPool3DHyper
from ._pool import MaxPool1DHyper as MaxPool1DHyper
from ._pool import MaxPool2DHyper as MaxPool2DHyper
from ._pool import MaxPool3DHyper as MaxPool3DHyper
from ._pool import Pool1DHyper as Pool1DHyper
from ._pool import Pool2DHyper as Pool2DHyper
from ._pool import Pool3DHyper as Pool3DHyper
from ._pool import PoolHyper as PoolHyper
from ._recurrent import MERGES as MERGES
from ._recurrent import BidirectionalHyper as BidirectionalHyper
from ._recurrent import GRUHyper as GRUHyper
from ._recurrent import LSTMHyper as LSTMHyper
from ._recurrent import OutputPartHyper as OutputPartHyper
from ._recurrent import RecurrentHyper as RecurrentHyper
from ._rescaling import NormalizationHyper as NormalizationHyper
from ._rescaling import RescalingHyper as RescalingHyper
from ._reshape import FlattenHyper as FlattenHyper
from ._reshape import ReshapeHyper as ReshapeHyper
from ._resize import INTERPOLATIONS as INTERPOLATIONS
from ._resize import Interpolation as Interpolation
from ._resize import ResizingHyper as ResizingHyper
from ._resize import UpSampling2DHyper as UpSampling2DHyper
from ._resize import ZeroPadding2DHyper as ZeroPadding2DHyper
from ._reuse import check_reuse as check_reuse
from ._time_distributed import TimeDistributedHyper as TimeDistributedHyper
from ._transformer import TransformerDecoderBlockHyper as TransformerDecoderBlockHyper
from ._transformer import TransformerEncoderBlockHyper as TransformerEncoderBlockHyper

__all__ = [
    "ACTIVATIONS",
    "INTERPOLATIONS",
    "MERGES",
    "UNKNOWN",
    "ActivationHyper",
    "Affine",
    "AddHyper",
    "AvgPool1DHyper",
    "AvgPool2DHyper",
    "AvgPool3DHyper",
    "BatchNormHyper",
    "BidirectionalHyper",
    "ConcatenateHyper",
    "Conv1DHyper",
    "Conv2DHyper",
    "Conv2DTransposeHyper",
    "Conv3DHyper",
    "ConvHyper",
    "Cropping1DHyper",
    "Cropping2DHyper",
    "DenseHyper",
    "DepthwiseConv2DHyper",
    "Div",
    "Dim",
    "DropoutHyper",
    "EmbeddingHyper",
    "FlattenHyper",
    "GRUHyper",
    "GlobalAvgPool1DHyper",
    "GlobalAvgPool2DHyper",
    "GlobalMaxPool1DHyper",
    "GlobalMaxPool2DHyper",
    "GlobalPool1DHyper",
    "GlobalPool2DHyper",
    "GroupNormHyper",
    "HyperparameterError",
    "Interpolation",
    "LSTMHyper",
    "LayerNormHyper",
    "MaxPool1DHyper",
    "MaxPool2DHyper",
    "MaxPool3DHyper",
    "Minus",
    "MultiHeadAttentionHyper",
    "MultiplyHyper",
    "NormHyper",
    "NormalizationHyper",
    "PermuteHyper",
    "Hyper",
    "holds_any_layer",
    "Plus",
    "Pool1DHyper",
    "PositionEmbeddingHyper",
    "Pool2DHyper",
    "Pool3DHyper",
    "PoolHyper",
    "RMSNormHyper",
    "OutputPartHyper",
    "RecurrentHyper",
    "RepeatVectorHyper",
    "RescalingHyper",
    "ReshapeHyper",
    "ResizingHyper",
    "Shape",
    "SeparableConv2DHyper",
    "ShapeError",
    "SinusoidalPositionEmbeddingHyper",
    "Size",
    "Symbol",
    "Times",
    "TimeDistributedHyper",
    "Unknown",
    "TransformerDecoderBlockHyper",
    "TransformerEncoderBlockHyper",
    "UpSampling2DHyper",
    "ZeroPadding2DHyper",
    "check_fit",
    "check_reuse",
    "compose",
    "input_shape",
    "Dtype",
    "FEATURES",
    "TOKENS",
]
