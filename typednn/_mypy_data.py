"""Where data meets a model, for the mypy plugin: `Trainer.fit`, `evaluate` and `predict`.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from mypy.erasetype import erase_type
from mypy.plugin import MethodContext, MethodSigContext
from mypy.types import FunctionLike, Instance, ProperType, Type, get_proper_type

from ._mypy_convert import CLASSES, DATASET, size_of, tensor_shapes
from ._mypy_report import SHAPE, report
from ._shapes import Shape, ShapeError, Size, check_fit
from ._shapes._data import check_features

TRAINER = "typednn.train._trainer.Trainer"
TRAINER_DATA = {"fit": ("data", "validation"), "evaluate": ("data",), "predict": ("inputs",)}
"""The parameters of each Trainer method that take data, checked against the model."""


def check_data(method: str, ctx: MethodContext) -> Type:
    """`Trainer.fit`/`evaluate`/`predict`: every dataset given is checked against the model."""
    trainer = get_proper_type(ctx.type)
    if not (isinstance(trainer, Instance) and len(trainer.args) >= 2):
        return ctx.default_return_type
    model_in, model_out = (tensor_shapes(arg) for arg in trainer.args[:2])
    if not (model_in and model_out and len(model_in) == len(model_out) == 1):
        return ctx.default_return_type
    for name, types in zip(ctx.callee_arg_names, ctx.arg_types):
        if name not in TRAINER_DATA[method] or not types:
            continue
        error = _misfit(model_in[0], model_out[0], get_proper_type(types[0]), f"Trainer.{method}")
        if error is not None:
            report(ctx, error, SHAPE)
    return ctx.default_return_type


def _misfit(model_in: Shape, model_out: Shape, data: ProperType, method: str) -> ShapeError | None:
    """Why a `Dataset[Features, Target]` type does not fit the model, or None."""
    if not (isinstance(data, Instance) and data.type.fullname == DATASET and len(data.args) == 2):
        return None
    features = tensor_shapes(data.args[0])
    if not features or len(features) != 1:
        return None
    if method == "Trainer.predict":  # only the features are read
        try:
            check_features(model_in, features[0], method=method)
        except ShapeError as error:
            return error
        return None
    target = get_proper_type(data.args[1])
    classes: Size | None = None
    target_shape = None
    if isinstance(target, Instance) and target.type.fullname == CLASSES and target.args:
        classes = size_of(target.args[0])
    else:
        found = tensor_shapes(target)
        target_shape = found[0] if found and len(found) == 1 else None
    try:
        check_fit(model_in, model_out, features[0], target_shape, classes, method=method)
    except ShapeError as error:
        return error
    return None


def loosen_data(method: str, ctx: MethodSigContext) -> FunctionLike:
    """A data parameter takes a dataset of any shapes: `check_data` says, more clearly, what does not fit.

    Only the type arguments are erased: something that is no `Dataset` at all (a
    generator, a tuple of arrays, a path) stays an error, as without the plugin.
    """
    signature = ctx.default_signature
    types = [
        erase_type(t) if name in TRAINER_DATA[method] else t
        for name, t in zip(signature.arg_names, signature.arg_types)
    ]
    return signature.copy_modified(arg_types=types)
