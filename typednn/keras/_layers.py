"""The table of Keras layer classes with a typednn twin: one converter per class.

A converter reads a layer's config through `Options` (each option mapped to the twin's
hyperparameter or refused by name) and returns the twin with the names of the Keras
variables in the order Keras saves them and a function turning them into the twin's
parameters. Adding a class is one function and one line in a table: `_BASE` below,
or the tables of `_layers_shape.py` (reshaping, padding, cropping, upsampling, Add,
Concatenate), `_layers_sequence.py` (embeddings, recurrent layers, attention) and
`_layers_extra.py` (SeparableConv2D, Multiply, the preprocessing layers) and
`_layers_augment.py` (the image augmentation layers), merged into `LAYERS`, the one
table the graph looks classes up in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from .._errors import TypednnError
from .._reading import excerpt
from .._shapes._elementwise import ACTIVATIONS
from ..layers import (
    Layer,
    _batch_norm,
    _conv,
    _conv_transpose,
    _dense,
    _elementwise,
    _global_pool,
    _norm,
    _pool,
)
from ._options import Options

Arrays = dict[str, np.ndarray[Any, Any]]
AnyLayer = Layer[*tuple[Any, ...]]


def _same_names(arrays: Arrays) -> Arrays:
    return arrays


def _call(layer: AnyLayer, tensors: list[Any]) -> Any:
    return layer(*tensors)


@dataclass(frozen=True)
class Converted:
    """A Keras layer's twin.

    Attributes:
        layer: The typednn layer, named as the Keras one.
        variables: The Keras variables' names, in the order Keras saves them (`vars/0`...).
        convert: The twin's parameters from the Keras variables by name.
        call: The twin applied to the tensors of one Keras call (by default
            `layer(*tensors)`); a converter whose Keras call passes its inputs otherwise
            (MultiHeadAttention's query, value) or that must check them says so here.
    """

    layer: AnyLayer
    variables: tuple[str, ...] = ()
    convert: Callable[[Arrays], Arrays] = field(default=_same_names)
    call: Callable[[AnyLayer, list[Any]], Any] = field(default=_call)


@dataclass(frozen=True)
class NeedsWeights:
    """What a converter returns when its twin's hyperparameters lie in the weights file.

    An adapted Keras `Normalization` keeps its mean and variance as variables, while
    typednn's twin holds them as hyperparameters: the graph builder reads `variables`
    (named as `Converted.variables` are) before the twin is built, and `build` makes it.

    Attributes:
        variables: The Keras variables' names, in the order Keras saves them.
        build: The converted layer, from those variables by name.
    """

    variables: tuple[str, ...]
    build: Callable[[Arrays], Converted]


Converter = Callable[[Options], "Converted | NeedsWeights"]
"""A Keras class's converter: its config's options to the twin (or to what the twin needs read first)."""


# Keras's activation names -> typednn's (`nn.Activation`). Keras's "gelu" is the exact
# (erf) GELU; typednn's (jax.nn.gelu's default) is the tanh approximation, up to 1e-3
# apart, so it is refused rather than approximated.
_ACTIVATIONS: Final = {
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "elu": "elu",
    "softplus": "softplus",
    "swish": "silu",
    "silu": "silu",
    "log_softmax": "log_softmax",
    "relu6": "relu6",
    "hard_swish": "hard_swish",
    "hard_silu": "hard_swish",
    "hard_sigmoid": "hard_sigmoid",
}
_REFUSED_ACTIVATIONS: Final = {
    "gelu": "Keras's gelu is the exact (erf) GELU and typednn's the tanh approximation, up to 1e-3 apart",
    "leaky_relu": "Keras's leaky_relu has slope 0.2 and typednn's 0.01",
}


def activation(options: Options, key: str = "activation") -> str | None:
    """A Keras activation option as typednn's name (None for "linear")."""
    value = options.take(key)
    if value in (None, "linear"):
        return None
    if not isinstance(value, str):
        raise options.fail(
            f"sets {key} to {excerpt(value)}, a custom function, which is Python code and never loaded",
            hint="use a built-in Keras activation, or write the layer as a custom typednn layer",
        )
    if value in _REFUSED_ACTIVATIONS:
        raise options.fail(
            f"sets {key}={value!r}, which typednn has no exact twin for: {_REFUSED_ACTIVATIONS[value]}",
            hint="write it as a custom typednn layer",
        )
    name = _ACTIVATIONS.get(value)
    if name is None or name not in ACTIVATIONS:
        known = sorted(key for key, twin in _ACTIVATIONS.items() if twin in ACTIVATIONS)
        raise options.fail(
            f"sets {key}={excerpt(value)}, which typednn has no twin for yet",
            hint=f"typednn imports the activations {', '.join(known)} and linear",
        )
    return name


def _make(options: Options, build: Callable[..., AnyLayer], *args: Any, **kwargs: Any) -> AnyLayer:
    """The twin, its hyperparameters checked by typednn's own rules."""
    try:
        return build(*args, **kwargs, name=options.name)
    except TypednnError as error:
        raise options.fail(f"cannot be built in typednn: {error.message}", hint=error.hint) from None


def _tidy(values: tuple[int, ...]) -> int | tuple[int, ...]:
    """`(3, 3)` as `3`, as one would write it by hand (the twin's repr and generated code read so)."""
    return values[0] if len(set(values)) == 1 else values


def _bias(options: Options) -> tuple[str, ...]:
    return ("kernel", "bias") if options.take("use_bias") else ("kernel",)


def _padding(options: Options) -> str:
    return str(options.expect("padding", "valid", "same"))


def _dense_layer(o: Options) -> Converted:
    o.expect("quantization_config", None)
    o.expect("lora_rank", None)
    layer = _make(o, _dense.Dense, o.take("units"), use_bias=o.take("use_bias"), activation=activation(o))
    return Converted(layer, _bias(o))


def _conv_layer(rank: int) -> Callable[[Options], Converted]:
    build = {1: _conv.Conv1D, 2: _conv.Conv2D, 3: _conv.Conv3D}[rank]

    def convert(o: Options) -> Converted:
        o.channels_last()
        kernel, strides, dilation = (o.ints(key, rank) for key in ("kernel_size", "strides", "dilation_rate"))
        layer = _make(
            o,
            build,
            o.take("filters"),
            kernel=_tidy(kernel),
            stride=_tidy(strides),
            padding=_padding(o),
            dilation=_tidy(dilation),
            groups=o.take("groups", 1),
            use_bias=o.take("use_bias"),
            activation=activation(o),
        )
        # Keras's kernel is (*window, in / groups, filters), as flax.nnx.Conv's.
        return Converted(layer, _bias(o))

    return convert


def _conv_transpose_layer(o: Options) -> Converted:
    o.channels_last()
    o.expect("output_padding", None)
    layer = _make(
        o,
        _conv_transpose.Conv2DTranspose,
        o.take("filters"),
        kernel=_tidy(o.ints("kernel_size", 2)),
        stride=_tidy(o.ints("strides", 2)),
        padding=_padding(o),
        dilation=_tidy(o.ints("dilation_rate", 2)),
        use_bias=o.take("use_bias"),
        activation=activation(o),
    )

    def convert(arrays: Arrays) -> Arrays:
        # Keras computes lax.conv_transpose(transpose_kernel=True) on a (h, w, out, in)
        # kernel; typednn, as flax, transpose_kernel=False on (h, w, in, out): the same
        # numbers once the window is flipped and the channel axes swapped.
        return arrays | {"kernel": np.flip(arrays["kernel"], (0, 1)).swapaxes(2, 3)}

    return Converted(layer, _bias(o), convert)


def _depthwise_layer(o: Options) -> Converted:
    o.channels_last()
    layer = _make(
        o,
        _conv.DepthwiseConv2D,
        _tidy(o.ints("kernel_size", 2)),
        depth_multiplier=o.take("depth_multiplier"),
        stride=_tidy(o.ints("strides", 2)),
        padding=_padding(o),
        dilation=_tidy(o.ints("dilation_rate", 2)),
        use_bias=o.take("use_bias"),
        activation=activation(o),
    )

    def convert(arrays: Arrays) -> Arrays:
        # Keras: (h, w, channels, multiplier); typednn, as flax.nnx.Conv with one
        # group per channel: (h, w, 1, channels * multiplier), output i * m + j from channel i.
        kernel = arrays["kernel"]
        return arrays | {"kernel": kernel.reshape((*kernel.shape[:2], 1, kernel.shape[2] * kernel.shape[3]))}

    return Converted(layer, _bias(o), convert)


def _pool_layer(build: Callable[..., AnyLayer], rank: int, *, average: bool) -> Callable[[Options], Converted]:
    def convert(o: Options) -> Converted:
        o.channels_last()
        if average:
            # Keras divides a "same" window that overhangs the edge by the values inside;
            # typednn (as flax) by the whole window, counting the padding as zeros.
            padding = o.expect(
                "padding",
                "valid",
                hint="typednn's average pooling with padding='same' counts"
                " the padding as zeros, Keras's does not; use padding='valid'",
            )
        else:
            padding = _padding(o)
        window, strides = o.ints("pool_size", rank), o.ints("strides", rank)
        return Converted(_make(o, build, _tidy(window), stride=_tidy(strides), padding=padding))

    return convert


def _global_pool_layer(build: Callable[..., AnyLayer]) -> Callable[[Options], Converted]:
    def convert(o: Options) -> Converted:
        o.channels_last()
        o.expect("keepdims", False, hint="add a Reshape after the pooling instead")
        return Converted(_make(o, build))

    return convert


def last_axis_call(o: Options) -> Callable[[AnyLayer, list[Any]], Any]:
    """The call of a layer normalising over Keras's `axis`, refused unless it is its input's last.

    Keras writes the last axis as -1 or, as keras.applications do, as its index counting
    the batch (`axis=3` for images); which one it is shows only once the input's rank is known.
    """
    axis = o.take("axis", -1)
    if isinstance(axis, list | tuple) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or isinstance(axis, bool) or axis == 0:
        raise o.fail(
            f"normalises over axis {excerpt(axis)}, which typednn has no twin for",
            hint="typednn normalises over the last (channels) axis",
        )
    where = f"layer {o.name!r} ({o.class_name})"

    def call(layer: AnyLayer, tensors: list[Any]) -> Any:
        rank = len(tensors[0].shape.dims) + 1  # Keras counts the batch axis
        if axis not in (-1, rank - 1):
            raise TypednnError(
                f"normalises over axis {axis} of a rank-{rank} input (the batch counted), not its last axis",
                hint=f"typednn normalises over the last (channels) axis; {where} needs axis=-1",
            )
        return layer(*tensors)

    return call


def _batch_norm_layer(o: Options) -> Converted:
    call = last_axis_call(o)
    for key in ("synchronized", "renorm"):
        o.expect(key, False)
    o.expect("renorm_clipping", None)
    o.take("renorm_momentum", None)  # used only with renorm, which is refused above
    scale, center = bool(o.take("scale")), bool(o.take("center"))
    layer = _make(
        o,
        _batch_norm.BatchNorm,
        momentum=o.take("momentum"),
        epsilon=o.take("epsilon"),
        use_bias=center,
        use_scale=scale,
    )
    names = ("gamma",) * scale + ("beta",) * center + ("moving_mean", "moving_variance")
    twin = {"gamma": "scale", "beta": "bias", "moving_mean": "mean", "moving_variance": "var"}
    return Converted(layer, names, lambda arrays: {twin[name]: array for name, array in arrays.items()}, call)


def _layer_norm_layer(o: Options) -> Converted:
    o.expect("axis", -1, [-1], hint="typednn normalises over the last axis")
    o.expect("rms_scaling", False)
    scale, center = bool(o.take("scale")), bool(o.take("center"))
    layer = _make(o, _norm.LayerNorm, epsilon=o.take("epsilon"), use_bias=center, use_scale=scale)
    names = ("gamma",) * scale + ("beta",) * center
    return Converted(layer, names, lambda arrays: {{"gamma": "scale", "beta": "bias"}[k]: v for k, v in arrays.items()})


def _dropout_layer(o: Options) -> Converted:
    o.expect("noise_shape", None)
    return Converted(_make(o, _elementwise.Dropout, o.take("rate")))


def _activation_layer(o: Options) -> Converted:
    name = activation(o)
    if name is None:
        raise o.fail("is the identity ('linear'), which typednn has no layer for", hint="remove it from the model")
    return Converted(_make(o, _elementwise.Activation, name))


def _relu_layer(o: Options) -> Converted:
    o.expect("negative_slope", 0.0)
    o.expect("threshold", 0.0)
    top = o.expect("max_value", None, 6.0, hint="typednn has relu and relu6")
    if top is not None and "relu6" not in ACTIVATIONS:
        raise o.fail("sets max_value=6.0 (relu6), which this typednn has no activation for")
    return Converted(_make(o, _elementwise.Activation, "relu" if top is None else "relu6"))


def _softmax_layer(o: Options) -> Converted:
    o.expect("axis", -1, hint="typednn's softmax acts on the last axis")
    return Converted(_make(o, _elementwise.Activation, "softmax"))


def _leaky_relu_layer(o: Options) -> Converted:
    o.expect("negative_slope", 0.01, hint="typednn's leaky_relu has slope 0.01 (jax.nn.leaky_relu's)")
    return Converted(_make(o, _elementwise.Activation, "leaky_relu"))


_BASE: Final[dict[str, Callable[[Options], Converted]]] = {
    "Dense": _dense_layer,
    "Conv1D": _conv_layer(1),
    "Conv2D": _conv_layer(2),
    "Conv3D": _conv_layer(3),
    "Conv2DTranspose": _conv_transpose_layer,
    "DepthwiseConv2D": _depthwise_layer,
    "MaxPooling1D": _pool_layer(_pool.MaxPool1D, 1, average=False),
    "MaxPooling2D": _pool_layer(_pool.MaxPool2D, 2, average=False),
    "MaxPooling3D": _pool_layer(_pool.MaxPool3D, 3, average=False),
    "AveragePooling1D": _pool_layer(_pool.AvgPool1D, 1, average=True),
    "AveragePooling2D": _pool_layer(_pool.AvgPool2D, 2, average=True),
    "AveragePooling3D": _pool_layer(_pool.AvgPool3D, 3, average=True),
    "GlobalAveragePooling1D": _global_pool_layer(_global_pool.GlobalAvgPool1D),
    "GlobalAveragePooling2D": _global_pool_layer(_global_pool.GlobalAvgPool2D),
    "GlobalMaxPooling1D": _global_pool_layer(_global_pool.GlobalMaxPool1D),
    "GlobalMaxPooling2D": _global_pool_layer(_global_pool.GlobalMaxPool2D),
    "BatchNormalization": _batch_norm_layer,
    "LayerNormalization": _layer_norm_layer,
    "Dropout": _dropout_layer,
    "Activation": _activation_layer,
    "ReLU": _relu_layer,
    "Softmax": _softmax_layer,
    "LeakyReLU": _leaky_relu_layer,
}

# Imported here, after the helpers they use are defined (they import them from this module).
from ._layers_augment import AUGMENT  # noqa: E402
from ._layers_extra import EXTRA  # noqa: E402
from ._layers_sequence import SEQUENCE  # noqa: E402
from ._layers_shape import SHAPE  # noqa: E402

LAYERS: Final[dict[str, Converter]] = {**_BASE, **SHAPE, **SEQUENCE, **EXTRA, **AUGMENT}
"""Keras class name -> converter. `InputLayer`, `Sequential` and `Functional` are the graph's (`_graph.py`)."""
