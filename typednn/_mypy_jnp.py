"""The mypy plugin's view of `jax.numpy` calls on `tn.Tensor`: which calls, which arguments.

jax's own signatures stay the source of truth: the plugin widens each `Array` they
accept to `Array | tn.Tensor[...]` (a signature hook) and, only when a `tn.Tensor` is
actually passed, computes the result with the jax-free rules of `_shapes._jnp` (a
function hook). A call without a `tn.Tensor` keeps jax's return type exactly.
No stub copies jax's signatures, so nothing goes stale when jax changes them.

A `tn.Tensor[L[4], L[8]]` is an array of shape `(batch, 4, 8)`, in a body as
everywhere (design.md section 2, and the run-time checker agrees): the rules see the
whole array, with the batch axis a named size of its own, so `axis=0` is the batch
axis, as it is for jax. A result whose first axis is still the batch is a `tn.Tensor`
again; one that reduced or moved it (`jnp.sum(x)`) is jax's own `Array`.

Used only by the mypy plugin; imports mypy and `_shapes`, never JAX.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from mypy.nodes import CallExpr, Expression, ListExpr, MemberExpr, NameExpr, TupleExpr
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import (
    CallableType,
    Instance,
    LiteralType,
    TupleType,
    Type,
    UnionType,
    get_proper_type,
)

from ._mypy_convert import TENSOR, tensor_shapes, value_of
from ._shapes import UNKNOWN, Shape, Symbol, Unknown
from ._shapes._jnp import (
    BINARY,
    NN_ALONG_AXIS,
    NN_ELEMENTWISE,
    REDUCTIONS,
    UNARY,
    along_axis,
    broadcast,
    concatenate,
    matmul,
    reduce,
    reshape,
    swapaxes,
    transpose,
)

ARRAY = "jax._src.basearray.Array"
UFUNC_CALL = "jax.numpy.BinaryUfunc.__call__"
"""`jnp.add`, `jnp.maximum`, ... are instances of this protocol: calls go through its `__call__`."""
NUMPY = "jax.numpy."
NN = ("jax.nn.", "jax._src.nn.functions.")
SEQUENCES = ("builtins.list", "builtins.tuple", "typing.Sequence")
SCALARS = ("builtins.int", "builtins.float", "builtins.bool", "builtins.complex")
MAX_CASES = 64
BATCH = Symbol("typednn.batch")
"""The implicit batch axis of every `tn.Tensor` (design.md section 2): a named size of its own."""
NUMPY_NAMES = UNARY | BINARY | REDUCTIONS | {"matmul", "reshape", "transpose", "swapaxes", "concatenate"}

Context = FunctionContext | MethodContext


def jnp_name(fullname: str) -> str | None:
    """How messages name a covered function (`jnp.matmul`, `jax.nn.relu`), or None."""
    if fullname.startswith(NUMPY) and fullname[len(NUMPY) :] in NUMPY_NAMES:
        return f"jnp.{fullname[len(NUMPY) :]}"
    for prefix in NN:
        name = fullname[len(prefix) :]
        if fullname.startswith(prefix) and name in NN_ELEMENTWISE | NN_ALONG_AXIS:
            return f"jax.nn.{name}"
    return None


def widen(signature: CallableType, tensor: Type) -> CallableType:
    """The signature jax declares, with `tensor` accepted wherever it accepts an `Array`."""
    return signature.copy_modified(arg_types=[_widen(t, tensor) for t in signature.arg_types])


def _widen(typ: Type, tensor: Type) -> Type:
    """`typ` with `Array | tensor` for each `Array` in it; `typ` itself (alias names kept) when none is."""
    t = get_proper_type(typ)
    if isinstance(t, Instance) and t.type.fullname == ARRAY:
        return UnionType([t, tensor])
    if isinstance(t, UnionType):
        items: list[Type] = []
        for item in t.items:
            proper = get_proper_type(item)
            if isinstance(proper, Instance) and proper.type.fullname == ARRAY:
                items += [proper, tensor]  # flat, so messages list the union as jax spells it
            else:
                items.append(_widen(item, tensor))
        return UnionType(items) if any(a is not b for a, b in zip(items, t.items)) or len(items) > len(t.items) else typ
    if isinstance(t, Instance) and t.args:  # Sequence[ArrayLike]: jnp.concatenate's arrays
        args = [_widen(arg, tensor) for arg in t.args]
        return t.copy_modified(args=args) if any(a is not b for a, b in zip(args, t.args)) else typ
    return typ


def ufunc_name(ctx: MethodContext) -> str:
    """`jnp.add` for a call `jnp.add(x, y)`: the protocol's `__call__` does not know its name."""
    callee = ctx.context.callee if isinstance(ctx.context, CallExpr) else None
    name = callee.name if isinstance(callee, (MemberExpr, NameExpr)) else "__call__"
    return f"jnp.{name}"


def jnp_shapes(name: str, ctx: Context) -> list[Shape] | None:
    """The result shapes of a covered call (several for union arguments), or None for jax's own type.

    Raises:
        ShapeError: When the call's rule refuses the arguments.
    """
    short = name.rpartition(".")[2]
    arrays, rule = _family(name, short, ctx)
    if not any(_has_tensor(t) for group in arrays for t in group):
        return None
    # An array passed by `*args`, or not at all, says nothing of its shape.
    options = [_array_shapes(types[0]) if len(types) == 1 else [Shape.anything()] for types in arrays]
    results: list[Shape] = []
    for case in itertools.islice(itertools.product(*options), MAX_CASES):
        example = _example(rule(list(case)))
        if example is None:
            return None  # the batch axis was reduced or moved away: an array, not a tensor
        if example not in results:
            results.append(example)
    return results


def _batched(shape: Shape) -> Shape:
    """A tensor's whole array: the implicit batch axis in front of one example's axes."""
    return shape if shape.open else Shape((BATCH, *shape.dims))


def _example(shape: Shape) -> Shape | None:
    """One example's axes of a result whose first axis is the batch, or None when it is not."""
    if shape.open:
        # Axes up to a batch axis belong to the unknown leading ones.
        cut = max((i + 1 for i, d in enumerate(shape.dims) if d == BATCH), default=0)
        return Shape(shape.dims[cut:], open=True)
    if shape.dims and shape.dims[0] == BATCH:
        return Shape(tuple(UNKNOWN if d == BATCH else d for d in shape.dims[1:]))
    if shape.dims and isinstance(shape.dims[0], Unknown):
        return Shape.anything()  # the first axis may be the batch: gradual, never a false error
    return None


def _family(name: str, short: str, ctx: Context) -> tuple[list[list[Type]], Callable[[list[Shape]], Shape]]:
    """The array arguments of a call (types per array, in order) and the rule of its shapes."""
    first = _formal(ctx, 0, "a", "x")
    if name == "jnp.concatenate":
        items = _items(ctx, _formal(ctx, 0, "arrays"))
        axis = _value(ctx, 1, "axis", default=0)
        arrays = [[t] for t in items] if items is not None else [_formal(ctx, 0, "arrays")]
        return arrays, lambda s: _concat(s, axis, items is None)
    if name == "jnp.matmul":
        return [first, _formal(ctx, 1, "b")], lambda s: matmul(s[0], s[1])
    if name == "jnp.reshape":
        shape = _value(ctx, 1, "shape", "newshape", default=UNKNOWN)
        return [first], lambda s: reshape(s[0], shape)
    if name == "jnp.transpose":
        axes = _value(ctx, 1, "axes", default=None)
        return [first], lambda s: transpose(s[0], axes)
    if name == "jnp.swapaxes":
        axis1, axis2 = _value(ctx, 1, "axis1", default=UNKNOWN), _value(ctx, 2, "axis2", default=UNKNOWN)
        return [first], lambda s: swapaxes(s[0], axis1, axis2)
    if short in REDUCTIONS:
        axis = _value(ctx, 1, "axis", default=None)
        keepdims = _value(ctx, -1, "keepdims", default=False)
        return [first], lambda s: reduce(s[0], axis, keepdims=keepdims, name=name)
    if short in NN_ALONG_AXIS:
        axis = _value(ctx, 1, "axis", default=-1)
        return [first], lambda s: along_axis(s[0], axis, name=name)
    if short in UNARY or short in NN_ELEMENTWISE:
        return [first], lambda s: s[0]
    # Binary: the ufunc protocol's and jnp.divide's `(x, y, /)`.
    return [first, _formal(ctx, 1, "y")], lambda s: broadcast(name, *s)


def _concat(shapes: list[Shape], axis: Any, unknown_count: bool) -> Shape:
    # A list of unknown length (`list[Tensor[...]]`) gives no count to add up.
    return Shape.anything() if unknown_count else concatenate(shapes, axis)


def _formal(ctx: Context, position: int, *names: str) -> list[Type]:
    """The types passed for a parameter, found by name, else by position."""
    for name in names:
        if name in ctx.callee_arg_names:
            return ctx.arg_types[ctx.callee_arg_names.index(name)]
    return ctx.arg_types[position] if 0 <= position < len(ctx.arg_types) else []


def _value(ctx: Context, position: int, *names: str, default: Any) -> Any:
    types = _formal(ctx, position, *names)
    return value_of(types[0]) if types else default


def _items(ctx: Context, types: list[Type]) -> list[Type] | None:
    """The types of the arrays in a literal list or tuple of arrays, or None when unknown."""
    if len(types) != 1:
        return None
    t = get_proper_type(types[0])
    if isinstance(t, TupleType):
        return list(t.items)
    expr = _argument(ctx, types[0])
    if isinstance(expr, (ListExpr, TupleExpr)):
        found = [_expression_type(ctx, item) for item in expr.items]
        return [f for f in found if f is not None] if all(f is not None for f in found) else None
    return None


def _argument(ctx: Context, typ: Type) -> Expression | None:
    for types, exprs in zip(ctx.arg_types, ctx.args):
        if types and types[0] is typ and exprs:
            return exprs[0]
    return None


def _expression_type(ctx: Context, expr: Expression) -> Type | None:
    # The items were checked with the call's arguments; read their types, do not re-check them.
    lookup = getattr(ctx.api, "lookup_type_or_none", None)
    found = lookup(expr) if lookup is not None else None
    return found if isinstance(found, Type) else None


def _has_tensor(typ: Type) -> bool:
    """Whether an argument is a `tn.Tensor` (a literal tuple: holds one; a sequence: of tensors only).

    A union counts only when every member is a tensor: the widened signature is the type
    context of the arguments, so an inferred `list[Array | ... | Tensor[...]]` (from
    `[a.reshape(...) for a in arrays]`) names a tensor without holding one.
    """
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        return all(_has_tensor(item) for item in t.items)
    if isinstance(t, TupleType):
        return any(_has_tensor(item) for item in t.items)
    if isinstance(t, Instance):
        if t.type.has_base(TENSOR):
            return True
        return len(t.args) == 1 and t.type.fullname in SEQUENCES and _has_tensor(t.args[0])
    return False


def _array_shapes(typ: Type) -> list[Shape]:
    """The shapes an array argument may have: a tensor's, a scalar's `()`, or any (a jax.Array)."""
    found = tensor_shapes(typ)
    if found is not None:
        return [_batched(shape) for shape in found]
    t = get_proper_type(typ)
    if isinstance(t, LiteralType) or (isinstance(t, Instance) and t.type.fullname in SCALARS):
        return [Shape.of()]
    if isinstance(t, UnionType):
        return [shape for item in t.items for shape in _array_shapes(item)]
    return [Shape.anything()]  # a jax.Array, an np.ndarray, Any
