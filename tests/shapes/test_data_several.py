"""`check_fit_all`: data against a model with several inputs and outputs, naming the part that disagrees."""

from __future__ import annotations

import pytest

from typednn import ShapeError
from typednn._shapes import Shape, Symbol, check_fit
from typednn._shapes._bindings import Bindings
from typednn._shapes._data import check_features_all, check_fit_all

SEQ = Symbol("tests.Seq")
IMAGE, META = Shape.of(8, 8, 3), Shape.of(4)
LABEL, BOX = Shape.of(10), Shape.of(4)
INPUTS, OUTPUTS = ("image", "meta"), ("label", "box")


def rejection(
    model_in: tuple[Shape, ...],
    model_out: tuple[Shape, ...],
    features: tuple[Shape, ...],
    targets: tuple[Shape | None, ...],
    classes: tuple[int | None, ...],
    *,
    input_names: tuple[str, ...] | None = None,
    output_names: tuple[str, ...] | None = None,
) -> ShapeError:
    """The error `check_fit_all` raises."""
    with pytest.raises(ShapeError) as info:
        check_fit_all(
            model_in, model_out, features, targets, classes, input_names=input_names, output_names=output_names
        )
    return info.value


def test_data_that_fits_every_input_and_output() -> None:
    check_fit_all((IMAGE, META), (LABEL, BOX), (IMAGE, META), (None, BOX), (10, None))
    check_fit_all((IMAGE, META), (LABEL, BOX), (IMAGE, META), (LABEL, BOX), (None, None), input_names=INPUTS)
    check_features_all((IMAGE, META), (IMAGE, META), method="Trainer.predict")


def test_the_counts_come_first() -> None:
    error = rejection((IMAGE, META), (LABEL, BOX), (IMAGE,), (None, BOX), (10, None), input_names=INPUTS)
    assert error.message == (
        "Trainer.fit expects features for 2 inputs ('image', 'meta'), but receives data with 1 feature array"
    )
    assert error.hint == "give one feature array per input of the model: a tuple in its order, or a dict by input name"
    # Before any shape: the second feature array's shape is wrong too.
    error = rejection((IMAGE, META), (LABEL, BOX), (IMAGE, Shape.of(5)), (None,), (10,))
    assert error.message == "Trainer.fit expects targets for 2 outputs, but receives data with 1 target array"
    error = rejection((META,), (LABEL,), (META, META, META), (None,), (10,))
    assert error.message == "Trainer.fit expects features for 1 input, but receives data with 3 feature arrays"


def test_a_named_input_is_named() -> None:
    error = rejection((IMAGE, META), (LABEL, BOX), (IMAGE, Shape.of(5)), (None, BOX), (10, None), input_names=INPUTS)
    assert error.message == (
        "Trainer.fit expects features of shape (4,) for input 'meta' (2 of 2), "
        "but receives data whose features have shape (5,)"
    )
    assert error.hint == "reshape the data, or change the model's tn.Input"


def test_an_unnamed_part_is_numbered() -> None:
    with pytest.raises(ShapeError) as info:
        check_features_all((IMAGE, META), (Shape.of(8, 8, 1), META), method="Trainer.predict")
    assert info.value.message == (
        "Trainer.predict expects features of shape (8, 8, 3) for input 1 of 2, "
        "but receives data whose features have shape (8, 8, 1)"
    )


def test_each_output_is_named() -> None:
    error = rejection((IMAGE, META), (LABEL, BOX), (IMAGE, META), (None, BOX), (7, None), output_names=OUTPUTS)
    assert error.message == (
        "Trainer.fit expects targets from 10 classes for output 'label' (1 of 2), which outputs (10,), "
        "but receives data with 7 classes"
    )
    error = rejection((IMAGE, META), (LABEL, BOX), (IMAGE, META), (None, Shape.of(2)), (10, None))
    assert error.message == (
        "Trainer.fit expects targets of shape (4,) for output 2 of 2, but receives data whose targets have shape (2,)"
    )
    error = rejection((IMAGE, META), (Shape.of(2, 5), BOX), (IMAGE, META), (None, BOX), (5, None), output_names=OUTPUTS)
    assert error.message == (
        "Trainer.fit expects one score per class, (classes,), from output 'label' (1 of 2) for data with 5 classes, "
        "but receives an output of shape (2, 5)"
    )


def test_a_named_dim_has_one_size_in_the_whole_dataset() -> None:
    model_in, model_out = (Shape.of(SEQ, 8), Shape.of(SEQ)), (Shape.of(SEQ, 2), Shape.of(3))
    check_fit_all(model_in, model_out, (Shape.of(10, 8), Shape.of(10)), (Shape.of(10, 2), None), (None, 3))
    error = rejection(model_in, model_out, (Shape.of(10, 8), Shape.of(12)), (Shape.of(10, 2), None), (None, 3))
    assert error.hint == (
        "Seq stands for one size, but the features of input 1 have 10 at axis 0 "
        "and the features of input 2 have 12 at axis 0"
    )
    error = rejection(
        model_in, model_out, (Shape.of(10, 8), Shape.of(10)), (Shape.of(11, 2), None), (None, 3), output_names=OUTPUTS
    )
    assert error.message == (
        "Trainer.fit expects targets of shape (Seq, 2) for output 'label' (1 of 2), "
        "but receives data whose targets have shape (11, 2)"
    )
    assert error.hint == (
        "Seq stands for one size, but the features of input 1 have 10 at axis 0 "
        "and the targets of output 'label' have 11 at axis 0"
    )


def test_bindings_carry_over_from_the_caller() -> None:
    bound = Bindings()
    check_features_all((Shape.of(SEQ),), (Shape.of(6),), bound=bound)
    assert bound.value(SEQ) == 6


@pytest.mark.parametrize(
    ("model_in", "model_out", "features", "target", "classes"),
    [
        (Shape.of(784), Shape.of(10), Shape.of(28, 28), None, 10),
        (Shape.of(784), Shape.of(10), Shape.of(784), None, 3),
        (Shape.of(SEQ, SEQ), Shape.of(3), Shape.of(10, 12), None, 3),
        (Shape.of(SEQ, 4), Shape.of(SEQ, 3), Shape.of(10, 4), Shape.of(12, 3), None),
        (Shape.of(4), Shape.of(2, 2), Shape.of(4), None, 2),
        (Shape.of(4, tokens=True), Shape.of(2), Shape.of(4, tokens=False), None, 2),
    ],
)
def test_one_input_and_one_output_read_as_check_fit(
    model_in: Shape, model_out: Shape, features: Shape, target: Shape | None, classes: int | None
) -> None:
    with pytest.raises(ShapeError) as single:
        check_fit(model_in, model_out, features, target, classes, method="Trainer.evaluate")
    with pytest.raises(ShapeError) as several:
        check_fit_all(
            (model_in,), (model_out,), (features,), (target,), (classes,), method="Trainer.evaluate",
            input_names=("x",), output_names=("y",),
        )  # fmt: skip
    assert (several.value.message, several.value.hint) == (single.value.message, single.value.hint)
