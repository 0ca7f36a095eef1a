"""Sizes and shapes as the shape rules see them: static ints, named symbols, unknowns.

Everything here is pure Python: the mypy plugin evaluates the same rules at check
time that graph validation evaluates at build time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias, TypeGuard


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
    """A named symbolic size: the axis a `Dim` subclass stands for."""

    fullname: str

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

Size: TypeAlias = int | Symbol | Unknown
"""One axis: a static int, a named symbol, or unknown."""


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


def same_size(a: Size, b: Size) -> bool | None:
    """Whether two sizes are equal: True, False, or None when it cannot be known.

    A symbol differs from every int and every other symbol: a named axis has a size
    that varies with the data, so it never provably equals a fixed size.
    """
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    return a == b


def either(a: Size, b: Size) -> Size:
    """The more specific of two sizes already known not to conflict."""
    return b if isinstance(a, Unknown) else a


def product(sizes: tuple[Size, ...]) -> Size:
    total = 1
    for size in sizes:
        if not isinstance(size, int):
            return UNKNOWN
        total *= size
    return total


def is_known(size: object) -> bool:
    return not isinstance(size, Unknown)


def is_size(value: object) -> TypeGuard[Size]:
    """Whether a value can be the size of an axis: a positive int, a symbol, or unknown."""
    if isinstance(value, (Symbol, Unknown)):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
