"""How the mypy plugin reports: its error codes, one helper per error, builtin types for results.

Used only by the mypy plugin; imports mypy, never JAX.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.errorcodes import ErrorCode
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import AnyType, Instance, Type, TypeOfAny

from ._errors import TypednnError

SHAPE = ErrorCode("typednn-shape", "Tensor shapes that a layer cannot take", "typednn")
PARAM = ErrorCode("typednn-param", "A layer hyperparameter that is invalid", "typednn")

Context = FunctionContext | MethodContext


def report(ctx: Context, error: TypednnError, code: ErrorCode) -> Type:
    """Report an error; the result keeps its declared type, with unknown sizes.

    `Tensor[*tuple[Any, ...]]` is as permissive as `Any`, so one bug gives one error,
    and unlike `Any` it adds no strict-mode error (`no-any-return`) of its own.
    """
    ctx.api.fail(error.message, ctx.context, code=code)
    if error.hint:
        ctx.api.msg.note(f"hint: {error.hint}", ctx.context, code=code)
    return ctx.default_return_type


def named(ctx: Context) -> Callable[[str], Instance]:
    """A builtin class as a type: `builtins.tuple` is `tuple[Any, ...]`, the rest take no arguments."""

    def builtin(name: str) -> Instance:
        args: list[Type] = [AnyType(TypeOfAny.special_form)] if name == "builtins.tuple" else []
        return ctx.api.named_generic_type(name, args)

    return builtin
