"""Sizes computed from a named dim, spelled as types: `tn.Minus[Seq, L[4]]` is ``Seq - 4``.

An unpadded convolution shortens a named axis, an upsampling multiplies it: the rules
compute such sizes exactly (`Affine`), and these four generic classes spell them in
annotations, where mypy can print and compare them. They are never instantiated.

The names say the arithmetic (`Plus`, `Minus`, `Times`, `Div`) rather than reuse an
operator's dunder name or a layer's (`nn.Add` adds tensors, not sizes), and each takes
exactly two sizes, so nested spellings read left to right: `tn.Div[tn.Minus[Seq, L[4]],
L[2]]` is ``(Seq - 4) // 2``. The plugin rewrites whatever a user writes into one
canonical spelling (`tn.Minus[tn.Plus[Seq, L[4]], L[4]]` is `Seq`), so equal sizes are
equal types.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from ._dims import UNKNOWN, Affine, Size, Unknown, exact_div, plus, times

_A = TypeVar("_A")
_B = TypeVar("_B")


class Plus(Generic[_A, _B]):
    """`Plus[A, B]`: the size ``A + B``, e.g. `Plus[Seq, L[2]]` after `ZeroPadding2D(1)` over `Seq`."""


class Minus(Generic[_A, _B]):
    """`Minus[A, L[n]]`: the size ``A - n``, e.g. `Minus[Seq, L[2]]` after an unpadded `Conv1D(kernel=3)`."""


class Times(Generic[_A, _B]):
    """`Times[A, L[n]]`: the size ``A * n``, e.g. `Times[Seq, L[2]]` after `UpSampling2D(2)` over `Seq`."""


class Div(Generic[_A, _B]):
    """`Div[A, L[n]]`: the size ``A // n``, a whole number: A is a multiple of n.

    A rule divides a named size only where the quotient is whole for every size of it,
    or where the layer cannot run otherwise (`Reshape(-1, 8)` over `(Seq, 4)` gives
    `Div[Seq, L[2]]`); a quotient that depends on the size (`Seq` pooled by 2) stays unknown.
    """


OPERATIONS: dict[str, type] = {cls.__name__: cls for cls in (Plus, Minus, Times, Div)}
"""The classes by name; the plugin and the run-time checker recognise them by these."""


def combine(operation: str, a: Size, b: Size) -> Size | None:
    """The size `operation` (a name of `OPERATIONS`) makes of `a` and `b`; None when it is not one.

    Unknown operands give an unknown size. None means the spelling names no size: a
    product of two named dims, a division that is not whole, a size below 1.

    Example:
        >>> from ._dims import Symbol
        >>> seq = Symbol("app.Seq")
        >>> combine("Minus", seq, 4), combine("Div", combine("Times", seq, 4), 2), combine("Minus", 3, 4)
        (Seq - 4, Seq * 2, None)
    """
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return UNKNOWN
    if operation == "Plus":
        found = plus(a, b)
    elif operation == "Minus":
        found = plus(a, -b) if isinstance(b, int) else UNKNOWN
    elif operation == "Times":
        found = times(a, b)
    elif operation == "Div":
        found = exact_div(a, b)
    else:
        return None
    if isinstance(found, Unknown) or (isinstance(found, int) and found < 1):
        return None
    return found


def spelling(size: Affine) -> list[tuple[str, int]]:
    """The canonical spelling of a computed size: the operations that make it from its symbol, in order.

    Example:
        >>> from ._dims import Symbol
        >>> spelling(exact_div(plus(times(Symbol("app.Seq"), 3), -4), 2))
        [('Times', 3), ('Minus', 4), ('Div', 2)]
    """
    steps: list[tuple[str, int]] = []
    if size.scale != 1:
        steps.append(("Times", size.scale))
    if size.offset:
        steps.append(("Plus", size.offset) if size.offset > 0 else ("Minus", -size.offset))
    if size.divisor != 1:
        steps.append(("Div", size.divisor))
    return steps
