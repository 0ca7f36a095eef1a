"""The layers, as `from typednn import nn` shows them.

Example:
    >>> import typednn as tn
    >>> from typednn import nn
    >>> y = tn.Input(28, 28, 1) >> nn.Conv2D(32, kernel=3) >> nn.relu >> nn.MaxPool2D(2)
    >>> y.shape
    (13, 13, 32)
"""

from typing import Final

from .layers._attention import MultiHeadAttention as MultiHeadAttention
from .layers._augment import CenterCrop as CenterCrop
from .layers._augment import RandomBrightness as RandomBrightness
from .layers._augment import RandomContrast as RandomContrast
from .layers._augment import RandomCrop as RandomCrop
from .layers._augment import RandomFlip as RandomFlip
from .layers._augment import RandomRotation as RandomRotation
from .layers._base import Layer as Layer
from .layers._base import Sequential as Sequential
from .layers._batch_norm import BatchNorm as BatchNorm
from .layers._block import Block as Block
from .layers._conv import Conv1D as Conv1D
from .layers._conv import Conv2D as Conv2D
from .layers._conv import Conv3D as Conv3D
from .layers._conv import DepthwiseConv2D as DepthwiseConv2D
from .layers._conv_transpose import Conv2DTranspose as Conv2DTranspose
from .layers._crop import Cropping1D as Cropping1D
from .layers._crop import Cropping2D as Cropping2D
from .layers._dense import Dense as Dense
from .layers._elementwise import Activation as Activation
from .layers._elementwise import Dropout as Dropout
from .layers._embedding import Embedding as Embedding
from .layers._embedding import PositionEmbedding as PositionEmbedding
from .layers._embedding import SinusoidalPositionEmbedding as SinusoidalPositionEmbedding
from .layers._global_pool import GlobalAvgPool1D as GlobalAvgPool1D
from .layers._global_pool import GlobalAvgPool2D as GlobalAvgPool2D
from .layers._global_pool import GlobalMaxPool1D as GlobalMaxPool1D
from .layers._global_pool import GlobalMaxPool2D as GlobalMaxPool2D
from .layers._merge import Add as Add
from .layers._merge import Concatenate as Concatenate
from .layers._merge import Multiply as Multiply
from .layers._merge import concat as concat
from .layers._merge import residual as residual
from .layers._norm import GroupNorm as GroupNorm
from .layers._norm import LayerNorm as LayerNorm
from .layers._norm import RMSNorm as RMSNorm
from .layers._permute import Permute as Permute
from .layers._permute import RepeatVector as RepeatVector
from .layers._pool import AvgPool1D as AvgPool1D
from .layers._pool import AvgPool2D as AvgPool2D
from .layers._pool import AvgPool3D as AvgPool3D
from .layers._pool import MaxPool1D as MaxPool1D
from .layers._pool import MaxPool2D as MaxPool2D
from .layers._pool import MaxPool3D as MaxPool3D
from .layers._recurrent import GRU as GRU
from .layers._recurrent import LSTM as LSTM
from .layers._recurrent import Bidirectional as Bidirectional
from .layers._rescaling import Normalization as Normalization
from .layers._rescaling import Rescaling as Rescaling
from .layers._reshape import Flatten as Flatten
from .layers._reshape import Reshape as Reshape
from .layers._resize import Resizing as Resizing
from .layers._resize import UpSampling2D as UpSampling2D
from .layers._resize import ZeroPadding2D as ZeroPadding2D
from .layers._separable_conv import SeparableConv2D as SeparableConv2D
from .layers._time_distributed import TimeDistributed as TimeDistributed
from .layers._transformer import TransformerDecoderBlock as TransformerDecoderBlock
from .layers._transformer import TransformerEncoderBlock as TransformerEncoderBlock

relu: Final = Activation("relu")
gelu: Final = Activation("gelu")
tanh: Final = Activation("tanh")
sigmoid: Final = Activation("sigmoid")
softmax: Final = Activation("softmax")

# Every public name above (not the typing helper), so that a new layer is one import line here.
__all__ = [name for name in sorted(dir()) if not name.startswith("_") and name != "Final"]
