"""Whether a dataset fits a model: the rule `Trainer.fit` applies at check and run time.

A named dim of the model (`tn.Input(Seq, 4)`) binds to the size the data has on that
axis, as a `tn.Dim` does in a checked call: one dataset gives it one size, in its
features and its targets alike. Data typed with a named dim must use the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._dims import Affine, Shape, Size, Symbol, Unknown, linear, same_size
from ._errors import ShapeError

FIT = "Trainer.fit"


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


def check_fit(
    model_in: Shape,
    model_out: Shape,
    features: Shape,
    target: Shape | None,
    classes: Size | None,
    *,
    method: str = FIT,
) -> None:
    """Check data against a model: features against its input, targets against its output.

    A named dim of the model binds to the data's size on its axis, the same size
    throughout the features and targets of one dataset.

    Args:
        model_in: The model's input shape.
        model_out: The model's output shape.
        features: The shape of one example's features.
        target: The shape of one example's target when it is a tensor.
        classes: The number of classes when targets are class ids (`tn.Classes[N]`).
        method: The method that checks, as messages name it.

    Raises:
        ShapeError: naming what disagrees.

    Example:
        >>> seq = Symbol("app.Seq")
        >>> check_fit(Shape.of(seq, 4), Shape.of(seq, 1), Shape.of(10, 4), Shape.of(10, 1), None)
        >>> try:
        ...     check_fit(Shape.of(seq, seq), Shape.of(3), Shape.of(10, 12), None, 3, method="Trainer.evaluate")
        ... except ShapeError as error:
        ...     print(error.layer)
        ...     print(error.hint)
        Trainer.evaluate
        Seq stands for one size, but the features have 10 at axis 0 and 12 at axis 1
    """
    bound = Bindings()
    check_features(model_in, features, method=method, bound=bound)
    check_targets(model_out, target, classes, method=method, bound=bound)


@dataclass(frozen=True)
class _Part:
    """One input or output of a model that has several, as messages name it."""

    kind: str  # "input" or "output"
    index: int
    count: int
    name: str | None

    def __str__(self) -> str:
        """`input 'meta' (2 of 2)`, or `input 2 of 2` when the name is not known (at check time)."""
        if self.name is None:
            return f"{self.kind} {self.index + 1} of {self.count}"
        return f"{self.kind} {self.name!r} ({self.index + 1} of {self.count})"

    @property
    def short(self) -> str:
        """`input 'meta'` or `input 2`: where a named dim took its size."""
        return f"{self.kind} {self.name!r}" if self.name is not None else f"{self.kind} {self.index + 1}"


def _parts(kind: str, count: int, names: tuple[str, ...] | None) -> list[_Part | None]:
    """Each input's (output's) part for messages; None for a model's only one, as `check_fit` words it."""
    if count == 1:
        return [None]
    return [_Part(kind, i, count, names[i] if names is not None and i < len(names) else None) for i in range(count)]


def _check_count(kind: str, noun: str, count: int, given: int, names: tuple[str, ...] | None, method: str) -> None:
    """A dataset gives one `noun` array (feature, target) per model `kind` (input, output)."""
    if count == given:
        return
    listed = f" ({', '.join(map(repr, names))})" if names is not None and len(names) == count else ""
    raise ShapeError(
        method,
        f"{noun}s for {_many(count, kind)}{listed}",
        f"data with {_many(given, f'{noun} array')}",
        hint=f"give one {noun} array per {kind} of the model: a tuple in its order, or a dict by {kind} name",
    )


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def check_fit_all(
    model_in: tuple[Shape, ...],
    model_out: tuple[Shape, ...],
    features: tuple[Shape, ...],
    targets: tuple[Shape | None, ...],
    classes: tuple[Size | None, ...],
    *,
    method: str = FIT,
    input_names: tuple[str, ...] | None = None,
    output_names: tuple[str, ...] | None = None,
    bound: Bindings | None = None,
) -> None:
    """Check data against a model with any number of inputs and outputs.

    The counts first (one feature array per input, one target array per output), then
    each input and output as `check_features` and `check_targets` do, one named dim
    having one size across the whole dataset. A message names the input or output that
    disagrees: by name when known (`input 'meta' (2 of 2)`), else by place
    (`input 2 of 2`). With one input and one output it is `check_fit`, word for word.

    Args:
        model_in: The model's input shapes, in order.
        model_out: The model's output shapes, in order.
        features: The shape of one example's features in each feature array.
        targets: The shape of one example's target in each target array; None where
            the targets are class ids.
        classes: The number of classes of each target array; None where it is a tensor.
        method: The method that checks, as messages name it.
        input_names: The model's input names (`tn.Input(..., name=)`), for messages.
        output_names: The model's output names, for messages.
        bound: The sizes of named dims met so far (they are bound here).

    Raises:
        ShapeError: naming the input or output that disagrees, or the counts.

    Example:
        >>> image, meta, label = Shape.of(32, 32, 3), Shape.of(8), Shape.of(10)
        >>> check_fit_all((image, meta), (label,), (image, meta), (None,), (10,))
        >>> names = ("image", "meta")
        >>> try:
        ...     check_fit_all((image, meta), (label,), (image, Shape.of(5)), (None,), (10,), input_names=names)
        ... except ShapeError as error:
        ...     print(error.expected)
        ...     print(error.actual)
        features of shape (8,) for input 'meta' (2 of 2)
        data whose features have shape (5,)
        >>> try:
        ...     check_fit_all((image, meta), (label,), (image,), (None,), (10,))
        ... except ShapeError as error:
        ...     print(error.message)
        Trainer.fit expects features for 2 inputs, but receives data with 1 feature array
    """
    _check_count("input", "feature", len(model_in), len(features), input_names, method)
    _check_count("output", "target", len(model_out), len(targets), output_names, method)
    bound = bound or Bindings()
    check_features_all(model_in, features, method=method, input_names=input_names, bound=bound)
    for shape, target, size, part in zip(
        model_out, targets, classes, _parts("output", len(model_out), output_names), strict=True
    ):
        _check_targets(shape, target, size, method, bound, part)


def check_features_all(
    model_in: tuple[Shape, ...],
    features: tuple[Shape, ...],
    *,
    method: str = FIT,
    input_names: tuple[str, ...] | None = None,
    bound: Bindings | None = None,
) -> None:
    """Check features alone against a model's inputs (`predict`), as `check_fit_all` does.

    Args:
        model_in: The model's input shapes, in order.
        features: The shape of one example's features in each feature array.
        method: The method that checks, as messages name it.
        input_names: The model's input names, for messages.
        bound: The sizes of named dims met so far (they are bound here).

    Raises:
        ShapeError: naming the input that disagrees, or the counts.

    Example:
        >>> try:
        ...     check_features_all((Shape.of(4), Shape.of(8)), (Shape.of(4), Shape.of(4)), method="Trainer.predict")
        ... except ShapeError as error:
        ...     print(error.layer, "expects", error.expected)
        Trainer.predict expects features of shape (8,) for input 2 of 2
    """
    _check_count("input", "feature", len(model_in), len(features), input_names, method)
    bound = bound or Bindings()
    for shape, given, part in zip(model_in, features, _parts("input", len(model_in), input_names), strict=True):
        _check_features(shape, given, method, bound, part)


def check_features(model_in: Shape, features: Shape, *, method: str = FIT, bound: Bindings | None = None) -> None:
    """Check the shape of one example's features against the model's input.

    Args:
        model_in: The model's input shape.
        features: The shape of one example's features.
        method: The method that checks, as messages name it.
        bound: The sizes of named dims met so far in this dataset (they are bound here).

    Raises:
        ShapeError: if they differ.
    """
    _check_features(model_in, features, method, bound or Bindings(), None)


def _check_features(model_in: Shape, features: Shape, method: str, bound: Bindings, part: _Part | None) -> None:
    """`check_features`; with several inputs, `part` says which input the messages are about."""
    if model_in.tokens and features.tokens is False:
        raise ShapeError(
            method,
            f"token ids of shape {model_in!r} "
            + ("(the model's input is tn.Tokens)" if part is None else f"for {part}, which is tn.Tokens"),
            f"data whose features are floats of shape {features!r}",
            hint="token ids are integer arrays: give the data as int32",
        )
    why = bound.match(model_in, features, "features" if part is None else f"features of {part.short}")
    if why is not None:
        raise ShapeError(
            method,
            f"features of shape {model_in!r} " + ("(the model's input)" if part is None else f"for {part}"),
            f"data whose features have shape {features!r}",
            hint=why or "reshape the data, or change the model's tn.Input",
        )


def check_targets(
    model_out: Shape,
    target: Shape | None,
    classes: Size | None,
    *,
    method: str = FIT,
    bound: Bindings | None = None,
) -> None:
    """Check targets against the model's output: one score per class, or the target's shape.

    Args:
        model_out: The model's output shape.
        target: The shape of one example's target when it is a tensor.
        classes: The number of classes when targets are class ids.
        method: The method that checks, as messages name it.
        bound: The sizes of named dims met so far in this dataset (the features').

    Raises:
        ShapeError: if they disagree.
    """
    _check_targets(model_out, target, classes, method, bound or Bindings(), None)


def _check_targets(
    model_out: Shape, target: Shape | None, classes: Size | None, method: str, bound: Bindings, part: _Part | None
) -> None:
    """`check_targets`; with several outputs, `part` says which output the messages are about."""
    # With several outputs, the messages say which output; with one, they read as ever.
    of = "" if part is None else f" of {part.short}"
    scorer = "a model that outputs one score per class" if part is None else "one score per class"
    source = "" if part is None else f" from {part}"
    got = "a model whose output has" if part is None else "an output of"
    outputs = f"(the model outputs {model_out!r})" if part is None else f"for {part}, which outputs {model_out!r}"
    if classes is not None:
        scores = model_out.ranked(1)
        if scores is None:
            raise ShapeError(
                method,
                f"{scorer}, (classes,),{source} for data with {classes!r} classes",
                f"{got} shape {model_out!r}",
                hint="flatten or pool the output, then end with Dense(classes)",
            )
        why = bound.size(scores[0], classes, "classes" + of)
        if why is not None:
            raise ShapeError(
                method,
                f"targets from {model_out.last!r} classes {outputs}",
                f"data with {classes!r} classes",
                hint=why or "make the last layer output one score per class",
            )
    elif target is not None:
        why = bound.match(model_out, target, "targets" + of)
        if why is not None:
            raise ShapeError(
                method,
                f"targets of shape {model_out!r} " + ("(the model's output)" if part is None else f"for {part}"),
                f"data whose targets have shape {target!r}",
                hint=why or None,
            )
