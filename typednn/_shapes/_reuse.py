"""A layer applied twice: its parameters were made for the shapes of its first use."""

from __future__ import annotations

from ._dims import Shape, same_size
from ._errors import ShapeError


def differ(a: Shape, b: Shape) -> bool:
    """Whether two shapes are provably different (an open shape or an unknown size may be anything)."""
    if a.open or b.open:
        return False
    return len(a.dims) != len(b.dims) or any(same_size(x, y) is False for x, y in zip(a.dims, b.dims))


def fits_first_use(first: tuple[Shape, ...], received: tuple[Shape, ...]) -> bool:
    """Whether inputs may have the shapes of a layer's first use (none provably differs)."""
    return len(first) == len(received) and not any(differ(a, b) for a, b in zip(first, received))


def check_reuse(
    layer: str, first: tuple[Shape, ...], received: tuple[Shape, ...], *, first_at: str = "", where: str | None = None
) -> None:
    """Check the inputs of a layer with parameters against those of its first use.

    Args:
        layer: The layer, as written (e.g. ``Dense(64)``).
        first: The input shapes at its first use.
        received: The input shapes now.
        first_at: Where the first use is, for the message (e.g. ``" at line 7"``).
        where: The layer's path in a model.

    Raises:
        ShapeError: if an input's shape provably differs from its first use's.

    Example:
        >>> try:
        ...     check_reuse("Dense(64)", (Shape.of(300),), (Shape.of(200),))
        ... except ShapeError as error:
        ...     print(error.expected)
        (300,) as at its first use (its parameters were made for that)
    """
    if fits_first_use(first, received):
        return
    raise ShapeError(
        layer,
        f"{', '.join(map(repr, first))} as at its first use{first_at} (its parameters were made for that)",
        ", ".join(map(repr, received)),
        hint="a layer applied twice shares its parameters; make a new layer for a different shape",
        where=where,
    )
