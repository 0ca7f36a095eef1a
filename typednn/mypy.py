"""The typednn mypy plugin: wiring errors found by the same shape rules the runtime uses.

Enable it with `plugins = typednn.mypy`. The hooks below only dispatch on fully
qualified names; the arithmetic lives in `typednn._shapes`, one rule per layer, and
this module never imports JAX.

What it does:
- keeps literal constructor arguments and `Final` constants as `Literal` types, storing
  a layer's hyperparameters in its type arguments (`Dense[L[784], L[128], L[True]]`);
- evaluates the layer's rule at calls, `>>`, `+` and `concat`, giving `Tensor[...]`
  of the computed shape, `Any` for a dim it cannot compute, and all-`Any` sizes for the
  result of a failed call (one bug, one error);
- checks `Trainer.fit` data against the model.
Errors carry the codes `typednn-shape` and `typednn-param`.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    Decorator,
    Expression,
    FuncDef,
    MypyFile,
    NameExpr,
    OpExpr,
    OverloadedFuncDef,
    TypeInfo,
    Var,
)
from mypy.plugin import (
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.typeops import make_simplified_union
from mypy.types import AnyType, CallableType, FunctionLike, Instance, Type, TypeOfAny, get_proper_type

from ._errors import TypednnError
from ._mypy_convert import (
    CLASSES,
    LAYER,
    SEQUENTIAL,
    TENSOR,
    TOKENS,
    fields,
    layer_params,
    members,
    params_class,
    remember_modules,
    size_of,
    tensor_shapes,
    tensor_type,
    type_of,
    value_of,
)
from ._mypy_jnp import UFUNC_CALL, jnp_name, jnp_shapes, ufunc_name, widen
from ._shapes import (
    FEATURES,
    UNKNOWN,
    AddParams,
    ConcatenateParams,
    HyperparameterError,
    Shape,
    ShapeError,
    Size,
    check_fit,
    compose,
    input_shape,
)

SHAPE = ErrorCode("typednn-shape", "Tensor shapes that a layer cannot take", "typednn")
PARAM = ErrorCode("typednn-param", "A layer hyperparameter that is invalid", "typednn")

INPUT = "typednn.layers._tensor.Input"
CONCAT = "typednn.layers._merge.concat"
RESIDUAL = "typednn.layers._merge.residual"
TRAINER_FIT = "typednn.train._trainer.Trainer.fit"
# mypy names a method by the receiver's class: a `Tokens` tensor's are its own names.
TENSOR_ADD = (f"{TENSOR}.__add__", f"{TOKENS}.__add__")
TENSOR_RSHIFT = (f"{TENSOR}.__rshift__", f"{TOKENS}.__rshift__")
MAX_UNION_CASES = 64

Context = FunctionContext | MethodContext


def _digest() -> str:
    """A digest of the plugin's and the rules' sources, so that cached results expire with them."""
    here = Path(__file__).parent
    plugin = [here / "_mypy_convert.py", here / "_mypy_import.py", here / "_mypy_jnp.py"]
    sources = sorted([*plugin, *here.glob("_shapes/*.py")])
    return hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()


_RULES_DIGEST = _digest()


def plugin(version: str) -> type[Plugin]:
    """Mypy's entry point."""
    return TypednnPlugin


class TypednnPlugin(Plugin):
    """Dispatches mypy's hooks to the functions below by fully qualified name."""

    def set_modules(self, modules: dict[str, MypyFile]) -> None:
        super().set_modules(modules)
        remember_modules(modules)  # where a custom layer's rule is imported from

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname == INPUT:
            return partial(_input, self)
        if fullname == CONCAT:
            return partial(_concat, self)
        if fullname == RESIDUAL:
            return partial(_residual, self)
        name = jnp_name(fullname)
        if name is not None:
            return partial(_jnp_call, self, name)
        info = self._layer_class(fullname)
        if info is not None:
            return partial(_construct, self, info)
        return None

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if jnp_name(fullname) is not None:
            return partial(_jnp_signature, self)
        return None

    def get_method_signature_hook(self, fullname: str) -> Callable[[MethodSigContext], FunctionLike] | None:
        if fullname == UFUNC_CALL:
            return partial(_jnp_signature, self)
        # Native checks would repeat, less clearly, what the method hook reports.
        if fullname in (*TENSOR_ADD, TRAINER_FIT):
            return _loosen_first_argument
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname in TENSOR_ADD:
            return partial(_add, self)
        if fullname in TENSOR_RSHIFT:
            return partial(_tensor_rshift, self)
        if fullname == TRAINER_FIT:
            return _fit
        if fullname == UFUNC_CALL:
            return partial(_jnp_ufunc_call, self)
        owner, _, method = fullname.rpartition(".")
        if method in ("__call__", "__rshift__") and self._layer_class(owner) is not None:
            return partial(_layer_call if method == "__call__" else _layer_rshift, self)
        return None

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        # mypy hashes only this file into its cache key; the rules live in other modules.
        return _RULES_DIGEST

    def _layer_class(self, fullname: str) -> TypeInfo | None:
        info = self.lookup(fullname)
        return info if info is not None and info.has_base(LAYER) else None

    def lookup(self, fullname: str) -> TypeInfo | None:
        """A class by full name, or None."""
        try:
            node = self.lookup_fully_qualified(fullname)
        except (AssertionError, KeyError):
            return None
        return node.node if node is not None and isinstance(node.node, TypeInfo) else None


# --- reporting -------------------------------------------------------------------------


def _report(ctx: Context, error: TypednnError, code: ErrorCode) -> Type:
    """Report an error; the result keeps its declared type, with unknown sizes.

    `Tensor[*tuple[Any, ...]]` is as permissive as `Any`, so one bug gives one error,
    and unlike `Any` it adds no strict-mode error (`no-any-return`) of its own.
    """
    ctx.api.fail(error.message, ctx.context, code=code)
    if error.hint:
        ctx.api.msg.note(f"hint: {error.hint}", ctx.context, code=code)
    return ctx.default_return_type


def _named(ctx: Context) -> Callable[[str], Instance]:
    """A builtin class as a type: `builtins.tuple` is `tuple[Any, ...]`, the rest take no arguments."""

    def named(name: str) -> Instance:
        args: list[Type] = [AnyType(TypeOfAny.special_form)] if name == "builtins.tuple" else []
        return ctx.api.named_generic_type(name, args)

    return named


# --- hooks -----------------------------------------------------------------------------


def _input(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    if not ctx.arg_types or any(kind == ARG_STAR for kind in ctx.arg_kinds[0]):
        return ctx.default_return_type
    dtype = value_of(ctx.arg_types[1][0]) if len(ctx.arg_types) > 1 and ctx.arg_types[1] else FEATURES
    if not isinstance(dtype, str):  # not a literal: the overloads' own result
        return ctx.default_return_type
    try:
        shape = input_shape(tuple(value_of(t) for t in ctx.arg_types[0]), dtype=dtype)
    except TypednnError as error:
        return _report(ctx, error, PARAM)
    return tensor_type(shape, _named(ctx), plugin.lookup)


def _construct(plugin: TypednnPlugin, info: TypeInfo, ctx: FunctionContext) -> Type:
    """A layer constructor: validate the hyperparameters and store them in the type."""
    if info.has_base(SEQUENTIAL):
        given = dict(zip(ctx.callee_arg_names, zip(ctx.arg_types, ctx.arg_kinds)))
        types, kinds = given.get("layers", ([], []))
        layers = [get_proper_type(t) for t in types]
        if ARG_STAR in kinds or not all(isinstance(layer, Instance) for layer in layers):
            return ctx.default_return_type
        return _compose(plugin, ctx, [layer for layer in layers if isinstance(layer, Instance)], info)
    cls = params_class(info)
    if cls is None:
        return ctx.default_return_type
    names = fields(cls)
    starred = _star_parameters(info)
    values: dict[str, Any] = {}
    stored: dict[str, Type] = {}  # a layer argument keeps its own type, which holds its hyperparameters
    for name, types, kinds in zip(ctx.callee_arg_names, ctx.arg_types, ctx.arg_kinds):
        if name not in names or not (types or name in starred):
            continue
        if name is not None and len(types) == 1 and _is_layer(types[0]):
            stored[name] = types[0]
        if any(kind in (ARG_STAR, ARG_STAR2) for kind in kinds):
            values[name] = UNKNOWN
        else:
            values[name] = tuple(value_of(t) for t in types) if name in starred else value_of(types[0])
    try:
        params = cls(**values)
    except HyperparameterError as error:
        return _report(ctx, error, PARAM)
    except TypeError:  # a required argument is missing: mypy reports that itself
        return ctx.default_return_type
    named = _named(ctx)
    return Instance(info, [stored.get(name) or type_of(getattr(params, name), named, plugin.lookup) for name in names])


def _is_layer(typ: Type) -> bool:
    t = get_proper_type(typ)
    return isinstance(t, Instance) and t.type.has_base(LAYER)


def _star_parameters(info: TypeInfo) -> set[str]:
    """Names of `*args` parameters of a layer's `__init__` (e.g. Reshape's `*shape`)."""
    node = info.get_method("__init__")
    items = node.items if isinstance(node, OverloadedFuncDef) else [node]
    found: set[str] = set()
    for item in items:
        func = item.func if isinstance(item, Decorator) else item
        if isinstance(func, FuncDef):
            found.update(name for name, kind in zip(func.arg_names, func.arg_kinds) if kind == ARG_STAR and name)
    return found


def _layer_call(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    if any(kind in (ARG_STAR, ARG_STAR2) for kinds in ctx.arg_kinds for kind in kinds):
        return ctx.default_return_type
    tensors = [t for group in ctx.arg_types for t in group]
    layer = get_proper_type(ctx.type)
    source = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    return _apply(plugin, ctx, tensors, lambda shapes: _run_layer(layer, shapes), source)


def _tensor_rshift(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    layer = get_proper_type(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    if layer is None:
        return ctx.default_return_type
    source = ctx.context.left if isinstance(ctx.context, OpExpr) else None
    return _apply(plugin, ctx, [ctx.type], lambda shapes: _run_layer(layer, shapes), source)


def _add(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    tensors = [ctx.type, *(t for group in ctx.arg_types for t in group)]
    return _apply(plugin, ctx, tensors, lambda shapes: AddParams().output_shape(*shapes))


def _concat(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    if not ctx.arg_types or any(kind == ARG_STAR for kind in ctx.arg_kinds[0]):
        return ctx.default_return_type
    axis = value_of(ctx.arg_types[1][0]) if len(ctx.arg_types) > 1 and ctx.arg_types[1] else -1
    params = ConcatenateParams(axis=axis)
    return _apply(plugin, ctx, ctx.arg_types[0], lambda shapes: params.output_shape(*shapes))


def _residual(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    """`residual(x, block, shortcut=)`: the block's rule, the shortcut's (or none), then Add's."""
    given = {name: types[0] for name, types in zip(ctx.callee_arg_names, ctx.arg_types) if types}
    if "x" not in given or "block" not in given:
        return ctx.default_return_type
    block, shortcut = get_proper_type(given["block"]), given.get("shortcut")
    side = get_proper_type(shortcut) if shortcut is not None else None

    def rule(shapes: list[Shape]) -> Shape:
        (x,) = shapes
        return AddParams().output_shape(_run_layer(block, [x]), x if side is None else _run_layer(side, [x]))

    return _apply(plugin, ctx, [given["x"]], rule)


def _layer_rshift(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    left = members(get_proper_type(ctx.type))
    right = members(get_proper_type(ctx.arg_types[0][0])) if ctx.arg_types and ctx.arg_types[0] else None
    info = plugin.lookup(SEQUENTIAL)
    if left is None or right is None or info is None:
        return ctx.default_return_type
    return _compose(plugin, ctx, left + right, info)


def _compose(plugin: TypednnPlugin, ctx: Context, layers: list[Instance], info: TypeInfo) -> Type:
    """A `Sequential` of these layers, checked as far as it can be before it is applied."""
    chain = [member for layer in layers for member in (members(layer) or [layer])]
    sequential = Instance(info, list(chain))
    try:
        _run_layer(sequential, [Shape.anything()])
    except ShapeError as error:
        return _report(ctx, error, SHAPE)
    return sequential


def _fit(ctx: MethodContext) -> Type:
    trainer = get_proper_type(ctx.type)
    data = get_proper_type(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    if not (isinstance(trainer, Instance) and isinstance(data, Instance) and len(data.args) == 2):
        return ctx.default_return_type
    model_in, model_out = (tensor_shapes(arg) for arg in trainer.args[:2])
    features = tensor_shapes(data.args[0])
    target = get_proper_type(data.args[1])
    if not (model_in and model_out and features):
        return ctx.default_return_type
    classes: Size | None = None
    target_shape = None
    if isinstance(target, Instance) and target.type.fullname == CLASSES and target.args:
        classes = size_of(target.args[0])
    else:
        found = tensor_shapes(target)
        target_shape = found[0] if found and len(found) == 1 else None
    try:
        check_fit(model_in[0], model_out[0], features[0], target_shape, classes)
    except ShapeError as error:
        return _report(ctx, error, SHAPE)
    return ctx.default_return_type


def _loosen_first_argument(ctx: MethodSigContext) -> FunctionLike:
    signature = ctx.default_signature
    if not isinstance(signature, CallableType) or not signature.arg_types:
        return signature
    loose: list[Type] = [AnyType(TypeOfAny.special_form), *signature.arg_types[1:]]
    return signature.copy_modified(arg_types=loose)


# --- evaluation ------------------------------------------------------------------------


def _run_layer(layer: object, shapes: list[Shape]) -> Shape:
    """Apply a layer's rule (or each member's, for a Sequential); unknown layers give anything."""
    if not isinstance(layer, Instance):
        return Shape.anything()
    chain = [layer_params(member) for member in members(layer) or []]
    known = [params for params in chain if params is not None]
    if not known or len(known) < len(chain):
        return Shape.anything()
    return known[0].output_shape(*shapes) if len(known) == 1 else compose(known, shapes[0])


def _origin(expression: Expression | None) -> str:
    """Where a tensor argument was made, when it is a variable: " from `h` (line 12)"."""
    if isinstance(expression, NameExpr) and isinstance(expression.node, Var) and expression.node.line > 0:
        return f" from `{expression.name}` (line {expression.node.line})"
    return ""


def _apply(
    plugin: TypednnPlugin,
    ctx: Context,
    tensors: list[Type],
    rule: Callable[[list[Shape]], Shape],
    source: Expression | None = None,
) -> Type:
    """Evaluate a rule on the shapes of `tensors`; a union is tried member by member.

    `source` is the expression a single input tensor came from, named in errors.
    """
    options = [tensor_shapes(t) for t in tensors]
    if any(found is None for found in options):
        return ctx.default_return_type
    cases = list(itertools.islice(itertools.product(*(found or [] for found in options)), MAX_UNION_CASES))
    results: list[Shape] = []
    for case in cases:
        try:
            shape = rule(list(case))
        except ShapeError as error:
            origin = _origin(source) if len(tensors) == 1 and " from " not in error.actual else ""
            located = ShapeError(error.layer, error.expected, error.actual + origin, hint=error.hint)
            return _report(ctx, located, SHAPE)
        if shape not in results:
            results.append(shape)
    if not results:
        return ctx.default_return_type
    named = _named(ctx)
    return make_simplified_union([tensor_type(shape, named, plugin.lookup) for shape in results])


# --- jax.numpy on tensors (a custom layer's body) ---------------------------------------


def _jnp_signature(plugin: TypednnPlugin, ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """The signature jax declares, also accepting `tn.Tensor` where it takes an `Array`."""
    if plugin.lookup(TENSOR) is None:  # typednn is not imported: the signature is jax's, untouched
        return ctx.default_signature
    named = ctx.api.named_generic_type
    anything = tensor_type(Shape.anything(), lambda name: named(name, [AnyType(TypeOfAny.special_form)]), plugin.lookup)
    return widen(ctx.default_signature, anything)


def _jnp_call(plugin: TypednnPlugin, name: str, ctx: Context) -> Type:
    """A covered jax.numpy function: a `tn.Tensor` of the computed shape when a tensor is passed."""
    try:
        shapes = jnp_shapes(name, ctx)
    except ShapeError as error:
        _report(ctx, error, SHAPE)
        shapes = [Shape.anything()]  # still a tensor, of any shape: one bug, one error
    if shapes is None:
        return ctx.default_return_type
    named = _named(ctx)
    return make_simplified_union([tensor_type(shape, named, plugin.lookup) for shape in shapes])


def _jnp_ufunc_call(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    return _jnp_call(plugin, ufunc_name(ctx), ctx)
