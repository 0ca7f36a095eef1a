"""`fit` on batches from Python: generators with steps_per_epoch, re-iterables, and their errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn

Array = np.ndarray[Any, Any]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(100, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 100)
BATCH = 32


def trainer(**options: Any) -> tn.Trainer[Any, Any]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
    return tn.Trainer(
        model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"], **options
    )


def batches() -> list[tuple[Array, Array]]:
    """The examples in order, in batches of 32: the last one ragged (4 examples)."""
    return [(X[i : i + BATCH], Y[i : i + BATCH]) for i in range(0, len(X), BATCH)]


def forever() -> Iterator[tuple[Array, Array]]:
    while True:
        yield from batches()


def same(a: tn.Trainer[Any, Any], b: tn.Trainer[Any, Any]) -> bool:
    equal = jax.tree.map(lambda p, q: bool(np.array_equal(np.asarray(p), np.asarray(q))), a.params, b.params)
    return all(jax.tree.leaves(equal))


def test_a_generator_trains_bit_for_bit_as_the_dataset_in_the_same_order() -> None:
    # device_data_limit=0: the dataset is fed from the host too, so both run the same compiled
    # program (`train_fed`) on the same arrays, its ragged last batch padded with weight 0 alike.
    fed = trainer(device_data_limit=0)
    history = fed.fit(forever(), epochs=3, steps_per_epoch=4, verbose=0)
    reference = trainer(device_data_limit=0)
    expected = reference.fit(tn.data.from_arrays(X, Y), epochs=3, batch_size=BATCH, shuffle=False, verbose=0)
    assert same(fed, reference)
    assert history.epochs == expected.epochs
    assert fed.step == reference.step == 12


def test_a_list_of_batches_is_one_epoch_per_pass_and_may_validate_on_batches() -> None:
    fed = trainer(device_data_limit=0)
    history = fed.fit(batches(), epochs=2, validation=batches()[:2], verbose=0)
    reference = trainer(device_data_limit=0)
    data = tn.data.from_arrays(X, Y)
    expected = reference.fit(
        data, epochs=2, batch_size=BATCH, shuffle=False, validation=data.subset(np.arange(64)), verbose=0
    )
    assert same(fed, reference)
    assert history.epochs == expected.epochs and "val_accuracy" in history.epochs[-1]


def test_an_object_that_iterates_anew_needs_no_length() -> None:
    class Batches:
        def __iter__(self) -> Iterator[tuple[Array, Array]]:
            return iter(batches())

    fed = trainer()
    fed.fit(Batches(), epochs=2, verbose=0)
    assert fed.step == 8 and fed.epoch == 2


def test_a_generator_without_steps_per_epoch_is_refused_with_a_hint() -> None:
    with pytest.raises(tn.TypednnError) as caught:
        trainer().fit(forever(), epochs=1, verbose=0)
    assert caught.value.message == "Trainer.fit expects a tn.data.Dataset as data, but receives a generator"
    assert caught.value.hint is not None and "steps_per_epoch=N" in caught.value.hint


def test_a_generator_that_ends_early_stops_training_with_a_warning() -> None:
    fed = trainer()
    with pytest.warns(UserWarning, match=r"the batches ran out after 1 batches of epoch 2 \(it needs 3 steps\)"):
        history = fed.fit(iter(batches()), epochs=5, steps_per_epoch=3, verbose=0)
    assert len(history) == 2 and fed.step == 4  # the partial epoch counts, as in Keras


def test_a_generator_that_raises_is_named_with_its_exception_chained() -> None:
    def broken() -> Iterator[tuple[Array, Array]]:
        yield from batches()[:2]
        raise KeyError("column 'age'")

    fed = trainer()
    with pytest.raises(tn.TypednnError, match=r"your batch generator raised KeyError at batch 3 of epoch 1") as caught:
        fed.fit(broken(), epochs=2, steps_per_epoch=4, verbose=0)
    assert isinstance(caught.value.__cause__, KeyError)
    assert caught.value.__cause__.__traceback__ is not None  # the user's own frames, shown as the cause


def test_a_first_batch_that_raises_is_reported_before_training() -> None:
    def broken() -> Iterator[tuple[Array, Array]]:
        yield X[: int("no such file")], Y  # int() raises ValueError

    fed = trainer()
    with pytest.raises(tn.TypednnError, match=r"raised ValueError at the first batch") as caught:
        fed.fit(broken(), epochs=1, steps_per_epoch=1, verbose=0)
    assert isinstance(caught.value.__cause__, ValueError) and fed.step == 0


def test_a_bad_batch_shape_reads_as_the_dataset_error() -> None:
    wrong = np.zeros((BATCH, 5), np.float32)
    with pytest.raises(tn.ShapeError) as from_dataset:
        trainer().fit(tn.data.from_arrays(wrong, Y[:BATCH]), epochs=1, verbose=0)
    with pytest.raises(tn.ShapeError) as from_batches:
        trainer().fit(iter([(wrong, Y[:BATCH])]), epochs=1, steps_per_epoch=1, verbose=0)
    assert str(from_batches.value) == str(from_dataset.value)


def test_a_later_batch_of_another_shape_is_named() -> None:
    later = [(X[:BATCH], Y[:BATCH]), (X[:BATCH, :3], Y[:BATCH])]
    with pytest.raises(tn.TypednnError, match=r"batch 2 of epoch 1"):
        trainer().fit(later, epochs=1, verbose=0)
    bigger = [(X[:8], Y[:8]), (X[:16], Y[:16])]
    with pytest.raises(tn.TypednnError, match=r"batch 2 of epoch 1 holds 16 examples, more than the first batch's 8"):
        trainer().fit(bigger, epochs=1, verbose=0)


def test_a_batch_need_not_hold_every_class() -> None:
    only_zeros = [(X[:8], np.zeros(8, np.int64)), (X[8:16], Y[8:16])]
    fed = trainer()
    fed.fit(only_zeros, epochs=1, verbose=0)  # classes counted from the model's 3 scores, not the batch's 1
    assert fed.step == 2


def test_sample_weights_come_as_a_third_item() -> None:
    weighted = [(x, y, np.full(len(x), 0.5, np.float32)) for x, y in batches()]
    halved, plain = trainer(), trainer()
    loss = halved.fit(weighted, epochs=1, verbose=0)["loss"][0]
    full = plain.fit(batches(), epochs=1, verbose=0)["loss"][0]
    assert loss == pytest.approx(full / 2, rel=1e-2)


@pytest.mark.parametrize(
    ("options", "wording"),
    [
        ({"batch_size": 32}, "batch_size is for a dataset"),
        ({"validation": 0.2}, "validation as a share is for a dataset"),
        ({"sample_weight": np.ones(100)}, "sample_weight is for a dataset"),
    ],
)
def test_dataset_options_are_refused_for_batches(options: dict[str, Any], wording: str) -> None:
    with pytest.raises(tn.TypednnError, match=wording):
        trainer().fit(batches(), epochs=1, verbose=0, **options)


def test_steps_per_epoch_is_refused_for_a_dataset() -> None:
    with pytest.raises(tn.TypednnError, match=r"steps_per_epoch=3 is for batches from Python"):
        trainer().fit(tn.data.from_arrays(X, Y), epochs=1, steps_per_epoch=3, verbose=0)


def test_a_pair_of_arrays_is_still_refused_with_the_from_arrays_hint() -> None:
    with pytest.raises(tn.TypednnError, match=r"receives a tuple of 2 items \(ndarray, ndarray\)"):
        trainer().fit((X, Y), epochs=1, verbose=0)  # type: ignore[arg-type]  # arrays, not batches


def test_typed_batches_train_as_plain_tuples() -> None:
    # tn.data.Batch is a tuple at run time: its type parameters are for the mypy plugin.
    typed = trainer(device_data_limit=0)
    typed.fit([tn.data.Batch(x, y) for x, y in batches()], epochs=2, verbose=0)
    plain = trainer(device_data_limit=0)
    plain.fit(batches(), epochs=2, verbose=0)
    assert same(typed, plain)
