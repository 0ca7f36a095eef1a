"""Converters of SeparableConv2D, Multiply and the preprocessing layers Rescaling and Normalization.

A Normalization fitted with `adapt()` keeps its statistics as variables: its converter
returns `NeedsWeights`, and the graph builder reads them before the twin is built.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from .._reading import excerpt
from ..layers import _merge, _rescaling, _separable_conv
from ._layers import Arrays, Converted, Converter, NeedsWeights, _bias, _make, _padding, _tidy, activation
from ._options import Options


def _separable_layer(o: Options) -> Converted:
    o.channels_last()
    layer = _make(
        o,
        _separable_conv.SeparableConv2D,
        o.take("filters"),
        kernel=_tidy(o.ints("kernel_size", 2)),
        stride=_tidy(o.ints("strides", 2)),
        padding=_padding(o),
        dilation=_tidy(o.ints("dilation_rate", 2)),
        depth_multiplier=o.take("depth_multiplier"),
        use_bias=o.take("use_bias"),
        activation=activation(o),
    )
    names = ("depthwise_kernel", "pointwise_kernel", *_bias(o)[1:])

    def convert(arrays: Arrays) -> Arrays:
        # Keras's depthwise kernel is (h, w, channels, multiplier); typednn's, as its
        # DepthwiseConv2D's, (h, w, 1, channels * multiplier), output i * m + j from
        # channel i: a reshape. The pointwise kernel (1, 1, channels * m, filters) is Keras's.
        kernel = arrays["depthwise_kernel"]
        return arrays | {"depthwise_kernel": kernel.reshape((*kernel.shape[:2], 1, kernel.shape[2] * kernel.shape[3]))}

    return Converted(layer, names, convert)


def _multiply_layer(o: Options) -> Converted:
    return Converted(_make(o, _merge.Multiply))


def _per_channel(o: Options, key: str, value: object) -> float | tuple[float, ...]:
    """A Keras number or list of numbers as typednn's `PerChannel` (one float, or one per channel)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list | tuple) and all(isinstance(item, int | float) for item in value):
        return float(value[0]) if len(value) == 1 else tuple(float(item) for item in value)
    raise o.fail(f"sets {key}={excerpt(value)}; typednn takes one number or one per channel")


def _rescaling_layer(o: Options) -> Converted:
    scale = _per_channel(o, "scale", o.take("scale"))
    offset = _per_channel(o, "offset", o.take("offset"))
    return Converted(_make(o, _rescaling.Rescaling, scale, offset=offset))


def _normalization_layer(o: Options) -> Converted | NeedsWeights:
    o.expect("axis", -1, [-1], hint="typednn's Normalization keeps one statistic per entry of the last axis")
    mean, variance, invert = o.take("mean"), o.take("variance"), bool(o.take("invert"))

    def build(mean: float | tuple[float, ...], variance: float | tuple[float, ...]) -> Converted:
        return Converted(_make(o, _rescaling.Normalization, mean=mean, variance=variance, invert=invert))

    if mean is not None and variance is not None:
        return build(_per_channel(o, "mean", mean), _per_channel(o, "variance", variance))
    if mean is not None or variance is not None:
        given = "mean" if mean is not None else "variance"
        raise o.fail(f"gives {given} alone", hint="give Normalization both mean= and variance=, or adapt() it")
    # Fitted with adapt(): the statistics are the layer's variables (mean, variance and a
    # sample count, which the statistics already hold), read before the twin is built.
    return NeedsWeights(
        ("mean", "variance", "count"),
        lambda arrays: build(_statistic(o, "mean", arrays["mean"]), _statistic(o, "variance", arrays["variance"])),
    )


def _statistic(o: Options, name: str, array: np.ndarray[Any, Any]) -> float | tuple[float, ...]:
    """An adapted Normalization's mean or variance variable, one per channel of the last axis."""
    if array.ndim > 1:
        raise o.fail(
            f"has an adapted {name} of shape {array.shape}, but typednn keeps one per channel of the last axis",
            hint="the config and the weights file disagree; save the model again with Keras",
        )
    return _per_channel(o, name, array.tolist())


EXTRA: Final[dict[str, Converter]] = {
    "SeparableConv2D": _separable_layer,
    "Multiply": _multiply_layer,
    "Rescaling": _rescaling_layer,
    "Normalization": _normalization_layer,
}
"""Keras class name -> converter, merged into `_layers.LAYERS`."""
