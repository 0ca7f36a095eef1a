"""The mypy plugin's view of `jax.numpy` calls on `tn.Tensor`: which calls, which arguments.

jax's own signatures stay the source of truth: the plugin widens each `Array` they
accept to `Array | tn.Tensor[...]` (a signature hook) and, only when a `tn.Tensor` is
actually passed, computes the result with the jax-free rules of `_shapes._jnp*` (a
function hook). A call without a `tn.Tensor` keeps jax's return type exactly.
No stub copies jax's signatures, so nothing goes stale when jax changes them.

A `tn.Tensor[L[4], L[8]]` is an array of shape `(batch, 4, 8)`, in a body as
everywhere (design.md section 2, and the run-time checker agrees): the rules see the
whole array, with the batch axis a named size of its own, so `axis=0` is the batch
axis, as it is for jax. A result whose first axis is still the batch is a `tn.Tensor`
again; one that reduced or moved it (`jnp.sum(x)`) is jax's own `Array`, and where such a
result is used as a tensor the plugin says that the batch axis went (`_mypy_batch`).

Used only by the mypy plugin; imports mypy and `_shapes`, never JAX.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.nodes import (
    ARG_STAR,
    ArgKind,
    CallExpr,
    Expression,
    ListExpr,
    MemberExpr,
    NameExpr,
    TupleExpr,
)
from mypy.plugin import MethodContext
from mypy.types import (
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    TupleType,
    Type,
    UnionType,
    get_proper_type,
)

from ._mypy_batch import batch_lost
from ._mypy_checker import expression_type
from ._mypy_convert import TENSOR, tensor_shapes, value_of
from ._mypy_layers import union_cases
from ._mypy_report import Context
from ._shapes import UNKNOWN, Shape, ShapeError, Symbol, Unknown
from ._shapes._einsum import einsum
from ._shapes._jnp import (
    ARG_REDUCTIONS,
    BINARY,
    LIKES,
    NN_ALONG_AXIS,
    NN_ELEMENTWISE,
    REDUCTIONS,
    TRIANGLES,
    UNARY,
    along_axis,
    broadcast,
    like,
    matmul,
    reduce,
    triangle,
)
from ._shapes._jnp_index import (
    take,
    take_along_axis,
)
from ._shapes._jnp_join import (
    concatenate,
    split,
    stack,
)
from ._shapes._jnp_layout import (
    broadcast_to,
    expand_dims,
    pad,
    reshape,
    squeeze,
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
BATCH = Symbol("typednn.batch")
"""The implicit batch axis of every `tn.Tensor` (design.md section 2): a named size of its own."""
SHAPED = frozenset(
    {
        "matmul",
        "reshape",
        "transpose",
        "swapaxes",
        "concatenate",
        "stack",
        "expand_dims",
        "squeeze",
        "clip",
        "where",
        "einsum",
        "pad",
        "take",
        "take_along_axis",
        "broadcast_to",
        "split",
    }
)
"""`jnp` functions with a rule of their own in `_shapes` (the families below have one each)."""
NUMPY_NAMES = UNARY | BINARY | REDUCTIONS | ARG_REDUCTIONS | TRIANGLES | LIKES | SHAPED
LISTS = frozenset({"jnp.split"})
"""Calls that return a list of arrays: their rule gives each piece's shape."""

Rule = Callable[[list[Shape]], Shape | list[Shape]]


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

    For `jnp.split` they are the pieces' shapes (see `jnp_result`).

    Raises:
        ShapeError: When the call's rule refuses the arguments, or when a result that is
            not batch-first (`jnp.mean(x, axis=0)`) is used where a `tn.Tensor` is expected.
    """
    short = name.rpartition(".")[2]
    family = _family(name, short, ctx)
    if family is None:
        return None
    arrays, rule = family
    if not any(_has_tensor(t) for group in arrays for t in group):
        return None
    # An array passed by `*args`, or not at all, says nothing of its shape.
    options = [_array_shapes(types[0]) if len(types) == 1 else [Shape.anything()] for types in arrays]
    cases = union_cases(options)
    if cases is None:
        return [Shape.anything()]
    results: list[Shape] = []
    failures: list[ShapeError] = []
    for case in cases:  # as for a layer call: an error only when every member of a union fails
        try:
            found = rule(list(case))
        except ShapeError as error:
            failures.append(error)
            continue
        for shape in found if isinstance(found, list) else [found]:
            example = _example(shape)
            if example is None:
                reduced = short in REDUCTIONS or short in ARG_REDUCTIONS
                batch_lost(_described(name, short, ctx), ctx, shape, reduced=reduced)
                return None  # the batch axis was reduced or moved away: an array, not a tensor
            if example not in results:
                results.append(example)
    if failures and not results:
        raise failures[0]
    return results


def jnp_result(name: str, ctx: Context, tensor: Type) -> Type:
    """The type of a covered call whose result shapes gave `tensor`: a list of them for `jnp.split`."""
    return ctx.api.named_generic_type("builtins.list", [tensor]) if name in LISTS else tensor


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


def _family(name: str, short: str, ctx: Context) -> tuple[list[list[Type]], Rule] | None:
    """The array arguments of a call (types per array, in order) and the rule of its shapes.

    None when the call is a form that gives no array of a shape (`jnp.where(condition)`).
    """
    first = _formal(ctx, 0, "a", "x", "ary", "arr", "array", "m")
    if name in ("jnp.concatenate", "jnp.stack"):
        items = _items(ctx, _formal(ctx, 0, "arrays"))
        axis = _value(ctx, 1, "axis", default=0)
        arrays = [[t] for t in items] if items is not None else [_formal(ctx, 0, "arrays")]
        join = concatenate if name == "jnp.concatenate" else stack
        # A list of unknown length (`list[Tensor[...]]`) gives no count to add up.
        return arrays, lambda s: Shape.anything() if items is None else join(s, axis, name=name)
    if name == "jnp.einsum":
        subscripts = _value(ctx, 0, "subscript", "subscripts", default=UNKNOWN)
        operands = _formal(ctx, 1, "operands")
        if ARG_STAR in _kinds(ctx, 1, "operands") or not isinstance(subscripts, str):
            return [[t] for t in operands], lambda s: Shape.anything()  # not a literal: shapes unknown
        return [[t] for t in operands], lambda s: einsum(subscripts, s, name=name)
    if name in ("jnp.where", "jnp.clip"):
        return _broadcast_family(name, ctx)
    if name == "jnp.matmul":
        return [first, _formal(ctx, 1, "b")], lambda s: matmul(s[0], s[1])
    if name in ("jnp.take", "jnp.take_along_axis"):
        axis = _value(ctx, 2, "axis", default=None)
        taken = take if name == "jnp.take" else take_along_axis
        return [first, _formal(ctx, 1, "indices")], lambda s: taken(s[0], s[1], axis, name=name)
    if short in LIKES:
        shape = _value(ctx, 3 if short == "full_like" else 2, "shape", default=None)
        if short != "full_like":
            return [first], lambda s: like(s[0], shape, name=name)
        return [first, _formal(ctx, 1, "fill_value")], lambda s: like(s[0], shape, s[1], name=name)
    if short in BINARY:
        # The ufunc protocol's and jnp.divide's `(x, y, /)`.
        return [first, _formal(ctx, 1, "y")], lambda s: broadcast(name, *s)
    return [first], _one_array_rule(name, short, ctx)


def _one_array_rule(name: str, short: str, ctx: Context) -> Rule:
    """The rule of a function of one array, with its other arguments read from the call."""
    if short in TRIANGLES:
        return lambda s: triangle(s[0], name=name)
    if short in REDUCTIONS or short in ARG_REDUCTIONS:
        axis = _value(ctx, 1, "axis", default=None)
        keepdims = _value(ctx, -1, "keepdims", default=False)
        keep = False if keepdims is None else keepdims  # argmax's default is None
        return lambda s: reduce(s[0], axis, keepdims=keep, name=name)
    if short in NN_ALONG_AXIS:
        axis = _value(ctx, 1, "axis", default=-1)
        return lambda s: along_axis(s[0], axis, name=name)
    if short == "swapaxes":
        axis1, axis2 = _value(ctx, 1, "axis1", default=UNKNOWN), _value(ctx, 2, "axis2", default=UNKNOWN)
        return lambda s: swapaxes(s[0], axis1, axis2)
    if short == "split":
        sections = _value(ctx, 1, "indices_or_sections", default=UNKNOWN)
        axis = _value(ctx, 2, "axis", default=0)
        return lambda s: split(s[0], sections, axis, name=name)
    if short in ONE_VALUE:
        rule, names, default = ONE_VALUE[short]
        value = _value(ctx, 1, *names, default=default)
        return lambda s: rule(s[0], value, name=name)
    return lambda s: s[0]  # elementwise: UNARY and jax.nn's activations


ONE_VALUE: dict[str, tuple[Callable[..., Shape], tuple[str, ...], Any]] = {
    "reshape": (reshape, ("shape", "newshape"), UNKNOWN),
    "transpose": (transpose, ("axes",), None),
    "expand_dims": (expand_dims, ("axis",), UNKNOWN),
    "squeeze": (squeeze, ("axis",), None),
    "pad": (pad, ("pad_width",), UNKNOWN),
    "broadcast_to": (broadcast_to, ("shape",), UNKNOWN),
}
"""Rules of one array and one more argument: the argument's names, and its value when left out."""


def _broadcast_family(name: str, ctx: Context) -> tuple[list[list[Type]], Rule] | None:
    """`jnp.where(condition, x, y)` and `jnp.clip(x, min, max)`: their arrays broadcast together."""
    if name == "jnp.where":
        if "size" in ctx.callee_arg_names:
            return None  # `jnp.where(condition)`: the indices of nonzero elements, of data-dependent size
        arrays = [_formal(ctx, 0, "condition"), _formal(ctx, 1, "x"), _formal(ctx, 2, "y")]
    else:
        given = [_formal(ctx, 0, "x"), _formal(ctx, 1, "min"), _formal(ctx, 2, "max")]
        old = [_formal(ctx, -1, "a"), _formal(ctx, -1, "a_min"), _formal(ctx, -1, "a_max")]
        # A bound left out (or None) clips nothing: it adds no axis.
        arrays = [new or was for new, was in zip(given, old)]
        arrays = [types for types in arrays if types and not isinstance(get_proper_type(types[0]), NoneType)]
    return arrays, lambda s: broadcast(name, *s)


def _formal(ctx: Context, position: int, *names: str) -> list[Type]:
    """The types passed for a parameter, found by name, else by position."""
    for name in names:
        if name in ctx.callee_arg_names:
            return ctx.arg_types[ctx.callee_arg_names.index(name)]
    return ctx.arg_types[position] if 0 <= position < len(ctx.arg_types) else []


def _value(ctx: Context, position: int, *names: str, default: Any) -> Any:
    types = _formal(ctx, position, *names)
    return value_of(types[0]) if types else default


def _kinds(ctx: Context, position: int, *names: str) -> list[ArgKind]:
    """How the arguments of a parameter were passed (`*args` is `ARG_STAR`), found like `_formal`."""
    for name in names:
        if name in ctx.callee_arg_names:
            return ctx.arg_kinds[ctx.callee_arg_names.index(name)]
    return ctx.arg_kinds[position] if 0 <= position < len(ctx.arg_kinds) else []


# --- a result that is no longer batch-first ---------------------------------------------


def _described(name: str, short: str, ctx: Context) -> str:
    """The call as messages show it: `jnp.mean(..., axis=0)`, `jnp.sum(...)`."""
    if short in REDUCTIONS or short in ARG_REDUCTIONS:
        axis = _value(ctx, 1, "axis", default=None)
        return f"{name}(..., axis={axis!r})" if axis is not None else f"{name}(...)"
    return f"{name}(...)"


def _items(ctx: Context, types: list[Type]) -> list[Type] | None:
    """The types of the arrays in a literal list or tuple of arrays, or None when unknown."""
    if len(types) != 1:
        return None
    t = get_proper_type(types[0])
    if isinstance(t, TupleType):
        return list(t.items)
    expr = _argument(ctx, types[0])
    if isinstance(expr, (ListExpr, TupleExpr)):
        found = [expression_type(ctx, item) for item in expr.items]
        return [f for f in found if f is not None] if all(f is not None for f in found) else None
    return None


def _argument(ctx: Context, typ: Type) -> Expression | None:
    for types, exprs in zip(ctx.arg_types, ctx.args):
        if types and types[0] is typ and exprs:
            return exprs[0]
    return None


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
