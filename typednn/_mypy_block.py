"""`nn.Block[In, Out]` in the mypy plugin: a block's declared shapes as a rule, and the check of the block returned.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from mypy.plugin import FunctionContext, MethodContext
from mypy.types import Instance, Type, get_proper_type

from ._errors import TypednnError
from ._mypy_checker import type_context
from ._mypy_convert import tensor_shapes
from ._shapes import Hyper, Shape, ShapeError
from ._shapes._reuse import differ

BLOCK = "typednn.layers._block.Block"


@dataclass(frozen=True, kw_only=True)
class Declared(Hyper):
    """The rule of a layer known only by its declared type `nn.Block[In, Out]`: `In` in, `Out` out."""

    layer: ClassVar[str] = "Block"
    takes: Shape
    gives: Shape

    def output_shape(self, *inputs: Shape) -> Shape:
        # A declared block takes what its type says, features or token ids alike.
        if len(inputs) != 1:
            raise ShapeError(self.describe(), "1 input(s)", f"{len(inputs)}")
        return self.rule(*inputs)

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        if differ(x, self.takes):
            raise ShapeError(
                self.describe(),
                f"{self.takes!r} (its declared input)",
                repr(x),
                hint="give the block what its type says it takes, or change the helper's return type",
            )
        return self.gives

    def describe(self) -> str:
        return f"nn.Block[{self.takes!r} -> {self.gives!r}]"


def declared(typ: Type | None) -> Declared | None:
    """The rule a `Block[In, Out]` type states, when both sides are tensors of one shape each."""
    t = get_proper_type(typ)
    if not (isinstance(t, Instance) and t.type.fullname == BLOCK and len(t.args) == 2):
        return None
    takes, gives = (tensor_shapes(arg) for arg in t.args)
    if not (takes and gives and len(takes) == 1 and len(gives) == 1):
        return None
    return Declared(takes=takes[0], gives=gives[0])


def expected(ctx: FunctionContext | MethodContext) -> Declared | None:
    """The `Block` type the expression being checked must have (a helper's return type), if any."""
    return declared(type_context(ctx))


def check_declared(block: Declared, layer: Callable[[], str], rule: Callable[[Shape], Shape]) -> TypednnError | None:
    """Why a layer does not fit the type declared for it (what it gives from the declared input), or None.

    Raises:
        ShapeError: if it cannot take the declared input (its own rule's error).
    """
    gives = rule(block.takes)
    if not differ(gives, block.gives):
        return None
    return TypednnError(
        f"{layer()} gives {gives!r} from {block.takes!r},"
        f" but its declared type {block.describe()} gives {block.gives!r}",
        hint="fix the block, or the return type that declares it",
    )
