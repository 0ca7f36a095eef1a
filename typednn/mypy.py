"""The typednn mypy plugin: wiring errors found by the same shape rules the runtime uses.

Enable it with `plugins = typednn.mypy`. The hooks below only dispatch on fully
qualified names; the arithmetic lives in `typednn._shapes`, one rule per layer, and
this module never imports JAX.

What it does:
- keeps literal constructor arguments and `Final` constants as `Literal` types, storing
  a layer's hyperparameters in its type arguments (`Dense[L[784], L[128], L[True], None]`);
- folds constant arithmetic in sizes (`nn.Dense(16 * 5 * 5, 120)`, `_mypy_fold`);
- evaluates the layer's rule at calls, `>>`, `+` and `concat`, giving `Tensor[...]`
  of the computed shape and `Any` for a dim it cannot compute. A name that may hold
  several shapes (a union, after a loop or under `allow_redefinition`) is an error only
  when every shape fails; a failed call gives what the layer would give had its input
  been right (one bug, one error), and names the assignment its input came from;
- checks a layer variable applied twice against its first use (`_mypy_reuse`), a
  block returned as `nn.Block[In, Out]` against its declared shapes (`_mypy_block`),
  and every dataset given to `Trainer.fit`/`evaluate`/`predict` (`_mypy_data`);
- types `jax.numpy` calls on tensors (`_mypy_jnp`) and symbolic size arithmetic
  (`tn.Minus[Seq, L[4]]`, `_mypy_arithmetic`).
Errors carry the codes `typednn-shape` and `typednn-param`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mypy.erasetype import erase_type
from mypy.nodes import (
    ARG_STAR,
    ARG_STAR2,
    CallExpr,
    Decorator,
    FuncDef,
    MypyFile,
    OpExpr,
    OverloadedFuncDef,
    TypeInfo,
)
from mypy.plugin import (
    AnalyzeTypeContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    TupleType,
    Type,
    TypeOfAny,
    get_proper_type,
)

from ._errors import TypednnError
from ._mypy_apply import apply_rule, forget_outcomes
from ._mypy_arithmetic import arithmetic_hook, arithmetic_result_hook, forget_result_hooks
from ._mypy_block import BLOCK, check_declared, expected
from ._mypy_checker import argument_errors, expression_type
from ._mypy_convert import (
    LAYER,
    SEQUENTIAL,
    TENSOR,
    TOKENS,
    fields,
    hyper_class,
    layer_hyper,
    remember_modules,
    tensor_type,
    type_of,
    value_of,
)
from ._mypy_data import TRAINER, TRAINER_DATA, check_data, loosen_data
from ._mypy_fold import argument
from ._mypy_jnp import UFUNC_CALL, jnp_name, jnp_result, jnp_shapes, ufunc_name, widen
from ._mypy_layers import describe, members_of, run_layer
from ._mypy_report import PARAM, SHAPE, Context, named, report
from ._mypy_reuse import check_reused, forget_uses
from ._mypy_transforms import COLUMNS, columns_call
from ._mypy_zoo import ZOO, zoo_call
from ._shapes import (
    FEATURES,
    UNKNOWN,
    AddHyper,
    ConcatenateHyper,
    HyperparameterError,
    RecurrentHyper,
    Shape,
    ShapeError,
    input_shape,
)

INPUT = "typednn.layers._tensor.Input"
CONCAT = "typednn.layers._merge.concat"
RESIDUAL = "typednn.layers._merge.residual"
# mypy names a method by the receiver's class: a `Tokens` tensor's are its own names.
TENSOR_ADD = (f"{TENSOR}.__add__", f"{TOKENS}.__add__")
TENSOR_RSHIFT = (f"{TENSOR}.__rshift__", f"{TOKENS}.__rshift__")


def _digest() -> str:
    """A digest of the plugin's and the rules' sources, so that cached results expire with them."""
    here = Path(__file__).parent
    sources = sorted([*here.glob("_mypy_*.py"), *here.glob("_shapes/*.py")])
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
        forget_uses()  # a new build (a daemon keeps the plugin between builds)
        _DECLARED.clear()
        _STARRED.clear()
        forget_outcomes()
        _BUILT.clear()
        forget_result_hooks()

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname == INPUT:
            return partial(_input, self)
        if fullname == CONCAT:
            return partial(_concat, self)
        if fullname == RESIDUAL:
            return partial(_residual, self)
        if fullname in ZOO:
            return partial(zoo_call, self.lookup, ZOO[fullname])
        if fullname == COLUMNS:
            return partial(columns_call, self.lookup)
        name = jnp_name(fullname)
        if name is not None:
            return partial(_jnp_call, self, name)
        info = self._layer_class(fullname)
        if info is not None:
            return partial(_construct, self, info)
        return arithmetic_result_hook(self.lookup_fully_qualified, fullname, self.lookup, SHAPE)

    def get_type_analyze_hook(self, fullname: str) -> Callable[[AnalyzeTypeContext], Type] | None:
        return arithmetic_hook(fullname, SHAPE)  # `tn.Minus[Seq, L[4]]` in annotations, canonically spelled

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if jnp_name(fullname) is not None:
            return partial(_jnp_signature, self)
        return None

    def get_method_signature_hook(self, fullname: str) -> Callable[[MethodSigContext], FunctionLike] | None:
        if fullname == UFUNC_CALL:
            return partial(_jnp_signature, self)
        # Native checks would repeat, less clearly, what the method hook reports.
        if fullname in (*TENSOR_ADD, f"{BLOCK}.__call__"):
            return _loosen_other
        owner, _, method = fullname.rpartition(".")
        if owner == TRAINER and method in TRAINER_DATA:
            return partial(loosen_data, method)
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        if fullname in TENSOR_ADD:
            return partial(_add, self)
        if fullname in TENSOR_RSHIFT:
            return partial(_tensor_rshift, self)
        if fullname == UFUNC_CALL:
            return partial(_jnp_ufunc_call, self)
        owner, _, method = fullname.rpartition(".")
        if owner == TRAINER and method in TRAINER_DATA:
            return partial(check_data, method)
        if owner == BLOCK and method in ("__call__", "__rshift__"):
            return partial(_layer_call if method == "__call__" else _layer_rshift, self)
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


def _input(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    if not ctx.arg_types or any(kind == ARG_STAR for kind in ctx.arg_kinds[0]):
        return ctx.default_return_type
    dtype = value_of(ctx.arg_types[1][0]) if len(ctx.arg_types) > 1 and ctx.arg_types[1] else FEATURES
    if not isinstance(dtype, str):  # not a literal: the overloads' own result
        return ctx.default_return_type
    try:
        dims = tuple(argument(value_of(t), e) for t, e in zip(ctx.arg_types[0], ctx.args[0]))
        shape = input_shape(dims, dtype=dtype)
    except TypednnError as error:
        return report(ctx, error, PARAM)
    return tensor_type(shape, named(ctx), plugin.lookup)


def _construct(plugin: TypednnPlugin, info: TypeInfo, ctx: FunctionContext) -> Type:
    """A layer constructor: validate the hyperparameters and store them in the type."""
    if info.has_base(SEQUENTIAL):
        given = dict(zip(ctx.callee_arg_names, zip(ctx.arg_types, ctx.arg_kinds)))
        types, kinds = given.get("layers", ([], []))
        layers = [get_proper_type(t) for t in types]
        if ARG_STAR in kinds or not all(isinstance(layer, Instance) for layer in layers):
            return ctx.default_return_type
        return _compose(plugin, ctx, [layer for layer in layers if isinstance(layer, Instance)], info)
    key = (ctx.context, info, *(t for types in ctx.arg_types for t in types))
    built = _BUILT.get(key)
    if built is None:
        built = _build(plugin, info, ctx)
        if len(_BUILT) < MAX_BUILT:
            _BUILT[key] = built
    if isinstance(built, HyperparameterError):
        if argument_errors(ctx):  # mypy already refused an argument's type: one bug, one error
            return ctx.default_return_type
        return report(ctx, built, PARAM)
    layer = built
    if not isinstance(layer, Instance):
        return layer
    _check_declared(ctx, layer)
    return layer


_BUILT: dict[tuple[object, ...], Type | HyperparameterError] = {}
"""Constructor calls already evaluated, by expression, class and argument types: mypy checks a
call again in a loop's later passes and when it retries a type context."""
MAX_BUILT = 4096


def _build(plugin: TypednnPlugin, info: TypeInfo, ctx: FunctionContext) -> Type | HyperparameterError:
    """The layer type a constructor call gives, or why its hyperparameters are invalid."""
    cls = hyper_class(info)
    if cls is None:
        return ctx.default_return_type
    names = fields(cls)
    starred = _star_parameters(info)
    values: dict[str, Any] = {}
    stored: dict[str, Type] = {}  # a layer argument keeps its own type, which holds its hyperparameters
    for name, types, kinds, args in zip(ctx.callee_arg_names, ctx.arg_types, ctx.arg_kinds, ctx.args):
        if name not in names or not (types or name in starred):
            continue
        if name is not None and len(types) == 1 and _is_layer(types[0]):
            stored[name] = types[0]
        if any(kind in (ARG_STAR, ARG_STAR2) for kind in kinds):
            values[name] = UNKNOWN
        else:
            found = [argument(value_of(t), e) for t, e in zip(types, args)]
            values[name] = tuple(found) if name in starred else found[0]
    try:
        hyper = cls(**values)
    except HyperparameterError as error:
        return error
    except TypeError:  # a required argument is missing: mypy reports that itself
        return ctx.default_return_type
    builtin = named(ctx)
    return Instance(info, [stored.get(name) or type_of(getattr(hyper, name), builtin, plugin.lookup) for name in names])


def _is_layer(typ: Type) -> bool:
    t = get_proper_type(typ)
    return isinstance(t, Instance) and t.type.has_base(LAYER)


def _star_parameters(info: TypeInfo) -> set[str]:
    """Names of `*args` parameters of a layer's `__init__` (e.g. Reshape's `*shape`)."""
    found = _STARRED.get(info)
    if found is None:
        found = _STARRED[info] = _find_star_parameters(info)
    return found


_STARRED: dict[TypeInfo, set[str]] = {}


def _find_star_parameters(info: TypeInfo) -> set[str]:
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
    # A tuple argument is a recurrent layer's `initial_state=(h, c)`: its parts follow the input.
    tensors = [part for group in ctx.arg_types for t in group for part in _tuple_items(t)]
    layer = get_proper_type(ctx.type)
    source = ctx.args[0][0] if ctx.args and ctx.args[0] else None
    callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
    check_reused(ctx, callee, layer, tensors)
    output = apply_rule(ctx, plugin.lookup, tensors, lambda shapes: run_layer(layer, shapes), source, layer=layer)
    hyper = layer_hyper(layer) if isinstance(layer, Instance) else None
    flag: object = hyper.return_state if isinstance(hyper, RecurrentHyper) else False
    if flag is False:
        return output
    if flag is not True:  # a bool the plugin cannot see (UNKNOWN): a tensor or a tuple
        return AnyType(TypeOfAny.special_form)
    assert isinstance(hyper, RecurrentHyper)
    # `seq, h, c = nn.LSTM(n, return_state=True)(x)`: the output, then the state's parts.
    builtin = named(ctx)
    states = [tensor_type(shape, builtin, plugin.lookup) for shape in hyper.state_shapes()]
    return TupleType([output, *states], builtin("builtins.tuple"))


def _tuple_items(typ: Type) -> list[Type]:
    proper = get_proper_type(typ)
    return list(proper.items) if isinstance(proper, TupleType) else [typ]


def _tensor_rshift(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    layer = get_proper_type(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    if layer is None:
        return ctx.default_return_type
    source = ctx.context.left if isinstance(ctx.context, OpExpr) else None
    tensor = _receiver(ctx)
    check_reused(ctx, ctx.context.right if isinstance(ctx.context, OpExpr) else None, layer, [tensor])
    return apply_rule(ctx, plugin.lookup, [tensor], lambda shapes: run_layer(layer, shapes), source, layer=layer)


def _receiver(ctx: MethodContext) -> Type:
    """The left operand's whole type: mypy calls an operator's hook once per member of a union.

    Each call then sees all the shapes the operand may hold, as a call `layer(h)` does,
    and gives the same answer (mypy joins them, and reports a repeated error once).
    """
    whole = expression_type(ctx, ctx.context.left) if isinstance(ctx.context, OpExpr) else None
    return whole if whole is not None else ctx.type


def _add(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    tensors = [_receiver(ctx), *(t for group in ctx.arg_types for t in group)]
    return apply_rule(ctx, plugin.lookup, tensors, lambda shapes: AddHyper().output_shape(*shapes))


def _concat(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    if not ctx.arg_types or any(kind == ARG_STAR for kind in ctx.arg_kinds[0]):
        return ctx.default_return_type
    axis = value_of(ctx.arg_types[1][0]) if len(ctx.arg_types) > 1 and ctx.arg_types[1] else -1
    hyper = ConcatenateHyper(axis=axis)
    return apply_rule(ctx, plugin.lookup, ctx.arg_types[0], lambda shapes: hyper.output_shape(*shapes), layer=axis)


def _residual(plugin: TypednnPlugin, ctx: FunctionContext) -> Type:
    """`residual(x, block, shortcut=)`: the block's rule, the shortcut's (or none), then Add's."""
    given = {name: types[0] for name, types in zip(ctx.callee_arg_names, ctx.arg_types) if types}
    if "x" not in given or "block" not in given:
        return ctx.default_return_type
    block, shortcut = get_proper_type(given["block"]), given.get("shortcut")
    side = get_proper_type(shortcut) if shortcut is not None else None

    def rule(shapes: list[Shape]) -> Shape:
        (x,) = shapes
        return AddHyper().output_shape(run_layer(block, [x]), x if side is None else run_layer(side, [x]))

    return apply_rule(ctx, plugin.lookup, [given["x"]], rule, layer=(block, side))


def _layer_rshift(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    left = members_of(get_proper_type(ctx.type))
    right = members_of(get_proper_type(ctx.arg_types[0][0])) if ctx.arg_types and ctx.arg_types[0] else None
    info = plugin.lookup(SEQUENTIAL)
    if left is None or right is None or info is None:
        return ctx.default_return_type
    return _compose(plugin, ctx, left + right, info)


def _compose(plugin: TypednnPlugin, ctx: Context, layers: list[Instance], info: TypeInfo) -> Type:
    """A `Sequential` of these layers, checked as far as it can be before it is applied."""
    chain = [member for layer in layers for member in (members_of(layer) or [layer])]
    sequential = Instance(info, list(chain))
    try:
        run_layer(sequential, [Shape.anything()])
    except ShapeError as error:
        return report(ctx, error, SHAPE)
    _check_declared(ctx, sequential)
    return sequential


_DECLARED: dict[object, TypednnError] = {}
"""Blocks that failed their declared type, by expression: mypy checks a `return` again without it."""


def _check_declared(ctx: Context, layer: Instance) -> None:
    """A layer or block returned where an `nn.Block[In, Out]` is expected must map `In` to `Out`.

    mypy checks a `return` of a call or operator with the declared type as context and,
    when that gives errors, again without one, keeping the second result if it passes;
    the error is then reported again whenever the expression is checked without it, so
    that it stands (mypy may try an operator more than once per pass).
    """
    block = expected(ctx)
    if block is None:
        again = _DECLARED.get(ctx.context)
        if again is not None:
            report(ctx, again, SHAPE)
        return
    try:
        error = check_declared(block, lambda: describe(layer), lambda x: run_layer(layer, [x]))
    except ShapeError as failed:
        error = failed
    if error is not None:
        _DECLARED[ctx.context] = error
        report(ctx, error, SHAPE)


def _loosen_other(ctx: MethodSigContext) -> FunctionLike:
    """`a + b` takes a tensor of any shape: `_add` says, more clearly, which shapes differ."""
    signature = ctx.default_signature
    if not isinstance(signature, CallableType) or not signature.arg_types:
        return signature
    return signature.copy_modified(arg_types=[erase_type(signature.arg_types[0]), *signature.arg_types[1:]])


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
        report(ctx, error, SHAPE)
        shapes = [Shape.anything()]  # still a tensor, of any shape: one bug, one error
    if shapes is None:
        return ctx.default_return_type
    builtin = named(ctx)
    return jnp_result(
        name, ctx, make_simplified_union([tensor_type(shape, builtin, plugin.lookup) for shape in shapes])
    )


def _jnp_ufunc_call(plugin: TypednnPlugin, ctx: MethodContext) -> Type:
    return _jnp_call(plugin, ufunc_name(ctx), ctx)
