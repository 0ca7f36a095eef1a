"""Whether a dataset fits a model: the rule `Trainer.fit` applies at check and run time."""

from __future__ import annotations

from ._dims import Shape, Size, same_size
from ._errors import ShapeError


def _agree(a: Shape, b: Shape) -> bool:
    if a.open or b.open:
        return True
    return len(a.dims) == len(b.dims) and all(same_size(x, y) is not False for x, y in zip(a.dims, b.dims))


def check_fit(model_in: Shape, model_out: Shape, features: Shape, target: Shape | None, classes: Size | None) -> None:
    """Check data against a model: features against its input, targets against its output.

    Args:
        model_in: The model's input shape.
        model_out: The model's output shape.
        features: The shape of one example's features.
        target: The shape of one example's target when it is a tensor.
        classes: The number of classes when targets are class ids (`tn.Classes[N]`).

    Raises:
        ShapeError: naming what disagrees.
    """
    check_features(model_in, features)
    check_targets(model_out, target, classes)


def check_features(model_in: Shape, features: Shape) -> None:
    """Check the shape of one example's features against the model's input.

    Raises:
        ShapeError: if they differ.
    """
    if model_in.tokens and features.tokens is False:
        raise ShapeError(
            "Trainer.fit",
            f"token ids of shape {model_in!r} (the model's input is tn.Tokens)",
            f"data whose features are floats of shape {features!r}",
            hint="token ids are integer arrays: give the data as int32",
        )
    if not _agree(model_in, features):
        raise ShapeError(
            "Trainer.fit",
            f"features of shape {model_in!r} (the model's input)",
            f"data whose features have shape {features!r}",
            hint="reshape the data, or change the model's tn.Input",
        )


def check_targets(model_out: Shape, target: Shape | None, classes: Size | None) -> None:
    """Check targets against the model's output: one score per class, or the target's shape.

    Raises:
        ShapeError: if they disagree.
    """
    if classes is not None:
        scores = model_out.ranked(1)
        if scores is None:
            raise ShapeError(
                "Trainer.fit",
                f"a model that outputs one score per class, (classes,), for data with {classes!r} classes",
                f"a model whose output has shape {model_out!r}",
                hint="flatten or pool the output, then end with Dense(classes)",
            )
        if same_size(scores[0], classes) is False:
            raise ShapeError(
                "Trainer.fit",
                f"targets from {model_out.last!r} classes (the model outputs {model_out!r})",
                f"data with {classes!r} classes",
                hint="make the last layer output one score per class",
            )
    elif target is not None and not _agree(model_out, target):
        raise ShapeError(
            "Trainer.fit",
            f"targets of shape {model_out!r} (the model's output)",
            f"data whose targets have shape {target!r}",
        )
