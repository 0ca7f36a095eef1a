"""Whether a dataset fits a model: the rule `Trainer.fit` applies at check and run time.

A named dim of the model (`tn.Input(Seq, 4)`) binds to the size the data has on that
axis, as a `tn.Dim` does in a checked call: one dataset gives it one size, in its
features and its targets alike. Data typed with a named dim must use the same one.

Class ids fit a model that outputs one score per class: `(classes,)` for one id per
example; `(*positions, classes)` for ids with positions (a tagger's `(seq,)` ids, typed
`tn.Classes[L[10], Seq]`), whose positions bind named dims as any target's axes do.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._bindings import Bindings
from ._dims import UNKNOWN, Shape, Size
from ._errors import ShapeError

FIT = "Trainer.fit"


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
        target: The shape of one example's target when it is a tensor; for class ids,
            the shape of their positions (None for one id per example).
        classes: The number of classes when targets are class ids (`tn.Classes[N]`).
        method: The method that checks, as messages name it.

    Raises:
        ShapeError: naming what disagrees.

    Example:
        >>> from typednn._shapes import Symbol
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
        targets: The shape of one example's target in each target array; where the
            targets are class ids, None, or the shape of their positions.
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
    """Check targets against the model's output: one score per class (per position), or the target's shape.

    Args:
        model_out: The model's output shape.
        target: The shape of one example's target when it is a tensor; for class ids,
            the shape of their positions (None for one id per example).
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
    if classes is not None and target is not None and target.rank != 0:
        _check_class_positions(model_out, target, classes, method, bound, part)
    elif classes is not None:
        scores = model_out.ranked(1)
        if scores is None:
            hint = "flatten or pool the output, then end with Dense(classes)"
            raise ShapeError(
                method,
                f"{scorer}, (classes,),{source} for data with {classes!r} classes",
                f"{got} shape {model_out!r}",
                hint=hint + _STEPS_HINT if _steps_of_fixed_length(model_out) else hint,
            )
        why = bound.size(scores[0], classes, "classes" + of)
        if why is not None:
            raise ShapeError(
                method,
                f"targets from {model_out.last!r} classes {outputs}",
                f"data with {classes!r} classes",
                hint=why or _binary_hint(scores[0], classes) or "make the last layer output one score per class",
            )
    elif target is not None:
        why = bound.match(model_out, target, "targets" + of)
        if why is not None:
            raise ShapeError(
                method,
                f"targets of shape {model_out!r} " + ("(the model's output)" if part is None else f"for {part}"),
                f"data whose targets have shape {target!r}",
                hint=why or _short_of_classes(model_out, target) or _one_per_example(model_out, target),
            )


_STEPS_HINT = (
    "; if it comes from an LSTM or GRU: they return every step by default here (return_sequences=True,"
    " where Keras's default is False): pass return_sequences=False to the last one"
)


def _steps_of_fixed_length(model_out: Shape) -> bool:
    """Whether an output looks like a recurrent layer's every step: (steps, features), steps a fixed int.

    A named first axis (`Seq`) is a sequence the model means to keep (a tagger's), so
    its messages read as before.
    """
    return not model_out.open and model_out.rank == 2 and isinstance(model_out.dims[0], int)


def _binary_hint(scores: Size, classes: Size) -> str | None:
    """For 0/1 labels against a one-unit output: Keras's binary classifier, whose labels are values."""
    if scores != 1 or classes not in (1, 2):
        return None
    return (
        "a one-unit output is a binary classifier, whose 0/1 labels are values of shape (1,) each:"
        " from_arrays(x, y.reshape(-1, 1).astype('float32')) with binary_cross_entropy;"
        " or end the model in Dense(2) to take class ids"
    )


def _one_per_example(model_out: Shape, target: Shape) -> str | None:
    """A hint for targets that lack the output's unit axis, or that the output has an axis of steps too many."""
    if model_out.open or target.open:
        return None
    if not target.dims and model_out.dims == (1,):
        return "a one-unit output takes one value of shape (1,) per example: give the targets as y.reshape(-1, 1)"
    if _steps_of_fixed_length(model_out) and Bindings().match(Shape(model_out.dims[1:]), target, "targets") is None:
        return "the model outputs one value per step" + _STEPS_HINT
    return None


def _short_of_classes(model_out: Shape, target: Shape) -> str | None:
    """A hint for targets that lack only the model's class axis: class ids per position, not marked so."""
    if model_out.open or target.open or not target.dims:
        return None
    if Bindings().match(Shape(model_out.dims[:-1]), target, "targets") is not None:
        return None
    return (
        "the targets lack only the class axis: if they are class ids per position, mark them so:"
        f" from_arrays(features, targets, classes={model_out.last!r})"
    )


def _check_class_positions(
    model_out: Shape, positions: Shape, classes: Size, method: str, bound: Bindings, part: _Part | None
) -> None:
    """Class ids with positions (a tagger's targets): the model outputs `(*positions, classes)`.

    The positions bind named dims as any target's axes do (`Seq` is one length in the
    features and the targets); then the last axis is the class count.
    """
    of = "" if part is None else f" of {part.short}"
    outputs = f"(the model outputs {model_out!r})" if part is None else f"for {part}, which outputs {model_out!r}"
    wanted = Shape((*positions.dims, classes), open=positions.open)
    if positions.open:  # typed with `*tuple[Any, ...]`: only the class axis is known
        scores: tuple[Size, ...] | None = model_out.dims or (UNKNOWN,)
    else:
        scores = model_out.ranked(len(positions.dims) + 1)
    if scores is None:
        scorer = "a model that outputs one score per class at each position" if part is None else "one score per class"
        source = "" if part is None else f" at each position from {part}"
        got = "a model whose output has" if part is None else "an output of"
        raise ShapeError(
            method,
            f"{scorer}, {wanted!r},{source} for class ids of shape {positions!r} and {classes!r} classes",
            f"{got} shape {model_out!r}",
            hint="keep the position axes to the end (return_sequences=True, no pooling or Flatten),"
            " then Dense(classes) scores each position",
        )
    if not positions.open:
        model_positions = Shape(scores[:-1])
        why = bound.match(model_positions, positions, "targets" + of)
        if why is not None:
            raise ShapeError(
                method,
                f"class ids of shape {model_positions!r} {outputs}",
                f"data whose targets have shape {positions!r}",
                hint=why or "give one class id per position of the model's output",
            )
    why = bound.size(scores[-1], classes, "classes" + of)
    if why is not None:
        raise ShapeError(
            method,
            f"targets from {scores[-1]!r} classes {outputs}",
            f"data with {classes!r} classes",
            hint=why or "make the last layer output one score per class",
        )
