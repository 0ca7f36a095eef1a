"""The case strategy of every built-in layer kind, and `layers()` to look one up (or derive one)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import cast

from hypothesis import strategies as st

from .. import nn
from .._errors import TypednnError
from .._shapes import ACTIVATIONS
from ..layers._registry import KINDS
from ._case import AnyLayer, Case
from ._cases_augment import (
    center_crop_cases,
    random_brightness_cases,
    random_contrast_cases,
    random_crop_cases,
    random_flip_cases,
    random_rotation_cases,
)
from ._cases_axes import (
    cropping1d_cases,
    cropping2d_cases,
    global_max_pool1d_cases,
    permute_cases,
    repeat_vector_cases,
    resizing_cases,
)
from ._cases_basic import (
    activation_cases,
    add_cases,
    batch_norm_cases,
    concat_cases,
    dense_cases,
    dropout_cases,
    flatten_cases,
    group_norm_cases,
    layer_norm_cases,
    reshape_cases,
    rms_norm_cases,
)
from ._cases_keras import multiply_cases, per_channel_cases, separable_conv2d_cases
from ._cases_sequences import (
    bidirectional_cases,
    embedding_cases,
    multi_head_attention_cases,
    position_embedding_cases,
    recurrent_cases,
    sinusoidal_position_embedding_cases,
    transformer_decoder_block_cases,
    transformer_encoder_block_cases,
)
from ._cases_volumes import conv3d_cases, pool3d_cases, time_distributed_cases
from ._cases_windows import (
    conv1d_cases,
    conv2d_cases,
    conv2d_transpose_cases,
    depthwise_conv2d_cases,
    global_avg_pool1d_cases,
    global_pool2d_cases,
    pool1d_cases,
    pool2d_cases,
    up_sampling2d_cases,
    zero_padding2d_cases,
)
from ._derived import accepts, derived_cases

_CASES: dict[str, st.SearchStrategy[Case]] = {
    "dense": dense_cases(),
    "conv1d": conv1d_cases(),
    "conv2d": conv2d_cases(),
    "conv2d_transpose": conv2d_transpose_cases(),
    "depthwise_conv2d": depthwise_conv2d_cases(),
    "max_pool1d": pool1d_cases(nn.MaxPool1D),
    "avg_pool1d": pool1d_cases(nn.AvgPool1D),
    "max_pool2d": pool2d_cases(nn.MaxPool2D),
    "avg_pool2d": pool2d_cases(nn.AvgPool2D),
    "global_avg_pool1d": global_avg_pool1d_cases(),
    "global_avg_pool2d": global_pool2d_cases(nn.GlobalAvgPool2D),
    "global_max_pool2d": global_pool2d_cases(nn.GlobalMaxPool2D),
    "up_sampling2d": up_sampling2d_cases(),
    "zero_padding2d": zero_padding2d_cases(),
    "global_max_pool1d": global_max_pool1d_cases(),
    "cropping1d": cropping1d_cases(),
    "cropping2d": cropping2d_cases(),
    "resizing": resizing_cases(),
    "permute": permute_cases(),
    "repeat_vector": repeat_vector_cases(),
    "conv3d": conv3d_cases(),
    "max_pool3d": pool3d_cases(nn.MaxPool3D),
    "avg_pool3d": pool3d_cases(nn.AvgPool3D),
    "time_distributed": time_distributed_cases(),
    "flatten": flatten_cases(),
    "reshape": reshape_cases(),
    "dropout": dropout_cases(),
    "embedding": embedding_cases(),
    "position_embedding": position_embedding_cases(),
    "sinusoidal_position_embedding": sinusoidal_position_embedding_cases(),
    "layer_norm": layer_norm_cases(),
    "rms_norm": rms_norm_cases(),
    "group_norm": group_norm_cases(),
    "batch_norm": batch_norm_cases(),
    "multi_head_attention": multi_head_attention_cases(),
    "transformer_encoder_block": transformer_encoder_block_cases(),
    "transformer_decoder_block": transformer_decoder_block_cases(),
    "lstm": recurrent_cases(nn.LSTM),
    "gru": recurrent_cases(nn.GRU),
    "bidirectional": bidirectional_cases(),
    "add": add_cases(),
    "concat": concat_cases(),
    "activation": activation_cases(),
    "separable_conv2d": separable_conv2d_cases(),
    "multiply": multiply_cases(),
    "rescaling": per_channel_cases("rescaling"),
    "normalization": per_channel_cases("normalization"),
    "random_flip": random_flip_cases(),
    "random_rotation": random_rotation_cases(),
    "random_crop": random_crop_cases(),
    "center_crop": center_crop_cases(),
    "random_brightness": random_brightness_cases(),
    "random_contrast": random_contrast_cases(),
}
# Each activation is a kind of its own in spec files (`relu`), so it has a strategy too.
_CASES.update({function: activation_cases(function) for function in ACTIVATIONS})

CASES: Mapping[str, st.SearchStrategy[Case]] = MappingProxyType(_CASES)
"""For each built-in layer kind (as spec files name it), a strategy of `Case`s.

Each case is a layer of that kind with random valid hyperparameters and the shapes of
its input(s): mostly shapes the layer takes and, on purpose, some it does not.
"""


def layers(kind: str | type[AnyLayer], *, accepted: bool = False) -> st.SearchStrategy[Case]:
    """The `Case`s of one layer kind: a layer with valid hyperparameters and input shapes.

    A built-in kind has its strategy in `CASES`; any other layer class, and a kind that
    has none there, gets cases drawn from its hyperparameters' field types.

    Args:
        kind: The kind as spec files write it (``"conv2d"``, ``"relu"``), or the layer
            class (`nn.Conv2D`, a custom one).
        accepted: Only cases whose input shapes the layer's rule accepts (by default
            some are drawn that it must reject, to test the rejection too).

    Returns:
        A hypothesis strategy of `Case`s.

    Raises:
        TypednnError: for a name that is no kind, or hyperparameters whose types say
            too little to draw them (give `check_layer` a `hyper_strategy`).

    Example:
        >>> from hypothesis import find
        >>> from typednn import Shape, nn
        >>> case = find(layers(nn.Dense, accepted=True), lambda case: case.inputs == ((3, 5),))
        >>> case.layer.output_shape(*(Shape.of(*dims) for dims in case.inputs))
        (3, 1)
    """
    if isinstance(kind, str):
        strategy = _CASES.get(kind)
        if strategy is None and kind in KINDS:
            strategy = derived_cases(KINDS[kind].layer, fixed=KINDS[kind].fixed, accepted=True)
        if strategy is None:
            raise TypednnError(
                f"typednn.testing has no layer kind {kind!r}; it has {', '.join(sorted(KINDS))}",
                hint="pass the layer class, or register a custom layer with @tn.register_layer",
            )
    else:
        name = vars(kind).get("kind")
        own = isinstance(name, str) and name in _CASES and KINDS[name].layer is kind
        strategy = _CASES[cast(str, name)] if own else derived_cases(kind, accepted=True)
    return strategy.filter(accepts) if accepted else strategy
