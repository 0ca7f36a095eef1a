"""The rule for class ids with positions: outputs `(*positions, classes)` fit ids of shape `positions`."""

from __future__ import annotations

import pytest

from typednn import ShapeError
from typednn._shapes import UNKNOWN, Shape, Symbol, check_fit
from typednn._shapes._data import check_fit_all, check_targets

SEQ = Symbol("tests.Seq")
TOKENS = Shape.of(SEQ, tokens=True)
TAGS = Shape.of(SEQ, 5)  # a tagger's output: 5 scores per position
HINT = "Seq stands for one size, but the features have 10 at axis 0 and the targets of output 'tags' have 11 at axis 0"


def rejection(model_out: Shape, positions: Shape | None, classes: int) -> ShapeError:
    """The error `check_fit` raises for a model of input `(Seq,)` and output `model_out`, on features `(10,)`."""
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(SEQ), model_out, Shape.of(10), positions, classes)
    return info.value


def test_ids_per_position_fit_scores_per_position() -> None:
    check_fit(Shape.of(SEQ), TAGS, Shape.of(10), Shape.of(10), 5)
    check_fit(Shape.of(12), Shape.of(12, 5), Shape.of(12), Shape.of(12), 5)
    check_fit(Shape.of(4, 4), Shape.of(4, 4, 3), Shape.of(4, 4), Shape.of(4, 4), 3)  # a segmentation's pixels
    check_targets(Shape((5,), open=True), Shape.of(10), 5)  # a model whose leading axes are not known
    check_targets(TAGS, Shape((), open=True), 5)  # ids whose positions are not known: only the count


def test_one_id_per_example_reads_as_ever() -> None:
    """None (or no axis) for the positions: one id per example, the old rule word for word."""
    check_fit(Shape.of(4), Shape.of(3), Shape.of(4), None, 3)
    check_targets(Shape.of(3), Shape.of(), 3)
    error = rejection(TAGS, None, 5)
    assert error.message == (
        "Trainer.fit expects a model that outputs one score per class, (classes,), for data with 5 classes,"
        " but receives a model whose output has shape (Seq, 5)"
    )
    assert error.hint == "flatten or pool the output, then end with Dense(classes)"


def test_a_named_length_binds_across_features_and_targets() -> None:
    error = rejection(TAGS, Shape.of(12), 5)
    assert error.message == (
        "Trainer.fit expects class ids of shape (Seq,) (the model outputs (Seq, 5)),"
        " but receives data whose targets have shape (12,)"
    )
    assert error.hint == "Seq stands for one size, but the features have 10 at axis 0 and the targets have 12 at axis 0"


def test_a_fixed_length_that_differs() -> None:
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(10), Shape.of(10, 5), Shape.of(10), Shape.of(12), 5, method="Trainer.evaluate")
    assert info.value.message == (
        "Trainer.evaluate expects class ids of shape (10,) (the model outputs (10, 5)),"
        " but receives data whose targets have shape (12,)"
    )
    assert info.value.hint == "give one class id per position of the model's output"


def test_the_class_count_is_the_last_axis() -> None:
    error = rejection(TAGS, Shape.of(10), 7)
    assert error.message == (
        "Trainer.fit expects targets from 5 classes (the model outputs (Seq, 5)), but receives data with 7 classes"
    )
    assert error.hint == "make the last layer output one score per class"


def test_a_model_without_the_position_axis() -> None:
    error = rejection(Shape.of(5), Shape.of(10), 5)
    assert error.message == (
        "Trainer.fit expects a model that outputs one score per class at each position, (10, 5),"
        " for class ids of shape (10,) and 5 classes, but receives a model whose output has shape (5,)"
    )
    assert error.hint == (
        "keep the position axes to the end (return_sequences=True, no pooling or Flatten),"
        " then Dense(classes) scores each position"
    )
    # One axis too many is the same rule.
    error = rejection(Shape.of(SEQ, 2, 5), Shape.of(10), 5)
    assert error.actual == "a model whose output has shape (Seq, 2, 5)"


def test_with_several_outputs_the_message_names_the_output() -> None:
    outputs, names = (TAGS, Shape.of(3)), ("tags", "kind")
    ids = (Shape.of(10, tokens=True),)
    with pytest.raises(ShapeError) as info:
        check_fit_all((TOKENS,), outputs, ids, (Shape.of(11), None), (5, 3), output_names=names)
    assert info.value.message == (
        "Trainer.fit expects class ids of shape (Seq,) for output 'tags' (1 of 2), which outputs (Seq, 5),"
        " but receives data whose targets have shape (11,)"
    )
    assert info.value.hint == HINT
    with pytest.raises(ShapeError) as info:
        check_fit_all((TOKENS,), (Shape.of(5), Shape.of(3)), ids, (Shape.of(10), None), (5, 3))
    assert info.value.message == (
        "Trainer.fit expects one score per class, (10, 5), at each position from output 1 of 2 for class ids"
        " of shape (10,) and 5 classes, but receives an output of shape (5,)"
    )
    with pytest.raises(ShapeError) as info:
        check_fit_all((TOKENS,), outputs, ids, (Shape.of(10), None), (4, 3), output_names=names)
    assert info.value.message == (
        "Trainer.fit expects targets from 5 classes for output 'tags' (1 of 2), which outputs (Seq, 5),"
        " but receives data with 4 classes"
    )


def test_values_one_axis_short_hint_at_class_ids() -> None:
    """Integer tags not marked as class ids are values: the message says how to mark them."""
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(SEQ), TAGS, Shape.of(10), Shape.of(10), None)
    assert info.value.message == (
        "Trainer.fit expects targets of shape (Seq, 5) (the model's output), but receives data whose targets"
        " have shape (10,)"
    )
    assert info.value.hint == (
        "the targets lack only the class axis: if they are class ids per position, mark them so:"
        " from_arrays(features, targets, classes=5)"
    )
    # Any other difference keeps no hint, as before.
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(4), Shape.of(5), Shape.of(4), Shape.of(3), None)
    assert info.value.hint is None
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(4), Shape.of(5), Shape.of(4), Shape.of(), None)
    assert info.value.hint is None


def test_unknown_sizes_never_reject() -> None:
    check_targets(Shape.of(UNKNOWN, 5), Shape.of(10), 5)
    check_targets(Shape.of(10, UNKNOWN), Shape.of(10), 7)
    check_targets(Shape.anything(), Shape.of(10), 5)
