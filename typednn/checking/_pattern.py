"""What a `tn.Tensor[...]` annotation asks of one example's axes, read once per annotation."""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, get_args, get_origin

import typing_extensions

from .._errors import TypednnError
from .._shapes._arithmetic import OPERATIONS, combine
from .._shapes._dims import UNKNOWN, Affine, Dim, Size, Symbol, Unknown, is_size

_LITERALS = (typing.Literal, typing_extensions.Literal)
_UNPACKS = (typing.Unpack, typing_extensions.Unpack)


@dataclass(frozen=True)
class Exact:
    """An axis of a `Literal` size (or one of several, `L[1, 3]`)."""

    sizes: tuple[int, ...]

    def __str__(self) -> str:
        return " or ".join(map(str, self.sizes))


@dataclass(frozen=True)
class Free:
    """An axis of any size: `Any` (or `int`) in the annotation."""

    def __str__(self) -> str:
        return "Any"


@dataclass(frozen=True)
class Var:
    """An axis named by a `tn.Dim` subclass or a `TypeVar`: one size throughout a call.

    Attributes:
        key: The Dim subclass or TypeVar itself; bindings are keyed by it.
        name: How messages spell it.
        symbol: The `Symbol` of a Dim subclass, the one size of a symbolic tensor's axis
            that meets it; None for a TypeVar.
    """

    key: object
    name: str
    symbol: Symbol | None = None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Derived:
    """An axis whose size is computed from a named dim or a `TypeVar`: `tn.Minus[Seq, L[4]]`.

    Attributes:
        var: The dim or TypeVar it is computed from; bindings are those of `var`.
        size: The computation, over the symbol that stands for `var`.
    """

    var: Var
    size: Affine

    def __str__(self) -> str:
        return repr(self.size)


Spec: TypeAlias = Exact | Free | Var | Derived


@dataclass(frozen=True)
class Pattern:
    """The axes an annotation asks for, batch excluded.

    Attributes:
        head: The specs of the leading axes.
        rest: None for a fixed rank; otherwise the spec every axis between `head` and
            `tail` must meet (`*tuple[Any, ...]` gives `Free()`).
        tail: The specs of the trailing axes, after `rest`.
        text: The annotation as a user writes it, e.g. `tn.Tensor[L[28], L[28], L[1]]`.
    """

    head: tuple[Spec, ...]
    rest: Spec | None
    tail: tuple[Spec, ...]
    text: str

    @functools.cached_property  # read on every check
    def has_vars(self) -> bool:
        """Whether a named dim appears: only then does a check need the call's bindings."""
        return any(isinstance(spec, (Var, Derived)) for spec in (*self.head, self.rest, *self.tail))

    def expected(self) -> str:
        """The shape it stands for, batch included, e.g. `(batch, 28, 28, 1)` or `(batch, ..., 3)`."""
        middle = [] if self.rest is None else ["..."]
        return "(" + ", ".join(["batch", *map(str, self.head), *middle, *map(str, self.tail)]) + ")"

    def specs(self, rank: int) -> tuple[Spec, ...] | None:
        """The spec of each of `rank` axes, or None when the annotation cannot have that rank."""
        fixed = len(self.head) + len(self.tail)
        if self.rest is None:
            return self.head if rank == fixed else None
        if rank < fixed:
            return None
        return (*self.head, *(self.rest,) * (rank - fixed), *self.tail)


# typing caches subscripted generics, so an annotation evaluated at every call gives the
# same args tuple each time: finding it by identity skips hashing its Literal members,
# which costs more than the rest of a check. Entries keep their tuple alive, so an id
# is never reused while it is a key.
_BY_IDENTITY: dict[int, tuple[tuple[Any, ...], Pattern]] = {}


def pattern_of(args: tuple[Any, ...]) -> Pattern:
    """Read the type arguments of a `tn.Tensor[...]` annotation.

    A bare `tn.Tensor` (no arguments) stands for any rank, as `tn.Tensor[*tuple[Any, ...]]` does.

    Raises:
        TypednnError: if an argument is not a dim an annotation can state, or two are variadic.

    Example:
        >>> from typing import Any, Literal as L
        >>> pattern_of((L[28], L[28], L[1])).expected()
        '(batch, 28, 28, 1)'
        >>> pattern_of((*tuple[Any, ...], L[3])).text
        'tn.Tensor[*tuple[Any, ...], L[3]]'
    """
    known = _BY_IDENTITY.get(id(args))
    if known is not None and known[0] is args:
        return known[1]
    pattern = _read(args)
    if len(_BY_IDENTITY) >= 1024:  # annotations built afresh each time: let them go
        _BY_IDENTITY.clear()
    _BY_IDENTITY[id(args)] = (args, pattern)
    return pattern


@functools.lru_cache(maxsize=512)
def _read(args: tuple[Any, ...]) -> Pattern:
    if not args:
        return Pattern((), Free(), (), "tn.Tensor")
    text = "tn.Tensor[" + ", ".join(_spell(arg) for arg in args) + "]"
    head: list[Spec] = []
    rest: Spec | None = None
    tail: list[Spec] = []
    for arg in args:
        unpacked = _unpacked(arg)
        if unpacked is None:
            (head if rest is None else tail).append(_spec(arg, text))
            continue
        inner = get_args(unpacked) if get_origin(unpacked) is tuple else (Any, ...)
        if len(inner) == 2 and inner[1] is Ellipsis:
            if rest is not None:
                raise TypednnError(
                    f"{text}: an annotation may have one variadic part, but this one has two",
                    hint="write the known axes around a single *tuple[Any, ...]",
                )
            rest = _spec(inner[0], text)
        else:
            (head if rest is None else tail).extend(_spec(item, text) for item in inner if item != ())
    return Pattern(tuple(head), rest, tuple(tail), text)


def _unpacked(arg: Any) -> Any:
    """What `*X` or `Unpack[X]` unpacks, or None when `arg` is not unpacked."""
    if getattr(arg, "__unpacked__", False):  # `*tuple[...]` is the tuple alias, flagged
        return arg
    if get_origin(arg) in _UNPACKS:
        return get_args(arg)[0]
    return None


def _spec(arg: Any, text: str) -> Spec:
    if arg is Any or arg is int:
        return Free()
    if get_origin(arg) in _LITERALS:
        sizes = get_args(arg)
        if all(isinstance(size, int) and is_size(size) for size in sizes):
            return Exact(sizes)
    if isinstance(arg, type) and issubclass(arg, Dim) and arg is not Dim:
        return Var(arg, arg.__name__, Symbol.of(arg))
    if isinstance(arg, TypeVar):
        return Var(arg, arg.__name__)
    if get_origin(arg) in _OPERATIONS:
        return _derived(arg, text)
    raise TypednnError(
        f"{text}: {_spell(arg)} is not a dim",
        hint="write each axis as L[n] (a positive int), a tn.Dim subclass, a TypeVar, tn.Minus[Seq, L[4]] "
        "(or tn.Plus, tn.Times, tn.Div), Any, or *tuple[Any, ...]",
    )


_OPERATIONS = {cls: name for name, cls in OPERATIONS.items()}


def _derived(arg: Any, text: str) -> Spec:
    """The spec of `tn.Minus[Seq, L[4]]` and its kin: the size they compute from their one dim."""
    found: dict[Symbol, Var] = {}
    size = _computed(arg, found)
    if size is None or len(found) > 1:
        raise TypednnError(
            f"{text}: {_spell(arg)} is not a size",
            hint="compute a size from one tn.Dim (or TypeVar) and positive literals, e.g. tn.Minus[Seq, L[4]]",
        )
    if isinstance(size, int):
        return Exact((size,))
    if isinstance(size, Unknown):
        return Free()
    (var,) = found.values()
    return Derived(var, size) if isinstance(size, Affine) else var


def _computed(arg: Any, found: dict[Symbol, Var]) -> Size | None:
    """The size an operand spells, over symbols standing for its dims (collected in `found`)."""
    operation = _OPERATIONS.get(get_origin(arg))
    if operation is not None:
        a, b = (_computed(item, found) for item in get_args(arg))
        return None if a is None or b is None else combine(operation, a, b)
    if arg is Any:
        return UNKNOWN
    try:
        spec = _spec(arg, "")
    except TypednnError:  # not a dim: the caller names the whole spelling
        return None
    if isinstance(spec, Exact) and len(spec.sizes) == 1:
        return spec.sizes[0]
    if isinstance(spec, Var):
        # A TypeVar may stand for any size: a variable symbol, whose module keeps two apart.
        symbol = spec.symbol or Symbol(f"{getattr(arg, '__module__', '')}.{spec.name}", variable=True)
        found[symbol] = spec
        return symbol
    return None


def _spell(arg: Any) -> str:
    """An annotation argument as a user writes it (`L[28]`, `Seq`, `*tuple[Any, ...]`)."""
    unpacked = _unpacked(arg)
    if unpacked is not None:
        inner = get_args(unpacked)
        if get_origin(unpacked) is not tuple:
            return f"*{_spell(unpacked)}"
        items = [_spell(item) if item is not Ellipsis else "..." for item in inner]
        return "*tuple[" + (", ".join(items) if items else "()") + "]"
    if arg is Any:
        return "Any"
    if get_origin(arg) in _LITERALS:
        return "L[" + ", ".join(map(repr, get_args(arg))) + "]"
    if get_origin(arg) in _OPERATIONS:
        return f"tn.{_OPERATIONS[get_origin(arg)]}[" + ", ".join(map(_spell, get_args(arg))) + "]"
    name = getattr(arg, "__name__", None)
    return name if isinstance(name, str) else repr(arg)
