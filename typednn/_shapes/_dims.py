"""Sizes and shapes as the shape rules see them: static ints, named symbols, sizes computed from one, unknowns.

Everything here is pure Python: the mypy plugin evaluates the same rules at check
time that graph validation evaluates at build time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, TypeAlias, TypeGuard


class Dim:
    """Base class of a named symbolic axis, e.g. a sequence length.

    Subclass it to name an axis whose size is known only when data arrives. Two
    different subclasses are two different axes, so mixing them is an error.

    Example:
        >>> import typednn as tn
        >>> class Seq(tn.Dim):
        ...     '''Tokens in a sequence.'''
        >>> tn.Input(Seq, 64).shape
        (Seq, 64)
    """


@dataclass(frozen=True)
class Symbol:
    """A named symbolic size: the axis a `Dim` subclass stands for, or a type variable.

    Attributes:
        fullname: The Dim subclass's (or the type variable's) full name.
        variable: Whether it is a type variable of a generic function (`TypeVar("H")`):
            a size the caller chooses, which may be any int or named dim. A `Dim` is
            nominal (it never equals a literal size or another `Dim`); a variable is
            only known to equal itself.
        origin: How the mypy plugin spells the symbol in a type (its `TypeVarType` or
            `Instance`), to write it back; not part of its identity.
    """

    fullname: str
    variable: bool = False
    origin: object = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.fullname.rpartition(".")[2]

    @classmethod
    def of(cls, dim: type[Dim]) -> Symbol:
        return cls(f"{dim.__module__}.{dim.__qualname__}")

    def __repr__(self) -> str:
        return self.name


class Unknown:
    """A size that cannot be computed statically (it comes from a runtime int)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "?"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Affine:
    """A size computed from one named size: ``(symbol * scale + offset) // divisor``, exactly.

    What a rule gives where a named size goes through fixed arithmetic: `Seq - 4` out of
    an unpadded convolution, `Seq * 2` out of an upsampling or a concatenation. The
    division is exact (never rounded): a rule divides a named size only where the
    quotient is provably whole, or where the layer cannot run otherwise (a reshape).

    The form is canonical, so that equal sizes are equal values: ``scale >= 1``,
    ``divisor >= 1``, no common factor of scale, offset and divisor, and never the
    symbol itself. Build one with `plus`, `times` and the divisions, not directly.

    Example:
        >>> seq = Symbol("app.Seq")
        >>> plus(seq, -4), times(seq, 2), exact_div(plus(seq, -4), 2)
        (Seq - 4, Seq * 2, (Seq - 4) // 2)
        >>> plus(plus(seq, -4), 4) == seq
        True
    """

    symbol: Symbol
    scale: int = 1
    offset: int = 0
    divisor: int = 1

    def at(self, value: Size) -> Size | None:
        """This size with the symbol standing for `value`; None when that is not a whole size.

        Example:
            >>> exact_div(plus(Symbol("app.Seq"), -4), 2).at(10)
            3
        """
        return _divide(plus(times(value, self.scale), self.offset), self.divisor, exact=True)

    def solve(self, size: Size) -> Size | None:
        """The size the symbol stands for when this size is `size`; None when no size gives it.

        Example:
            >>> seq = Symbol("app.Seq")
            >>> plus(seq, -4).solve(6), times(seq, 2).solve(7)
            (10, None)
        """
        found = _divide(plus(times(size, self.divisor), -self.offset), self.scale, exact=True)
        return None if isinstance(found, int) and found < 1 else found

    def __repr__(self) -> str:
        text = repr(self.symbol)
        if self.scale != 1:
            text += f" * {self.scale}"
        if self.offset:
            text += f" {'+' if self.offset > 0 else '-'} {abs(self.offset)}"
        if self.divisor != 1:
            text = (f"({text})" if " " in text else text) + f" // {self.divisor}"
        return text


Size: TypeAlias = int | Symbol | Affine | Unknown
"""One axis: a static int, a named symbol, a size computed from one, or unknown."""

Linear: TypeAlias = tuple[Symbol, int, int, int]
"""A named size as `(symbol, scale, offset, divisor)`: a `Symbol` is ``(symbol, 1, 0, 1)``."""


@dataclass(frozen=True)
class Shape:
    """The shape of one example (the batch axis is implicit and never listed).

    Attributes:
        dims: The known axes. When `open` is set these are the trailing axes only.
        open: Whether an unknown number of unknown axes precede `dims`; this is
            what is known of the input of a layer composed before it is applied.
        tokens: Whether the tensor holds integer token ids (`tn.Input(..., dtype="int32")`,
            typed `tn.Tokens`) rather than float features; None when unknown. Only a
            layer that takes tokens (`Embedding`) accepts them, and it accepts nothing else.
    """

    dims: tuple[Size, ...]
    open: bool = False
    tokens: bool | None = False

    @classmethod
    def of(cls, *dims: Size, tokens: bool = False) -> Shape:
        return cls(tuple(dims), tokens=tokens)

    @classmethod
    def anything(cls) -> Shape:
        """A shape of unknown rank (and unknown kind)."""
        return cls((), open=True, tokens=None)

    @property
    def rank(self) -> int | None:
        """The number of axes, or None for an open shape."""
        return None if self.open else len(self.dims)

    @property
    def last(self) -> Size:
        return self.dims[-1] if self.dims else UNKNOWN

    def with_last(self, size: Size) -> Shape:
        return Shape((*self.dims[:-1], size), self.open) if self.dims else Shape((size,), self.open)

    def ranked(self, rank: int) -> tuple[Size, ...] | None:
        """The axes as exactly `rank` sizes, unknown where an open shape says nothing.

        Returns None when the shape cannot have that rank.
        """
        if not self.open:
            return self.dims if len(self.dims) == rank else None
        if len(self.dims) > rank:
            return None
        return (UNKNOWN,) * (rank - len(self.dims)) + self.dims

    def __repr__(self) -> str:
        items = ["..."] if self.open else []
        items += [repr(d) for d in self.dims]
        return "(" + ", ".join(items) + ("," if len(items) == 1 and not self.open else "") + ")"


def listed(shapes: Sequence[Shape]) -> str:
    """Several shapes as a message shows what a rule received.

    Example:
        >>> listed((Shape.of(4, 8), Shape.of(3,)))
        '(4, 8) and (3,)'
    """
    return " and ".join(repr(x) for x in shapes)


def same_size(a: Size, b: Size) -> bool | None:
    """Whether two sizes are equal: True, False, or None when it cannot be known.

    A `Dim` differs from every int and every other `Dim`: a named axis has a size that
    varies with the data, so it never provably equals a fixed size; so does a size
    computed from one (`Seq - 4`). Two sizes computed from one symbol are equal when
    their canonical forms are, and provably different when no size of the symbol makes
    them equal: they differ by a nonzero constant (`Seq` and `Seq - 4`), or only a size
    below 1 or a fraction would (`Seq * 2` and `Seq`). Otherwise (`Seq * 2` and
    `Seq + 4`, equal when Seq is 4) it cannot be known. A type variable may stand for
    any size, so it is only known to equal itself and sizes computed from it.

    Example:
        >>> seq = Symbol("app.Seq")
        >>> same_size(plus(plus(seq, -4), 4), seq), same_size(plus(seq, -4), seq), same_size(times(seq, 2), seq)
        (True, False, False)
        >>> same_size(times(seq, 2), plus(seq, 4)), same_size(seq, 4), same_size(seq, Symbol("app.Time"))
        (None, False, False)
    """
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if a == b:
        return True
    left, right = linear(a), linear(b)
    if left is not None and right is not None and left[0] == right[0]:
        return None if _meet(a, b, left, right) else False
    if (left is not None and left[0].variable) or (right is not None and right[0].variable):
        return None
    return False


def _meet(a: Size, b: Size, left: Linear, right: Linear) -> bool:
    """Whether some size of their one symbol (a whole number, at least 1) makes `a` and `b` one size."""
    (_, s1, o1, d1), (_, s2, o2, d2) = left, right
    # a == b  <=>  (s1 * d2 - s2 * d1) * symbol == o2 * d1 - o1 * d2
    slope, gap = s1 * d2 - s2 * d1, o2 * d1 - o1 * d2
    if slope == 0 or gap % slope or gap // slope < 1:
        return False
    root = gap // slope
    values = [
        root if isinstance(size, Symbol) else size.at(root) if isinstance(size, Affine) else None for size in (a, b)
    ]
    return all(isinstance(value, int) and value >= 1 for value in values)


def linear(size: Size) -> Linear | None:
    """A named size as `(symbol, scale, offset, divisor)`, or None for an int or unknown."""
    if isinstance(size, Symbol):
        return size, 1, 0, 1
    if isinstance(size, Affine):
        return size.symbol, size.scale, size.offset, size.divisor
    return None


def affine(symbol: Symbol, scale: int, offset: int = 0, divisor: int = 1) -> Size:
    """``(symbol * scale + offset) // divisor`` in canonical form (the symbol itself when it is).

    Unknown for a form that no rule makes: a scale below 1 or a divisor below 1.
    """
    if scale < 1 or divisor < 1:
        return UNKNOWN
    common = math.gcd(scale, offset, divisor)
    scale, offset, divisor = scale // common, offset // common, divisor // common
    if (scale, offset, divisor) == (1, 0, 1):
        return symbol
    return Affine(symbol, scale, offset, divisor)


def plus(a: Size, b: Size) -> Size:
    """`a + b`: exact for ints, and for an int and a named size or two of one symbol; else unknown.

    Example:
        >>> seq = Symbol("app.Seq")
        >>> plus(3, 4), plus(seq, 2), plus(seq, seq), plus(seq, Symbol("app.Time"))
        (7, Seq + 2, Seq * 2, ?)
    """
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    left, right = linear(a), linear(b)
    if left is not None and isinstance(b, int):
        symbol, scale, offset, divisor = left
        return affine(symbol, scale, offset + b * divisor, divisor)
    if right is not None and isinstance(a, int):
        return plus(b, a)
    if left is not None and right is not None and left[0] == right[0]:
        (symbol, s1, o1, d1), (_, s2, o2, d2) = left, right
        return affine(symbol, s1 * d2 + s2 * d1, o1 * d2 + o2 * d1, d1 * d2)
    return UNKNOWN


def times(size: Size, factor: Size) -> Size:
    """`size * factor` for a positive int factor (either side); unknown for a product of two named sizes.

    Example:
        >>> times(plus(Symbol("app.Seq"), -1), 2)
        Seq * 2 - 2
    """
    if isinstance(size, int) and isinstance(factor, int):
        return size * factor
    if isinstance(size, int):
        return times(factor, size)
    found = linear(size)
    if found is None or not isinstance(factor, int) or factor < 1:
        return UNKNOWN
    symbol, scale, offset, divisor = found
    return affine(symbol, scale * factor, offset * factor, divisor)


def floor_div(size: Size, divisor: Size) -> Size:
    """`size // divisor` for a positive int divisor, where it is a size of the same form; else unknown.

    A named size keeps a form where the rounding is the same for every size of the symbol
    (`(Seq * 2 + 1) // 2` is `Seq`) or there is none (`(Seq * 2 + 2) // 2` is `Seq + 1`);
    `Seq // 2` depends on whether Seq is even, so it is unknown, never a wrong claim.

    Example:
        >>> seq = Symbol("app.Seq")
        >>> floor_div(plus(times(seq, 2), 1), 2), floor_div(seq, 2), floor_div(7, 2)
        (Seq, ?, 3)
    """
    found = _divide(size, divisor, exact=False)
    return UNKNOWN if found is None else found  # never None: only an exact division can fail


def ceil_div(size: Size, divisor: Size) -> Size:
    """`-(-size // divisor)`: the division rounded up, with `floor_div`'s care for named sizes."""
    if not isinstance(divisor, int) or divisor < 1:
        return UNKNOWN
    return floor_div(plus(size, divisor - 1), divisor)


def exact_div(size: Size, divisor: Size) -> Size:
    """`size / divisor` where the layer cannot run unless it is whole (a reshape's inferred axis).

    Example:
        >>> exact_div(times(Symbol("app.Seq"), 4), 8), exact_div(12, 8)
        (Seq // 2, ?)
    """
    found = _divide(size, divisor, exact=True)
    return UNKNOWN if found is None else found


def _divide(size: Size, divisor: Size, *, exact: bool) -> Size | None:
    """`size // divisor`; with `exact`, a claim that it is whole (None for an int that is not)."""
    if not isinstance(divisor, int) or divisor < 1 or isinstance(size, Unknown):
        return UNKNOWN
    if isinstance(size, int):
        return size // divisor if not exact or size % divisor == 0 else None
    found = linear(size)
    if found is None:
        return UNKNOWN
    symbol, scale, offset, below = found
    if scale % (below * divisor) == 0:
        # `symbol * scale / (below * divisor)` is whole for every size of the symbol: the
        # rounding depends on the offset alone.
        whole = scale // (below * divisor)
        share, rest = divmod(offset, below * divisor)
        if exact and rest:
            return None
        return affine(symbol, whole, share)
    if scale % divisor == 0 and offset % divisor == 0:
        # The numerator divides exactly; the old divisor, which shares no factor with
        # `divisor` (the form is canonical), still divides what is left.
        return affine(symbol, scale // divisor, offset // divisor, below)
    return affine(symbol, scale, offset, below * divisor) if exact else UNKNOWN


def either(a: Size, b: Size) -> Size:
    """The more specific of two sizes already known not to conflict."""
    return b if isinstance(a, Unknown) else a


def product(sizes: tuple[Size, ...]) -> Size:
    """The product of sizes: exact while at most one of them is named, else unknown.

    Example:
        >>> product((3, Symbol("app.Seq"), 4)), product((3, 4))
        (Seq * 12, 12)
    """
    total: Size = 1
    for size in sizes:
        total = times(total, size)
    return total


def is_known(size: object) -> bool:
    return not isinstance(size, Unknown)


def is_size(value: object) -> TypeGuard[Size]:
    """Whether a value can be the size of an axis: a positive int, a symbol, or unknown."""
    if isinstance(value, (Symbol, Unknown)):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


MAX_SIZE: Final = 2**31 - 1
"""The largest size of an axis, and of any size a hyperparameter states (units, a stride...).

JAX indexes arrays with 32-bit ints unless its 64-bit mode is on, so a longer axis
cannot be indexed: an LSTM of 2**31 units fails inside its initializer, a pool stride
of 10**20 inside XLA. A spec states sizes as plain ints of any length, so every size is
bounded where it is stated, and a bad one is refused there rather than deep in JAX.
"""


def too_large(value: object) -> bool:
    """Whether a value is an int beyond `MAX_SIZE` (in either direction)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE


def show_int(value: int) -> str:
    """An int for a message, shortened when it is long (a spec may hold thousands of digits).

    Example:
        >>> show_int(2**31), show_int(10**50)
        ('2147483648', '10000000000000000000... (51 digits)')
    """
    text = str(value)
    digits = len(text.lstrip("-"))
    return text if digits <= 24 else f"{text[:20]}... ({digits} digits)"


def too_large_message(name: str, value: object) -> str:
    """What a message says of a size past `MAX_SIZE`."""
    shown = show_int(value) if isinstance(value, int) else repr(value)
    if isinstance(value, int) and value < 0:
        return f"{name} must be at least -{MAX_SIZE:,} (-(2**31 - 1)), but is {shown}"
    return f"{name} must be at most {MAX_SIZE:,} (2**31 - 1), but is {shown}"
