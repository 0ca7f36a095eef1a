"""The plugin's hook for zoo calls: `zoo.resnet18(classes=100)` is `Model[Tensor[L[32], L[32], L[3]], Tensor[L[100]]]`.

mypy widens `classes=100` to `int` when it binds a type variable, so the literals are
read here, from the call's argument types. What a model gives for them is stated in
`ZOO`: its defaults and its feature count (`tests/test_zoo_arguments.py` checks them
against the functions, which this module cannot run: they build models with JAX). A
non-literal argument gives `Any` where it matters, never a guessed size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from mypy.nodes import FloatExpr, IntExpr
from mypy.plugin import FunctionContext
from mypy.types import AnyType, Instance, Type, TypeOfAny, get_proper_type

from ._mypy_convert import Lookup, tensor_type, value_of
from ._mypy_report import named
from ._shapes import UNKNOWN, Shape


def _mobilenet_features(alpha: float) -> int:
    """MobileNetV2's last channels (`typednn.zoo._mobilenet.last_filters`, Keras's rule)."""
    if alpha <= 1.0:
        return 1280
    value = 1280 * alpha
    rounded = max(8, int(value + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * value else rounded


@dataclass(frozen=True)
class Zoo:
    """What a zoo function's literal arguments make.

    Attributes:
        classes: The default `classes`.
        image: The default `input_shape`, for an image model (None: a fixed input).
        features: The channels of its feature map, from `alpha` (for `include_top=False`).
    """

    classes: int
    image: tuple[int, int, int] | None = None
    features: Callable[[float], int] | None = None


ZOO: Final = {
    "typednn.zoo._small.mlp": Zoo(10),
    "typednn.zoo._small.transformer_classifier": Zoo(2),
    "typednn.zoo._small.lenet5": Zoo(10, (32, 32, 1), lambda _: 16),
    "typednn.zoo._resnet.resnet18": Zoo(10, (32, 32, 3), lambda _: 512),
    "typednn.zoo._resnet.resnet50": Zoo(1000, (224, 224, 3), lambda _: 2048),
    "typednn.zoo._mobilenet.mobilenet_v2": Zoo(1000, (224, 224, 3), _mobilenet_features),
}


def zoo_call(lookup: Lookup, zoo: Zoo, ctx: FunctionContext) -> Type:
    """The model type a zoo call's literal arguments make (see the module docstring)."""
    model = get_proper_type(ctx.default_return_type)
    if not isinstance(model, Instance) or len(model.args) != 2:
        return ctx.default_return_type
    given: dict[str, Any] = {}
    for name, types, args in zip(ctx.callee_arg_names, ctx.arg_types, ctx.args):
        if name is not None and len(types) == 1:
            # A float literal has no Literal type: read from the expression (`alpha=1.4`).
            expr = args[0]
            given[name] = expr.value if isinstance(expr, (FloatExpr, IntExpr)) else value_of(types[0])

    def tensor(*dims: Any) -> Type:
        sizes = tuple(d if type(d) is int and d >= 1 else UNKNOWN for d in dims)
        return tensor_type(Shape(sizes), named(ctx), lookup)

    classes = given.get("classes", zoo.classes)
    if zoo.image is None:
        return model.copy_modified(args=[model.args[0], tensor(classes)])
    shape = given.get("input_shape", zoo.image)
    image = shape if isinstance(shape, tuple) and len(shape) == 3 else (UNKNOWN,) * 3
    include_top = given.get("include_top", True)
    pooling = given.get("pooling")
    alpha = given.get("alpha", 1.0)
    features: Any = UNKNOWN
    if zoo.features is not None and isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha > 0:
        features = zoo.features(float(alpha))
    output: Type
    if include_top is True:
        output = tensor(classes)
    elif include_top is False and pooling in ("avg", "max"):
        output = tensor(features)
    elif include_top is False and pooling is None:
        output = tensor(UNKNOWN, UNKNOWN, features)  # the height and width: the strides' arithmetic, not here
    else:
        output = AnyType(TypeOfAny.special_form)
    return model.copy_modified(args=[tensor(*image), output])
