"""Sequence targets: a tagger's class ids, one per position, with outputs `(seq, classes)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from tests.conftest import fails
from typednn import nn
from typednn.train._losses import check_applies

Array = np.ndarray[Any, Any]
N, LENGTH, VOCAB, CLASSES = 96, 12, 20, 4


class Seq(tn.Dim):
    """The length of a sentence."""


def sentences(length: int = LENGTH) -> tuple[Array, Array]:
    """Token ids and their tags: a token's tag is its id modulo the class count (learnable per position)."""
    tokens = np.random.default_rng(0).integers(0, VOCAB, (N, length))
    return tokens, tokens % CLASSES


def tagger(classes: int = CLASSES) -> tn.Model[Any, Any]:
    """Embedding, a convolution over the sentence, and one score per class at each position."""
    ids = tn.Input(Seq, dtype="int32")
    h = ids >> nn.Embedding(VOCAB, 16) >> nn.Conv1D(16, kernel=3, padding="same") >> nn.relu
    return tn.Model(ids, h >> nn.Dense(classes))


def trainer_of(model: tn.Model[Any, Any], metrics: list[str] | None = None) -> tn.Trainer[Any, Any]:
    return tn.Trainer(
        model,
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.adam(3e-2),
        metrics=metrics if metrics is not None else ["accuracy"],
        seed=0,
    )


# Data


def test_classes_marks_integer_targets_of_any_rank_as_class_ids() -> None:
    tokens, tags = sentences()
    data = tn.data.from_arrays(tokens, tags, classes=CLASSES)
    assert data.classes == CLASSES
    assert data.target_shapes == (tn.Shape((LENGTH,)),)
    assert data.targets.dtype == np.int32
    assert data.schema("tags").describe() == "tags: 96 examples of (12,), 4 classes"
    named = tn.data.from_arrays(tokens, tags, classes=["a", "b", "c", "d"])
    assert named.class_names == ("a", "b", "c", "d")
    pixels = tn.data.from_arrays(np.zeros((3, 4, 4)), np.zeros((3, 4, 4), np.int64), classes=2)
    assert pixels.target_shape == tn.Shape((4, 4))


def test_without_classes_nothing_changes() -> None:
    """1-D integers stay class ids (inferred count), N-D integers stay values."""
    tokens, tags = sentences()
    values = tn.data.from_arrays(tokens, tags)
    assert values.classes is None
    assert values.targets.dtype == np.float32
    assert values.target_shapes == (tn.Shape((LENGTH,)),)
    ids = tn.data.from_arrays(tokens, tags[:, 0])
    assert (ids.classes, ids.target_shapes) == (CLASSES, (None,))


def test_an_id_out_of_range_names_its_row_and_position() -> None:
    tokens, tags = sentences()
    tags[5, 7] = 9
    with pytest.raises(tn.TypednnError) as info:
        tn.data.from_arrays(tokens, tags, classes=CLASSES)
    assert str(info.value) == (
        "targets[5, 7] holds class id 9, but classes=4 allows ids 0..3\n"
        "  hint: give the right class count, or fix the id"
    )
    tags[5, 7] = 0
    tags[2, 3] = -1
    with pytest.raises(tn.TypednnError) as info:
        tn.data.from_arrays(tokens, tags, classes=CLASSES)
    assert str(info.value) == (
        "targets[2, 3] holds class id -1; class ids must be >= 0\n  hint: number the classes 0, 1, 2, ..."
    )
    with fails("targets[1, 1] holds class id 3, but the 2 names of classes= allows ids 0..1"):
        tn.data.from_arrays(np.zeros((2, 3), np.int32), np.array([[0, 1, 1], [1, 3, 0]]), classes=["a", "b"])


def test_one_id_per_example_reads_as_ever() -> None:
    with fails("targets[2] holds class id 7, but classes=3 allows ids 0..2"):
        tn.data.from_arrays(np.zeros((4, 2)), np.array([0, 1, 7, 2]), classes=3)
    with pytest.raises(tn.TypednnError) as info:
        tn.data.from_arrays(np.zeros((4, 2)), np.zeros((4, 3)), classes=3)
    assert str(info.value) == (
        "targets: classes=3 asks for class ids, but the targets have dtype float64\n"
        "  hint: class ids are integers of shape (examples,), or (examples, *positions); leave classes out"
        " for float targets"
    )


# Training


@pytest.mark.slow
def test_a_tagger_learns_its_tags() -> None:
    tokens, tags = sentences()
    data = tn.data.from_arrays(tokens, tags, classes=CLASSES)
    trainer = trainer_of(tagger(), ["accuracy", "top_2_accuracy", "f1"])
    before = trainer.evaluate(data, batch_size=40)
    history = trainer.fit(data, epochs=4, batch_size=40, verbose=0)
    after = trainer.evaluate(data, batch_size=40)
    assert after["accuracy"] > max(before["accuracy"] + 0.5, 0.9)
    assert history.epochs[-1]["loss"] < history.epochs[0]["loss"]
    assert after["top_2_accuracy"] >= after["accuracy"]
    assert trainer.predict(tokens).shape == (N, LENGTH, CLASSES)
    assert trainer.predict(tokens[:5, :7]).shape == (5, 7, CLASSES)  # Seq: any length


def test_the_loss_and_accuracy_are_a_hand_written_optax_mean_over_every_position() -> None:
    """Over ragged batches (40, 40, 16) too: every example has as many positions, so the mean is exact."""
    tokens, tags = sentences()
    data = tn.data.from_arrays(tokens, tags, classes=CLASSES)
    trainer = trainer_of(tagger())
    trainer.fit(data, epochs=1, batch_size=32, verbose=0)
    logits = trainer.model.apply(trainer.params, jnp.asarray(tokens, jnp.int32))
    by_hand = optax.softmax_cross_entropy_with_integer_labels(logits, jnp.asarray(tags)).mean()
    correct = (jnp.argmax(logits, axis=-1) == tags).mean()
    for batch_size in (N, 40):
        found = trainer.evaluate(data, batch_size=batch_size)
        assert found["loss"] == pytest.approx(float(by_hand), rel=1e-5)
        assert found["accuracy"] == pytest.approx(float(correct), rel=1e-6)
    per_example = tn.losses.softmax_cross_entropy(logits, jnp.asarray(tags))
    assert per_example.shape == (N,)


def test_losses_check_what_they_take() -> None:
    check_applies(tn.losses.softmax_cross_entropy, classes=5, target_shape=(12,))
    with pytest.raises(tn.TypednnError) as info:
        check_applies(tn.losses.mean_squared_error, classes=5, target_shape=(12,))
    assert str(info.value) == (
        "mean_squared_error takes targets of the model's output shape (values to regress), but the data's targets"
        " are class ids of shape (12,) (5 classes), for outputs of shape (12, 5)\n"
        "  hint: class ids take softmax_cross_entropy (the default for them); or give the targets as one-hot vectors"
    )


@pytest.mark.slow
def test_a_bidirectional_lstm_tagger_trains() -> None:
    tokens, tags = sentences(length=8)
    data = tn.data.from_arrays(tokens, tags, classes=CLASSES)
    ids = tn.Input(Seq, dtype="int32")
    h = ids >> nn.Embedding(VOCAB, 8) >> nn.Bidirectional(nn.LSTM(8, return_sequences=True))
    trainer = trainer_of(tn.Model(ids, h >> nn.Dense(CLASSES)))
    before = trainer.evaluate(data)["accuracy"]
    trainer.fit(data, epochs=6, batch_size=32, verbose=0)
    assert trainer.evaluate(data)["accuracy"] > before + 0.3


# Errors, before anything compiles


def test_targets_of_another_length() -> None:
    tokens, tags = sentences()
    data = tn.data.from_arrays(tokens, tags[:, :10], classes=CLASSES)
    with pytest.raises(tn.ShapeError) as info:
        trainer_of(tagger()).fit(data, epochs=1, verbose=0)
    assert str(info.value) == (
        "Trainer.fit expects class ids of shape (Seq,) (the model outputs (Seq, 4)), but receives data whose"
        " targets have shape (10,)\n"
        "  hint: Seq stands for one size, but the features have 12 at axis 0 and the targets have 10 at axis 0"
    )


def test_targets_of_another_class_count() -> None:
    tokens, tags = sentences()
    data = tn.data.from_arrays(tokens, tags, classes=7)
    with pytest.raises(tn.ShapeError) as info:
        trainer_of(tagger()).evaluate(data)
    assert str(info.value) == (
        "Trainer.evaluate expects targets from 4 classes (the model outputs (Seq, 4)), but receives data with"
        " 7 classes\n  hint: make the last layer output one score per class"
    )


def test_targets_of_another_rank() -> None:
    tokens, tags = sentences()
    ids = tn.Input(Seq, dtype="int32")
    pooled = tn.Model(ids, ids >> nn.Embedding(VOCAB, 8) >> nn.GlobalAvgPool1D() >> nn.Dense(CLASSES))
    with pytest.raises(tn.ShapeError) as info:
        trainer_of(pooled).fit(tn.data.from_arrays(tokens, tags, classes=CLASSES), epochs=1, verbose=0)
    assert str(info.value) == (
        "Trainer.fit expects a model that outputs one score per class at each position, (12, 4), for class ids"
        " of shape (12,) and 4 classes, but receives a model whose output has shape (4,)\n"
        "  hint: keep the position axes to the end (return_sequences=True, no pooling or Flatten), then"
        " Dense(classes) scores each position"
    )
    with pytest.raises(tn.ShapeError) as info:
        trainer_of(tagger()).fit(tn.data.from_arrays(tokens, tags[:, 0]), epochs=1, verbose=0)
    assert str(info.value).startswith(
        "Trainer.fit expects a model that outputs one score per class, (classes,), for data with 4 classes,"
        " but receives a model whose output has shape (Seq, 4)"
    )


def test_tags_not_marked_as_class_ids_say_how() -> None:
    tokens, tags = sentences()
    with pytest.raises(tn.ShapeError) as info:
        trainer_of(tagger()).fit(tn.data.from_arrays(tokens, tags), epochs=1, verbose=0)
    assert str(info.value) == (
        "Trainer.fit expects targets of shape (Seq, 4) (the model's output), but receives data whose targets have"
        " shape (12,)\n  hint: the targets lack only the class axis: if they are class ids per position, mark"
        " them so: from_arrays(features, targets, classes=4)"
    )


def test_a_spec_reads_class_ids_per_position_from_an_npz(tmp_path: Path) -> None:
    from typednn.spec import check_data, read  # noqa: PLC0415

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "tags.npz", x=rng.random((40, 10, 3)), y=rng.integers(0, 4, (40, 10)))
    spec = tmp_path / "tagger.yaml"
    spec.write_text(
        "model:\n  input: [10, 3]\n  layers: [{conv1d: {filters: 8, kernel: 3, padding: same}}, {dense: 4}]\n"
        "data:\n  source: {npz: {path: tags.npz, classes: 4}}\n"
    )
    schema = check_data(read(spec))
    assert (schema.classes, schema.target_shape) == (4, tn.Shape.of(10))
    spec.write_text(spec.read_text().replace("{dense: 4}", "{dense: 5}"))
    with pytest.raises(tn.ShapeError, match="4 classes"):
        check_data(read(spec))
