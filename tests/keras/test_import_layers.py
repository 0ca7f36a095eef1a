"""Each Keras layer with a typednn twin: imported, it computes what Keras computes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras  # type: ignore[import-untyped]  # Keras ships no types
import pytest

from tests.keras import TOLERANCE, data, difference, randomize

L = keras.layers

# Keras 3.15's Variable.__array__ takes no `copy` argument, which numpy 2 warns about
# when Keras saves a non-trainable variable; Keras's concern, not typednn's.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

CASES: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
    "dense": (lambda: L.Dense(5, activation="tanh"), (6,)),
    "dense_no_bias": (lambda: L.Dense(5, use_bias=False), (4, 6)),
    "conv1d": (lambda: L.Conv1D(4, 3, strides=2, padding="same", activation="relu"), (9, 3)),
    "conv1d_dilated": (lambda: L.Conv1D(4, 3, dilation_rate=2), (12, 3)),
    "conv2d": (lambda: L.Conv2D(4, (3, 2), strides=(2, 1), activation="sigmoid"), (7, 6, 3)),
    "conv2d_same_groups": (lambda: L.Conv2D(4, 3, padding="same", groups=2, use_bias=False), (6, 6, 4)),
    "conv2d_dilated": (lambda: L.Conv2D(3, 3, dilation_rate=2, activation="swish"), (9, 9, 2)),
    "conv3d": (lambda: L.Conv3D(3, 2, padding="same", activation="elu"), (4, 5, 4, 2)),
    "conv2d_transpose_valid": (lambda: L.Conv2DTranspose(3, 3, strides=2), (4, 4, 2)),
    "conv2d_transpose_same": (lambda: L.Conv2DTranspose(3, (2, 3), strides=2, padding="same"), (4, 5, 2)),
    "conv2d_transpose_small_kernel": (lambda: L.Conv2DTranspose(2, 2, strides=3, activation="softplus"), (3, 3, 2)),
    "depthwise": (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (6, 6, 3)),
    "depthwise_strided": (lambda: L.DepthwiseConv2D(3, strides=2, activation="relu"), (7, 7, 2)),
    "max_pool1d": (lambda: L.MaxPooling1D(2), (7, 3)),
    "max_pool2d_same": (lambda: L.MaxPooling2D(3, strides=2, padding="same"), (7, 7, 2)),
    "max_pool3d": (lambda: L.MaxPooling3D(2), (4, 4, 5, 2)),
    "avg_pool1d": (lambda: L.AveragePooling1D(3, strides=2), (9, 2)),
    "avg_pool2d": (lambda: L.AveragePooling2D(2), (6, 5, 2)),
    "avg_pool3d": (lambda: L.AveragePooling3D(2), (4, 4, 4, 2)),
    "global_avg1d": (L.GlobalAveragePooling1D, (5, 3)),
    "global_avg2d": (L.GlobalAveragePooling2D, (4, 5, 3)),
    "global_max1d": (L.GlobalMaxPooling1D, (5, 3)),
    "global_max2d": (L.GlobalMaxPooling2D, (4, 5, 3)),
    "batch_norm": (lambda: L.BatchNormalization(epsilon=0.01, momentum=0.9), (4, 4, 3)),
    "batch_norm_no_scale": (lambda: L.BatchNormalization(scale=False), (5,)),
    "layer_norm": (lambda: L.LayerNormalization(epsilon=1e-5), (4, 6)),
    "layer_norm_no_center": (lambda: L.LayerNormalization(center=False), (6,)),
    "dropout": (lambda: L.Dropout(0.4), (6,)),
    "activation_softmax": (lambda: L.Activation("softmax"), (6,)),
    "activation_silu": (lambda: L.Activation("silu"), (6,)),
    "relu": (L.ReLU, (6,)),
    "relu6": (lambda: L.ReLU(max_value=6.0), (6,)),
    "activation_relu6": (lambda: L.Activation("relu6"), (6,)),
    "activation_hard_swish": (lambda: L.Activation("hard_swish"), (6,)),
    "softmax": (L.Softmax, (3, 6)),
    "leaky_relu": (lambda: L.LeakyReLU(negative_slope=0.01), (6,)),
    "flatten": (L.Flatten, (3, 4, 2)),
    "reshape": (lambda: L.Reshape((4, -1)), (3, 4, 2)),
    "permute": (lambda: L.Permute((2, 1, 3)), (3, 4, 2)),
    "zero_padding": (lambda: L.ZeroPadding2D(((1, 2), (0, 1))), (3, 4, 2)),
    "cropping": (lambda: L.Cropping2D(((1, 0), (2, 1))), (5, 6, 2)),
    "upsampling": (lambda: L.UpSampling2D((2, 3)), (3, 2, 2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_layer_computes_what_keras_computes(case: str, tmp_path: Path) -> None:
    make, shape = CASES[case]
    x = keras.Input(shape)
    model = keras.Model(x, make()(x))
    randomize(model)
    assert difference(model, tmp_path, data(shape)) <= TOLERANCE


@pytest.mark.parametrize("merge", ["add", "concat_last", "concat_axis1"])
def test_merges_compute_what_keras_computes(merge: str, tmp_path: Path) -> None:
    a, b = keras.Input((3, 4)), keras.Input((3, 4))
    layer = {"add": L.Add(), "concat_last": L.Concatenate(), "concat_axis1": L.Concatenate(axis=1)}[merge]
    model = keras.Model([a, b], layer([a, b]))
    assert difference(model, tmp_path, data((3, 4), (3, 4))) <= TOLERANCE
