"""A `jax.numpy` result that lost the batch axis, used as a tensor: the mypy plugin says why.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from mypy.nodes import AssignmentStmt, LambdaExpr, NameExpr, ReturnStmt
from mypy.subtypes import is_subtype
from mypy.types import CallableType, Instance, NoneType, Type, UnionType, get_proper_type

from ._mypy_assignments import statements
from ._mypy_checker import function, type_context
from ._mypy_convert import TENSOR
from ._mypy_report import Context
from ._shapes import Shape, ShapeError


def batch_lost(call: str, ctx: Context, shape: Shape, *, reduced: bool) -> None:
    """Explain a result that reduced (`reduced`) or moved the batch axis, where it is used as a tensor.

    Reducing over the batch (`jnp.mean(x, axis=0)`) is legitimate jax code, so it is no
    error by itself: the result is jax's own `Array`. It bites where that array is used as
    a `tn.Tensor`, where mypy alone would only say `got "Array"`. So when the call's own
    type context is a tensor (`return jnp.mean(x, axis=0)` in a function returning one, an
    annotated assignment, an argument), this raises an error that says why; when the result
    is stored in a variable that the function returns as a tensor, it adds a note.

    Args:
        call: The call as messages show it (`jnp.mean(..., axis=0)`).
        ctx: The hook's context.
        shape: The result's whole shape.
        reduced: Whether the call reduced the batch axis (else it moved it).

    Raises:
        ShapeError: When the call's type context expects a `tn.Tensor`.
    """
    what = "reduces the batch axis" if reduced else "does not keep the batch axis first"
    hint = (
        "axis 0 of a tn.Tensor is its batch (the implicit leading axis): "
        + ("reduce over axes 1 and up (e.g. axis=-1)" if reduced else "keep axis 0 where it is")
        + ", or annotate the result as jax.Array"
    )
    expected = type_context(ctx)
    if expected is not None and _wants_tensor(expected) and not is_subtype(ctx.default_return_type, expected):
        raise BatchAxisError(call, what, shape, hint=hint)
    returned = _returned_variable(ctx)
    if returned is not None:
        ctx.api.msg.note(
            f"{call} {what}, so `{returned}` is a jax.Array of shape {shape!r}, not a tn.Tensor; {hint}",
            ctx.context,
        )


class BatchAxisError(ShapeError):
    """A call's result that is no longer batch-first, used where a `tn.Tensor` is expected."""

    def __init__(self, call: str, what: str, shape: Shape, *, hint: str) -> None:
        super().__init__(call, "a result whose axis 0 is the batch, to be a tn.Tensor", repr(shape), hint=hint)
        self.message = f"{call} {what}: its result has shape {shape!r}, a jax.Array, not a tn.Tensor"


def _wants_tensor(typ: Type) -> bool:
    """Whether a type asks for a tensor: a `tn.Tensor`, or a union of tensors (and None)."""
    t = get_proper_type(typ)
    if isinstance(t, UnionType):
        items = [get_proper_type(item) for item in t.items]
        return any(_wants_tensor(i) for i in items) and all(_wants_tensor(i) or isinstance(i, NoneType) for i in items)
    return isinstance(t, Instance) and t.type.has_base(TENSOR)


def _returned_variable(ctx: Context) -> str | None:
    """The variable the call is assigned to, when the enclosing function returns it as a tensor."""
    func = function(ctx)
    if func is None or isinstance(func, LambdaExpr) or not isinstance(func.type, CallableType):
        return None
    if not _wants_tensor(func.type.ret_type):
        return None
    target: str | None = None
    returned: set[str] = set()
    for statement in statements(func.body):
        if isinstance(statement, AssignmentStmt) and statement.rvalue is ctx.context:
            lvalue = statement.lvalues[0] if len(statement.lvalues) == 1 else None
            target = lvalue.name if isinstance(lvalue, NameExpr) else None
        elif isinstance(statement, ReturnStmt) and isinstance(statement.expr, NameExpr):
            returned.add(statement.expr.name)
    return target if target in returned else None
