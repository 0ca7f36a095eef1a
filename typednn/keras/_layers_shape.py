"""Converters of Keras's shape and merge layers: Flatten, Reshape, Permute, padding, cropping, Add...

None of them has parameters; they reshape, pad, crop or upsample their input, or join
several (Add, Concatenate; Multiply is `_layers_extra.py`'s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .._reading import excerpt
from ..layers import _crop, _merge, _permute, _reshape, _resize
from ._layers import Converted, _make
from ._options import Options


def _flatten_layer(o: Options) -> Converted:
    o.channels_last()
    return Converted(_make(o, _reshape.Flatten))


def _reshape_layer(o: Options) -> Converted:
    shape = o.take("target_shape")
    if not isinstance(shape, list | tuple) or not all(isinstance(size, int) for size in shape):
        raise o.fail(f"expects target_shape to be whole numbers, but it is {excerpt(shape)}")
    return Converted(_make(o, _reshape.Reshape, *shape))


def _permute_layer(o: Options) -> Converted:
    return Converted(_make(o, _permute.Permute, tuple(o.take("dims"))))


def _pairs(o: Options, key: str) -> tuple[tuple[int, int], tuple[int, int]]:
    value = o.take(key)
    if isinstance(value, int):
        return ((value, value), (value, value))
    flat = [item for pair in value for item in (pair if isinstance(pair, list | tuple) else (pair, pair))]
    if len(flat) != 4 or not all(isinstance(item, int) for item in flat):
        raise o.fail(f"expects {key} to be ((top, bottom), (left, right)), but it is {excerpt(value)}")
    return ((flat[0], flat[1]), (flat[2], flat[3]))


def _zero_padding_layer(o: Options) -> Converted:
    o.channels_last()
    return Converted(_make(o, _resize.ZeroPadding2D, _pairs(o, "padding")))


def _cropping_layer(o: Options) -> Converted:
    o.channels_last()
    return Converted(_make(o, _crop.Cropping2D, _pairs(o, "cropping")))


def _upsampling_layer(o: Options) -> Converted:
    o.channels_last()
    o.expect("interpolation", "nearest", hint="typednn imports nearest-neighbour upsampling")
    size = o.ints("size", 2)
    return Converted(_make(o, _resize.UpSampling2D, (size[0], size[1])))


def _add_layer(o: Options) -> Converted:
    return Converted(_make(o, _merge.Add))


def _concatenate_layer(o: Options) -> Converted:
    axis = o.take("axis")
    if not isinstance(axis, int) or axis == 0:
        raise o.fail(f"joins along axis {excerpt(axis)}, the batch axis or no axis", hint="join along a feature axis")
    # Keras counts the batch axis; typednn counts one example's axes.
    return Converted(_make(o, _merge.Concatenate, axis=axis if axis < 0 else axis - 1))


SHAPE: Final[dict[str, Callable[[Options], Converted]]] = {
    "Flatten": _flatten_layer,
    "Reshape": _reshape_layer,
    "Permute": _permute_layer,
    "ZeroPadding2D": _zero_padding_layer,
    "Cropping2D": _cropping_layer,
    "UpSampling2D": _upsampling_layer,
    "Add": _add_layer,
    "Concatenate": _concatenate_layer,
}
"""Keras class name -> converter, merged into `_layers.LAYERS`."""
