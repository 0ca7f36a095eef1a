"""Where data meets a model, for the mypy plugin: `Trainer.fit`, `evaluate` and `predict`.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from mypy.erasetype import erase_type
from mypy.maptype import map_instance_to_supertype
from mypy.plugin import MethodContext, MethodSigContext
from mypy.types import AnyType, FunctionLike, Instance, ProperType, TupleType, Type, UnionType, get_proper_type

from ._errors import TypednnError
from ._mypy_convert import DATASET, class_ids, tensor_shapes
from ._mypy_report import SHAPE, report
from ._shapes import Shape, ShapeError, Size
from ._shapes._data import check_features_all, check_fit_all

TRAINER = "typednn.train._trainer.Trainer"
BATCH = "typednn.data._batch.Batch"
ITERABLE = "typing.Iterable"
TRAINER_DATA = {"fit": ("data", "validation"), "evaluate": ("data",), "predict": ("inputs",)}
"""The parameters of each Trainer method that take data, checked against the model."""


def check_data(method: str, ctx: MethodContext) -> Type:
    """`Trainer.fit`/`evaluate`/`predict`: every dataset given is checked against the model."""
    trainer = get_proper_type(ctx.type)
    if not (isinstance(trainer, Instance) and len(trainer.args) >= 2):
        return ctx.default_return_type
    model_in, model_out = (_model_shapes(arg) for arg in trainer.args[:2])
    if model_in is None or model_out is None:
        return ctx.default_return_type
    given = {name: types for name, types in zip(ctx.callee_arg_names, ctx.arg_types) if types}
    if method == "fit" and "data" in given and "steps_per_epoch" not in given and _one_shot(given["data"][0]):
        report(ctx, _one_shot_error(), SHAPE)
    for name, types in zip(ctx.callee_arg_names, ctx.arg_types):
        if name not in TRAINER_DATA[method] or not types:
            continue
        error = _misfit(model_in, model_out, get_proper_type(types[0]), f"Trainer.{method}")
        if error is not None:
            report(ctx, error, SHAPE)
    return ctx.default_return_type


def _one_shot(typ: Type) -> bool:
    """Whether `fit`'s data is an iterator (a generator): batches that can be read once only."""
    t = get_proper_type(typ)
    return isinstance(t, Instance) and t.type.has_base("typing.Iterator")


def _one_shot_error() -> TypednnError:
    """What `fit` says at run time of a generator without `steps_per_epoch` (`_fit_batches`)."""
    return TypednnError(
        "Trainer.fit expects a tn.data.Dataset as data, but receives an iterator",
        hint="an iterator can be read only once: pass steps_per_epoch=N to draw N batches from it per epoch",
    )


def _model_shapes(typ: Type) -> tuple[Shape, ...] | None:
    """A model's input (output) shapes: one `Tensor`, or a tuple of them; None if any is not known.

    A union (the model is one of several) is not checked, nor is `Any`: its count is not known.
    """
    t = get_proper_type(typ)
    if isinstance(t, AnyType):
        return None
    shapes = []
    for item in t.items if isinstance(t, TupleType) else [t]:
        found = tensor_shapes(item)
        if not found or len(found) != 1:
            return None
        shapes.append(found[0])
    return tuple(shapes)


def _misfit(
    model_in: tuple[Shape, ...], model_out: tuple[Shape, ...], data: ProperType, method: str
) -> ShapeError | None:
    """Why a `Dataset[Features, Target]` type does not fit the model, or None.

    Features and targets are a tensor (or `tn.Classes[N, *Positions]`) each, or a tuple of them for a
    model with several inputs or outputs. `Any` features fit any input; a union is not
    checked. Targets that are `Any`, a union or no tensor are not checked.
    """
    found = _typed_examples(data)
    if found is None:
        return None
    features = _feature_shapes(found[0], len(model_in))
    if features is None:
        return None
    targets = None if method == "Trainer.predict" else _targets(found[1])  # predict reads only the features
    try:
        if targets is None:
            check_features_all(model_in, features, method=method)
        else:
            shapes, classes = targets
            check_fit_all(model_in, model_out, features, shapes, classes, method=method)
    except ShapeError as error:
        return error
    return None


def _typed_examples(data: ProperType) -> tuple[Type, Type] | None:
    """The example types a `Dataset[F, T]`, or an iterable of `tn.data.Batch[F, T]`, names; else None."""
    if isinstance(data, Instance) and data.type.fullname == DATASET and len(data.args) == 2:
        return data.args[0], data.args[1]
    if not (isinstance(data, Instance) and data.type.has_base(ITERABLE)):
        return None
    iterable = next(base for base in data.type.mro if base.fullname == ITERABLE)
    (element,) = map_instance_to_supertype(data, iterable).args
    batch = get_proper_type(element)
    fallback = batch.partial_fallback if isinstance(batch, TupleType) else batch
    if isinstance(fallback, Instance) and fallback.type.fullname == BATCH and len(fallback.args) == 2:
        return fallback.args[0], fallback.args[1]
    return None


def _feature_shapes(typ: Type, inputs: int) -> tuple[Shape, ...] | None:
    """The shape of each feature array; `Any` for all the model's `inputs`; None where not known."""
    t = get_proper_type(typ)
    if isinstance(t, AnyType):
        return tuple(Shape.anything() for _ in range(inputs))
    return _model_shapes(t)


def _targets(typ: Type) -> tuple[tuple[Shape | None, ...], tuple[Size | None, ...]] | None:
    """The shape (or class count) of each target array; None when their count is not known."""
    t = get_proper_type(typ)
    if isinstance(t, AnyType):
        return None
    items = [get_proper_type(item) for item in (t.items if isinstance(t, TupleType) else [t])]
    if not (isinstance(t, TupleType) or class_ids(t) or tensor_shapes(t)):
        return None  # no tensor at all: not known to be one target
    shapes: list[Shape | None] = []
    classes: list[Size | None] = []
    for item in items:
        # Class ids: the rule takes their count, and their positions' shape where a tensor's goes.
        counted = class_ids(item)
        if counted is not None:
            classes.append(counted[0])
            shapes.append(counted[1])
            continue
        found = tensor_shapes(item)
        shapes.append(found[0] if found and len(found) == 1 else None)
        classes.append(None)
    return tuple(shapes), tuple(classes)


def loosen_data(method: str, ctx: MethodSigContext) -> FunctionLike:
    """A data parameter takes a dataset of any shapes: `check_data` says, more clearly, what does not fit.

    Only the type arguments are erased: something that is no `Dataset` at all (a
    generator, a tuple of arrays, a path) stays an error, as without the plugin.
    """
    signature = ctx.default_signature
    types = [
        _loosened(t) if name in TRAINER_DATA[method] else t for name, t in zip(signature.arg_names, signature.arg_types)
    ]
    return signature.copy_modified(arg_types=types)


def _loosened(typ: Type) -> Type:
    """`typ` with the type arguments of its `Dataset`s erased; batches from Python (`Iterable[tuple[...]]`) kept.

    Erasing `fit`'s `Iterable[tuple[Any, Any]]` would give `Iterable[Any]`, which takes a
    path or a pair of arrays: those stay errors.
    """
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        return UnionType.make_union([_loosened(item) for item in t.items], t.line, t.column)
    return erase_type(t) if isinstance(t, Instance) and t.type.fullname == DATASET else typ
