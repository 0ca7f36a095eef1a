"""Converters of Keras's image augmentation layers: RandomFlip, RandomRotation, RandomCrop...

They draw only while training, and typednn draws from the trainer's seed and step, so
Keras's `seed` is not carried over (`Options` passes it over unread: it cannot change
an inference output). Keras writes a `factor` as its (lower, upper) pair; typednn's is
one float, the half-width of a symmetric range, so a pair is refused unless it is one.

At inference Keras's RandomFlip, RandomRotation, RandomBrightness and RandomContrast
are the identity, as typednn's are, and CenterCrop takes the same window. RandomCrop is
the exception, documented in docs/keras-import.md: typednn takes the center window,
while Keras 3.15 passes the image through uncropped (against its own output shape).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .._reading import excerpt
from ..layers import _augment
from ._layers import AnyLayer, Converted, _make
from ._options import Options


def _bounds(o: Options) -> tuple[float, float]:
    """Keras's `factor` as the (lower, upper) pair it saves (a lone number `f` as Keras reads it: (-f, f))."""
    value = o.take("factor")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (-abs(float(value)), abs(float(value)))
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(item, int | float) and not isinstance(item, bool) for item in value)
    ):
        return (float(value[0]), float(value[1]))
    raise o.fail(f"expects factor to be a number or a (lower, upper) pair, but it is {excerpt(value)}")


def _symmetric(o: Options, unit: str) -> float:
    """A (lower, upper) `factor` of the form (-f, f), as typednn's `f`; any other pair is refused."""
    lower, upper = _bounds(o)
    if lower != -upper:
        raise o.fail(
            f"sets factor=({lower:g}, {upper:g}), a range typednn has no twin for"
            f" (it draws {unit} from [-f, f]: factor=(-f, f))",
            hint="build the layer with one float factor=f in Keras, or write it as a custom typednn layer",
        )
    return upper


def _value_range(o: Options) -> tuple[float, float]:
    value = o.take("value_range")
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise o.fail(f"expects value_range to be a (low, high) pair, but it is {excerpt(value)}")
    # Keras sorts the pair; typednn's rule checks low < high and refuses what is not numbers.
    return (value[0], value[1])


def _flip_layer(o: Options) -> Converted:
    o.channels_last()
    # Keras's horizontal_and_vertical draws one flip for both axes, typednn one per axis:
    # a training-time difference only (both are the identity at inference).
    return Converted(_make(o, _augment.RandomFlip, o.take("mode")))


def _rotation_layer(o: Options) -> Converted:
    o.channels_last()
    layer = _make(
        o,
        _augment.RandomRotation,
        _symmetric(o, "the angle as a fraction of a full turn"),
        fill_mode=o.take("fill_mode"),
        interpolation=o.take("interpolation"),
        fill_value=o.take("fill_value"),
    )
    return Converted(layer)


def _window_layer(build: Callable[..., AnyLayer]) -> Callable[[Options], Converted]:
    def convert(o: Options) -> Converted:
        o.channels_last()
        return Converted(_make(o, build, o.take("height"), o.take("width")))

    return convert


def _brightness_layer(o: Options) -> Converted:
    o.channels_last()
    factor = _symmetric(o, "delta")
    return Converted(_make(o, _augment.RandomBrightness, factor, value_range=_value_range(o)))


def _contrast_layer(o: Options) -> Converted:
    o.channels_last()
    lower, upper = _bounds(o)
    # Keras saves RandomContrast(f) as (0, f) and draws from [1 - 0, 1 + f] (its docs say
    # [1 - f, 1 + f], typednn's draw); (f, f) is that documented range. Both map to f: the
    # draw matters only while training, and at inference both layers are the identity.
    if lower not in (0.0, upper):
        raise o.fail(
            f"sets factor=({lower:g}, {upper:g}), a range typednn has no twin for"
            " (it draws the contrast from [1 - f, 1 + f]: factor=f or (f, f))",
            hint="build the layer with one float factor=f in Keras, or write it as a custom typednn layer",
        )
    return Converted(_make(o, _augment.RandomContrast, upper, value_range=_value_range(o)))


AUGMENT: Final[dict[str, Callable[[Options], Converted]]] = {
    "RandomFlip": _flip_layer,
    "RandomRotation": _rotation_layer,
    "RandomCrop": _window_layer(_augment.RandomCrop),
    "CenterCrop": _window_layer(_augment.CenterCrop),
    "RandomBrightness": _brightness_layer,
    "RandomContrast": _contrast_layer,
}
"""Keras class name -> converter, merged into `_layers.LAYERS`."""
