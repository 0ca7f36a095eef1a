"""What every image model of the zoo shares: its arguments, checked, and its top (`keras.applications`'s)."""

from __future__ import annotations

import os
from typing import Literal, TypeAlias

from .._errors import TypednnError
from .._words import given
from ..graph import AnyTensor
from ..nn import Dense, GlobalAvgPool2D, GlobalMaxPool2D

Pooling: TypeAlias = Literal["avg", "max"] | None
"""How `include_top=False` pools the feature map: Keras's `pooling=`."""
Weights: TypeAlias = str | os.PathLike[str] | None
"""`weights=`: None, a typednn export folder, or a registry reference `"NAME:TAG"`."""


def check_classes(model: str, classes: object) -> int:
    """`classes`, a positive int.

    Raises:
        TypednnError: naming the model and what was given.
    """
    if type(classes) is not int or classes < 1:
        raise TypednnError(
            f"zoo.{model}: classes= must be a positive int, not {given(classes)}", hint="e.g. classes=10"
        )
    return classes


def check_image(
    model: str, input_shape: object, *, include_top: object, pooling: object, smallest: int
) -> tuple[int, int, int]:
    """`input_shape` as `(height, width, channels)`, after checking the image arguments.

    Args:
        model: The zoo function's name, for messages.
        input_shape: The given shape.
        include_top: The given `include_top`.
        pooling: The given `pooling`.
        smallest: The least height and width the architecture takes (its strides).

    Raises:
        TypednnError: for a shape that is not three positive ints (or too small), an
            `include_top` that is not a bool, or a `pooling` other than None, "avg" and
            "max" (or given with `include_top=True`, where it does nothing).
    """
    if type(include_top) is not bool:
        raise TypednnError(f"zoo.{model}: include_top= must be True or False, not {given(include_top)}")
    if pooling not in (None, "avg", "max"):
        raise TypednnError(
            f"zoo.{model}: pooling= must be None, 'avg' or 'max', not {given(pooling)}",
            hint="Keras's pooling= of keras.applications",
        )
    if include_top and pooling is not None:
        raise TypednnError(
            f"zoo.{model}: pooling={pooling!r} applies to the features without the top, not with include_top=True",
            hint="pass include_top=False for pooled features (Keras ignores pooling= here; typednn says so)",
        )
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 3 or not all(type(d) is int and d >= 1 for d in shape):
        raise TypednnError(
            f"zoo.{model}: input_shape= must be (height, width, channels), three positive ints, "
            f"not {given(input_shape)}",
            hint="channels last, as Keras's default image_data_format",
        )
    height, width, channels = shape
    if min(height, width) < smallest:
        raise TypednnError(
            f"zoo.{model}: input_shape={shape} is too small: height and width must be at least {smallest}",
            hint=f"its strided layers shrink the image {smallest}-fold or more",
        )
    return height, width, channels


def top(
    h: AnyTensor, *, include_top: bool, pooling: Pooling, classes: int, names: tuple[str | None, ...] = (None, None)
) -> AnyTensor:
    """Keras's top: global average pooling and a `classes`-way Dense; else the features, pooled or not.

    The classifier gives logits (`tn.losses.softmax_cross_entropy` takes them), where
    Keras's applies a softmax (`classifier_activation`); the parameters are the same.

    Args:
        h: The feature map `(height, width, channels)`.
        include_top: Whether to classify.
        pooling: Without the top: "avg", "max" or None (the feature map itself).
        classes: The classifier's classes.
        names: The names of the pooling and the Dense layer (None: the default names).
    """
    pool_name, dense_name = names
    if include_top:
        pooled = h >> GlobalAvgPool2D(name=pool_name)
        return pooled >> Dense(flat_size(pooled), classes, name=dense_name)
    if pooling == "avg":
        return h >> GlobalAvgPool2D(name=pool_name)
    if pooling == "max":
        return h >> GlobalMaxPool2D(name=None if pool_name is None else "max_pool")
    return h


def flat_size(h: AnyTensor) -> int:
    """The features of a flat tensor, as an int: a zoo model's input shape is concrete."""
    (size,) = h.shape.dims
    assert isinstance(size, int)  # every dim of a zoo model is known
    return size
