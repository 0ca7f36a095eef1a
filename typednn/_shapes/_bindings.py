"""The sizes named dims take in one dataset: `Bindings`, which the data rule (`_data.py`) fills.

A named dim of the model (`tn.Input(Seq, 4)`) binds to the size the data has on that
axis, as a `tn.Dim` does in a checked call: one dataset gives it one size, in its
features and its targets alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._dims import Affine, Shape, Size, Symbol, Unknown, linear, same_size


@dataclass(frozen=True)
class _Bound:
    """What a named dim stands for in one dataset, and where it took that size."""

    value: Size
    part: str
    axis: int | None
    expression: Size  # the model's size there: the symbol, or a size computed from it
    seen: Size  # the data's size there


class Bindings:
    """The size each named dim of a model has in one dataset: the first size it meets.

    A size computed from a named dim (`Seq - 4`, after an unpadded convolution) binds
    the dim too, to the size that gives the data's: `Seq - 4` meeting 6 makes Seq 10.

    Example:
        >>> bound = Bindings()
        >>> seq = Symbol("app.Seq")
        >>> bound.match(Shape.of(seq, 4), Shape.of(10, 4), "features")
        >>> bound.match(Shape.of(seq), Shape.of(12), "targets")
        'Seq stands for one size, but the features have 10 at axis 0 and the targets have 12 at axis 0'
    """

    def __init__(self) -> None:
        self._bound: dict[Symbol, _Bound] = {}

    def match(self, model: Shape, data: Shape, part: str) -> str | None:
        """Match the data's shape to the model's, binding named dims.

        Args:
            model: The model's shape (input or output).
            data: The shape of one example's features or targets.
            part: Which it is (``"features"``, ``"targets"``), for messages.

        Returns:
            None when they agree; else why not: a sentence when a named dim meets two
            sizes, an empty string for any other difference.
        """
        if model.open or data.open:
            return None
        if len(model.dims) != len(data.dims):
            return ""
        for axis, (expected, actual) in enumerate(zip(model.dims, data.dims)):
            why = self.size(expected, actual, part, axis)
            if why is not None:
                return why
        return None

    def size(self, expected: Size, actual: Size, part: str, axis: int | None = None) -> str | None:
        """Match one size of the model's to the data's (at `axis` of `part`); as `match`."""
        named = linear(expected)
        if named is None or isinstance(actual, Unknown):
            return None if same_size(expected, actual) is not False else ""
        symbol = named[0]
        first = self._bound.get(symbol)
        if first is not None:
            value = _at(expected, first.value)
            if value is not None and same_size(value, actual) is not False:
                return None
            if not (isinstance(value, int) and isinstance(actual, int) and isinstance(first.value, int)):
                return ""
            return _conflict(symbol, first, _Bound(value, part, axis, expected, actual))
        if isinstance(actual, int):
            # Data arrays have int sizes: the dim takes the size that gives this one.
            solved = actual if isinstance(expected, Symbol) else _solve(expected, actual)
            if solved is None:
                return ""
            self._bound[symbol] = _Bound(solved, part, axis, expected, actual)
            return None
        # Data typed with named dims (check time) must name the same axis: `Time` is not `Seq`.
        verdict = same_size(expected, actual)
        if verdict is True:
            self._bound[symbol] = _Bound(symbol, part, axis, expected, actual)
        return "" if verdict is False else None

    def value(self, size: Size) -> Size:
        """`size` with the named dim it is computed from replaced by its bound size.

        Example:
            >>> bound, seq = Bindings(), Symbol("app.Seq")
            >>> bound.match(Shape.of(seq), Shape.of(10), "inputs")
            >>> bound.value(seq), bound.value(Affine(seq, 1, -4)), bound.value(3)
            (10, 6, 3)
        """
        named = linear(size)
        first = None if named is None else self._bound.get(named[0])
        found = None if first is None else _at(size, first.value)
        return size if found is None else found


def _at(expression: Size, value: Size) -> Size | None:
    return value if isinstance(expression, Symbol) else expression.at(value) if isinstance(expression, Affine) else None


def _solve(expression: Size, size: int) -> Size | None:
    return expression.solve(size) if isinstance(expression, Affine) else None


def _conflict(symbol: Symbol, first: _Bound, now: _Bound) -> str:
    """Why a named dim cannot take the data's sizes: `Seq stands for one size, but ...`."""
    if first.expression == symbol and now.expression == symbol:
        second = f"{now.seen!r} at axis {now.axis}" if now.part == first.part else _has(now)
        return f"{symbol!r} stands for one size, but {_has(first)} and {second}"
    source = _has(first) + ("" if first.expression == symbol else f" for {first.expression!r}")
    so = "" if now.expression == symbol else f", so {now.expression!r} is {now.value!r}"
    return f"{symbol!r} is {first.value!r} as {source}{so}, but {_has(now)}"


def _has(bound: _Bound) -> str:
    if bound.axis is None:
        return f"the data has {bound.seen!r} {bound.part}"
    return f"the {bound.part} have {bound.seen!r} at axis {bound.axis}"
