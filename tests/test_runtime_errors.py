"""What the run time says when given something other than what the types ask for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn._shapes import Shape, Symbol, check_fit
from typednn._shapes._dims import plus, times


class Seq(tn.Dim):
    """Steps of a sequence."""


@pytest.fixture(scope="module")
def trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    return tn.Trainer(tn.Model(x, x >> nn.Dense(3)), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))


def arrays() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    return np.ones((6, 4), np.float32), np.arange(6) % 3


def batches() -> Iterator[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    yield arrays()


# --------------------------------------------------------------- data that is no Dataset


@pytest.mark.parametrize(
    ("data", "given", "hint"),
    [
        (batches(), "a generator", "an iterator can be read only once"),
        (arrays(), "a tuple of 2 items (ndarray, ndarray)", "tn.data.from_arrays(features, targets)"),
        (list(arrays()), "a list of 2 items (ndarray, ndarray)", "tn.data.from_arrays(features, targets)"),
        ("data.csv", "the string 'data.csv'", "tn.data.csv('data.csv')"),
        (Path("data.npz"), "the path 'data.npz'", "tn.data.npz('data.npz')"),
        (np.ones((6, 4)), "a value of type ndarray", "tn.data.from_arrays(features, targets)"),
    ],
)
def test_fit_refuses_what_is_no_dataset(trainer: tn.Trainer[Any, Any], data: Any, given: str, hint: str) -> None:
    with pytest.raises(tn.TypednnError) as caught:
        trainer.fit(data, epochs=1, verbose=0)
    assert caught.value.message == f"Trainer.fit expects a tn.data.Dataset as data, but receives {given}"
    assert caught.value.hint is not None and hint in caught.value.hint
    assert trainer.step == 0


@pytest.mark.parametrize("data", [iter([arrays()]), arrays(), "data.csv"])
def test_evaluate_refuses_what_is_no_dataset_and_says_evaluate(trainer: tn.Trainer[Any, Any], data: Any) -> None:
    with pytest.raises(tn.TypednnError, match=r"^Trainer\.evaluate expects a tn\.data\.Dataset as data, but receives"):
        trainer.evaluate(data)


def test_check_refuses_what_is_no_dataset(trainer: tn.Trainer[Any, Any]) -> None:
    with pytest.raises(tn.TypednnError, match=r"^Trainer\.check expects a tn\.data\.Dataset as data"):
        trainer.check(arrays())  # type: ignore[arg-type]


def test_an_empty_dataset_is_refused_before_training(trainer: tn.Trainer[Any, Any]) -> None:
    features, targets = arrays()
    empty = tn.data.from_arrays(features[:0], targets[:0], classes=3)
    with pytest.raises(tn.TypednnError) as caught:
        trainer.fit(empty, epochs=1, verbose=0)
    assert caught.value.message == "Trainer.fit: the data holds no examples"
    assert trainer.step == 0


def test_validation_that_is_no_dataset_is_refused_before_training(trainer: tn.Trainer[Any, Any]) -> None:
    data = tn.data.from_arrays(*arrays())
    with pytest.raises(tn.TypednnError) as caught:
        trainer.fit(data, epochs=1, validation=arrays(), verbose=0)  # type: ignore[arg-type]
    assert caught.value.message == (
        "Trainer.fit expects a tn.data.Dataset (or the share of data to hold out) as validation, "
        "but receives a tuple of 2 items (ndarray, ndarray)"
    )
    assert trainer.step == 0


def test_an_unknown_file_kind_gets_the_readers_listed(trainer: tn.Trainer[Any, Any]) -> None:
    with pytest.raises(tn.TypednnError, match=r"the string 'data\.parquet'") as caught:
        trainer.fit("data.parquet", epochs=1)  # type: ignore[arg-type]
    assert caught.value.hint == "read the file first, e.g. with tn.data.csv(path), npz, npy, jsonl or images"


# ------------------------------------------------------------------ tensors and non-tensors


@pytest.mark.parametrize(("other", "shown"), [(3, "3 (an int)"), (1.5, "1.5 (a float)"), (np.ones(4), "ndarray")])
def test_adding_a_non_tensor_says_add_takes_two_tensors(other: Any, shown: str) -> None:
    with pytest.raises(tn.ShapeError) as caught:
        tn.Input(4) + other
    assert caught.value.message.startswith("Add (a + b) expects two tensors of equal shape, but receives Tensor(4,) + ")
    assert shown in caught.value.message
    assert isinstance(caught.value, tn.TypednnError) and caught.value.hint


def test_a_layer_applied_to_an_array_says_it_takes_tensors() -> None:
    with pytest.raises(tn.ShapeError) as caught:
        nn.Dense(3)(np.ones((2, 4)))  # type: ignore[arg-type]
    assert caught.value.message == (
        "Dense(3) expects tensors of the model (a tn.Input, or a layer's output), but receives a value of type ndarray"
    )
    assert caught.value.hint is not None and "model.apply" in caught.value.hint


def test_a_block_applied_to_a_number_says_so() -> None:
    with pytest.raises(tn.ShapeError, match=r"expects tensors of the model .* but receives 3 \(an int\)"):
        (nn.Dense(8) >> nn.relu)(3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- named dims, check_fit

SEQ = Symbol.of(Seq)


def test_a_named_dim_binds_to_the_datas_size() -> None:
    check_fit(Shape.of(SEQ, 4), Shape.of(3), Shape.of(10, 4), None, 3)
    check_fit(Shape.of(SEQ, 4), Shape.of(SEQ, 3), Shape.of(10, 4), Shape.of(10, 3), None)
    check_fit(Shape.of(SEQ, SEQ), Shape.of(3), Shape.of(7, 7), None, 3)
    check_fit(Shape.of(SEQ, 4), Shape.of(SEQ, 3), Shape.of(SEQ, 4), Shape.of(SEQ, 3), None)  # typed data


def test_a_named_dim_has_one_size_across_the_features() -> None:
    with pytest.raises(tn.ShapeError) as caught:
        check_fit(Shape.of(SEQ, SEQ), Shape.of(3), Shape.of(10, 12), None, 3)
    assert caught.value.message == (
        "Trainer.fit expects features of shape (Seq, Seq) (the model's input), "
        "but receives data whose features have shape (10, 12)"
    )
    assert caught.value.hint == "Seq stands for one size, but the features have 10 at axis 0 and 12 at axis 1"


def test_a_named_dim_has_one_size_in_features_and_targets() -> None:
    with pytest.raises(tn.ShapeError) as caught:
        check_fit(Shape.of(SEQ, 4), Shape.of(SEQ, 3), Shape.of(10, 4), Shape.of(12, 3), None, method="Trainer.evaluate")
    assert caught.value.message == (
        "Trainer.evaluate expects targets of shape (Seq, 3) (the model's output), "
        "but receives data whose targets have shape (12, 3)"
    )
    assert (
        caught.value.hint
        == "Seq stands for one size, but the features have 10 at axis 0 and the targets have 12 at axis 0"
    )


def test_another_named_dim_in_the_data_is_another_axis() -> None:
    time = Symbol("app.Time")
    with pytest.raises(tn.ShapeError, match=r"features of shape \(Seq, 4\) .* shape \(Time, 4\)"):
        check_fit(Shape.of(SEQ, 4), Shape.of(3), Shape.of(time, 4), None, 3)


def test_fixed_sizes_still_must_match() -> None:
    with pytest.raises(tn.ShapeError, match=r"features of shape \(Seq, 4\) .* shape \(10, 5\)") as caught:
        check_fit(Shape.of(SEQ, 4), Shape.of(3), Shape.of(10, 5), None, 3)
    assert caught.value.hint == "reshape the data, or change the model's tn.Input"


def test_a_size_computed_from_a_named_dim_binds_it_too() -> None:
    # (Seq,) through an unpadded window of 5 is (Seq - 4,): targets of 6 fit features of 10.
    check_fit(Shape.of(SEQ, 4), Shape.of(plus(SEQ, -4), 1), Shape.of(10, 4), Shape.of(6, 1), None)
    check_fit(Shape.of(times(SEQ, 2)), Shape.of(SEQ), Shape.of(10), Shape.of(5), None)
    with pytest.raises(tn.ShapeError) as caught:
        check_fit(Shape.of(SEQ, 4), Shape.of(plus(SEQ, -4), 1), Shape.of(10, 4), Shape.of(10, 1), None)
    assert (
        caught.value.hint
        == "Seq is 10 as the features have 10 at axis 0, so Seq - 4 is 6, but the targets have 10 at axis 0"
    )
    with pytest.raises(tn.ShapeError) as caught:
        check_fit(Shape.of(times(SEQ, 2)), Shape.of(SEQ), Shape.of(10), Shape.of(4), None)
    assert (
        caught.value.hint == "Seq is 5 as the features have 10 at axis 0 for Seq * 2, but the targets have 4 at axis 0"
    )
    with pytest.raises(tn.ShapeError, match=r"features of shape \(Seq \* 2,\)"):
        check_fit(Shape.of(times(SEQ, 2)), Shape.of(3), Shape.of(7), None, 3)  # no whole Seq gives 7


def test_classes_bind_a_named_dim_of_the_scores() -> None:
    check_fit(Shape.of(SEQ), Shape.of(SEQ), Shape.of(5), None, 5)
    with pytest.raises(tn.ShapeError) as caught:
        check_fit(Shape.of(SEQ), Shape.of(SEQ), Shape.of(5), None, 3)
    assert caught.value.hint == "Seq stands for one size, but the features have 5 at axis 0 and the data has 3 classes"


# --------------------------------------------------------------- predict


def test_predict_takes_a_dataset_and_checks_array_shapes(trainer: tn.Trainer[Any, Any]) -> None:
    features, targets = arrays()
    dataset = tn.data.from_arrays(features, targets)
    assert trainer.predict(dataset).shape == (6, 3)
    with pytest.raises(tn.ShapeError) as caught:
        trainer.predict(np.ones((2, 5), np.float32))
    assert caught.value.message == (
        "Trainer.predict expects features of shape (4,) (the model's input), "
        "but receives data whose features have shape (5,)"
    )
    with pytest.raises(tn.ShapeError, match="a single number"):
        trainer.predict(3.0)
