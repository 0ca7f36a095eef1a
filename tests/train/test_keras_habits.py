"""Keras's habits: losses of probabilities, the double softmax, accuracy on probabilities, binary labels."""

from __future__ import annotations

import functools
import warnings
from typing import Any

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn._shapes import Shape, ShapeError
from typednn._shapes._data import check_targets
from typednn.train._heads import heads_of
from typednn.train._keras_checks import (
    OutputActivationWarning,
    activation_mismatches,
    binary_targets,
    check_heads,
    output_activation,
)
from typednn.train._losses import check_applies, loss_name
from typednn.train._metrics import F1, Accuracy

AnyModel = tn.Model[Any, Any]


def classifier(last: tn.Layer[*tuple[Any, ...]], *extra: tn.Layer[*tuple[Any, ...]]) -> AnyModel:
    x = tn.Input(4)
    y = x >> nn.Dense(8, activation="relu") >> last
    for layer in extra:
        y = y >> layer
    return tn.Model(x, y)


# Losses that take probabilities.


def test_the_probability_losses_are_minus_the_log_of_the_true_probability() -> None:
    p = jnp.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    ids, one_hot = jnp.array([0, 2]), jnp.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    expected = -np.log([0.7, 0.8])
    for loss in (tn.losses.categorical_crossentropy, tn.losses.sparse_categorical_crossentropy):
        np.testing.assert_allclose(loss(p, ids), expected, rtol=1e-6)
        np.testing.assert_allclose(loss(p, one_hot), expected, rtol=1e-6)
    np.testing.assert_allclose(tn.losses.softmax_cross_entropy(p, ids, from_logits=False), expected, rtol=1e-6)
    q, t = jnp.array([[0.9], [0.2]]), jnp.array([[1.0], [0.0]])
    np.testing.assert_allclose(tn.losses.binary_crossentropy(q, t), -np.log([0.9, 0.8]), rtol=1e-6)
    np.testing.assert_allclose(tn.losses.binary_cross_entropy(q, t, from_logits=False), -np.log([0.9, 0.8]), rtol=1e-6)


def test_the_logit_losses_still_take_logits_by_default() -> None:
    logits, ids = jnp.array([[2.0, 0.0]]), jnp.array([0])
    assert float(tn.losses.softmax_cross_entropy(logits, ids)[0]) == pytest.approx(np.log1p(np.exp(-2.0)), rel=1e-6)
    assert float(tn.losses.binary_cross_entropy(jnp.array([[0.0]]), jnp.array([[1.0]]))[0]) == pytest.approx(np.log(2))


def test_probabilities_of_zero_and_one_give_a_finite_loss_as_keras_clips_them() -> None:
    assert np.isfinite(np.asarray(tn.losses.categorical_crossentropy(jnp.array([[1.0, 0.0]]), jnp.array([1])))).all()
    assert np.isfinite(np.asarray(tn.losses.binary_crossentropy(jnp.array([[0.0]]), jnp.array([[1.0]])))).all()


def test_keras_names_give_the_probability_losses_and_spec_files_take_them() -> None:
    assert tn.losses.get("binary_crossentropy") is tn.losses.binary_crossentropy
    assert tn.losses.get("categorical_crossentropy") is tn.losses.categorical_crossentropy
    assert tn.losses.get("sparse_categorical_crossentropy") is tn.losses.categorical_crossentropy
    assert tn.losses.takes_probabilities(tn.losses.softmax_cross_entropy) is False
    assert tn.losses.takes_probabilities(tn.losses.binary_crossentropy) is True
    bound = functools.partial(tn.losses.binary_cross_entropy, from_logits=False)
    assert tn.losses.takes_probabilities(bound) is True
    assert tn.losses.takes_probabilities(tn.losses.mean_squared_error) is None
    assert loss_name(bound) == "binary_cross_entropy(from_logits=False)"


def test_check_applies_knows_the_probability_losses() -> None:
    check_applies(tn.losses.categorical_crossentropy, classes=3, target_shape=None)
    check_applies(functools.partial(tn.losses.softmax_cross_entropy, from_logits=False), classes=3, target_shape=None)
    with pytest.raises(tn.TypednnError, match=r"binary_crossentropy takes .* \(one probability per label\)"):
        check_applies(tn.losses.binary_crossentropy, classes=3, target_shape=None)


# The double softmax: a softmax or sigmoid output with a loss that takes logits.


def test_output_activation_finds_the_layer_or_the_argument() -> None:
    assert output_activation(classifier(nn.Dense(3), nn.softmax)) == "softmax"
    assert output_activation(classifier(nn.Dense(3, activation="softmax"))) == "softmax"
    assert output_activation(classifier(nn.Dense(1, activation="sigmoid"), nn.Dropout(0.2))) == "sigmoid"
    assert output_activation(classifier(nn.Dense(3))) is None


@pytest.mark.parametrize(
    ("model", "loss"),
    [
        (classifier(nn.Dense(3), nn.softmax), tn.losses.softmax_cross_entropy),
        (classifier(nn.Dense(3, activation="softmax")), tn.losses.softmax_cross_entropy),
        (classifier(nn.Dense(1), nn.sigmoid), tn.losses.binary_cross_entropy),
    ],
)
def test_a_softmax_or_sigmoid_output_with_a_loss_of_logits_is_warned_about(model: AnyModel, loss: Any) -> None:
    heads = heads_of(model, loss=loss)
    with pytest.warns(OutputActivationWarning, match=r"ends in a (softmax|sigmoid), but its loss .* takes logits"):
        check_heads(model, heads)
    (error,) = activation_mismatches(model, {model.output_names[0]: loss})
    assert error.hint is not None and error.hint.startswith("drop the final")


def test_the_warning_names_the_way_out() -> None:
    model = classifier(nn.Dense(3, activation="softmax", name="probs"))
    (error,) = activation_mismatches(model, {"probs": tn.losses.softmax_cross_entropy})
    assert str(error) == (
        "the output 'probs' ends in a softmax, but its loss softmax_cross_entropy takes logits and applies the"
        " softmax again: training runs, to a worse model\n"
        "  hint: drop the final softmax (Dense(...) without activation=; the loss is exact on logits),"
        " or give a loss that takes probabilities: categorical_crossentropy"
    )


def test_a_loss_of_probabilities_on_raw_scores_is_warned_about() -> None:
    model = classifier(nn.Dense(3))
    with pytest.warns(OutputActivationWarning, match=r"ends in no activation, but its loss categorical_crossentropy"):
        check_heads(model, heads_of(model, loss=tn.losses.categorical_crossentropy))


@pytest.mark.parametrize(
    ("model", "loss"),
    [
        (classifier(nn.Dense(3)), tn.losses.softmax_cross_entropy),
        (classifier(nn.Dense(3), nn.softmax), tn.losses.categorical_crossentropy),
        (classifier(nn.Dense(1, activation="sigmoid")), tn.losses.binary_crossentropy),
        (classifier(nn.Dense(1), nn.sigmoid), functools.partial(tn.losses.binary_cross_entropy, from_logits=False)),
        (classifier(nn.Dense(3), nn.softmax), tn.losses.mean_squared_error),
        (classifier(nn.Dense(3), nn.Activation("log_softmax")), tn.losses.softmax_cross_entropy),
    ],
)
def test_agreeing_outputs_and_losses_are_not_warned_about(model: AnyModel, loss: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_heads(model, heads_of(model, loss=loss))


# "accuracy" on probabilities.


def test_accuracy_on_probabilities_thresholds_at_a_half() -> None:
    outputs, targets = jnp.array([[0.3], [0.7], [0.2]]), jnp.array([[1.0], [1.0], [0.0]])
    assert Accuracy().values(outputs, targets).tolist() == [True, True, False]  # logits: above 0
    assert Accuracy(probabilities=True).values(outputs, targets).tolist() == [False, True, True]
    state = F1(probabilities=True).update(F1().init((1,)), outputs, targets, jnp.ones(3))
    assert float(F1().result(state)) == pytest.approx(2 / 3)
    assert repr(Accuracy(probabilities=True)) == "Accuracy()" and Accuracy(probabilities=True) != Accuracy()


def test_the_trainer_checks_tell_accuracy_what_the_output_gives() -> None:
    sigmoid = classifier(nn.Dense(1, activation="sigmoid"))
    logits = classifier(nn.Dense(1))
    told = check_heads(sigmoid, heads_of(sigmoid, loss=tn.losses.binary_crossentropy, metrics=["accuracy", "f1"]))
    assert [m.probabilities for m in told.heads[0].metrics] == [True, True]  # type: ignore[attr-defined]
    bound = functools.partial(tn.losses.binary_cross_entropy, from_logits=False)
    with pytest.warns(OutputActivationWarning):  # a loss of probabilities on a raw output: told, and warned about
        by_loss = check_heads(logits, heads_of(logits, loss=bound, metrics=["accuracy"]))
    assert by_loss.heads[0].metrics == (Accuracy(probabilities=True),)
    plain = check_heads(logits, heads_of(logits, loss=tn.losses.binary_cross_entropy, metrics=["accuracy"]))
    assert plain.heads[0].metrics == (Accuracy(probabilities=False),)
    kept = check_heads(sigmoid, heads_of(sigmoid, loss=tn.losses.binary_crossentropy, metrics=[Accuracy(False)]))
    assert kept.heads[0].metrics == (Accuracy(probabilities=False),)  # the user's own choice stays


# Binary labels as Keras takes them.


@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_binary_labels_of_shape_n_fit_a_one_unit_output(dtype: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(dtype)
    model = classifier(nn.Dense(1, activation="sigmoid"))
    data = tn.data.from_arrays(x, y)  # (64,) labels: the trainer takes them as (64, 1) values
    assert binary_targets(model, data).target_shape == Shape.of(1)
    trainer = tn.Trainer(model, loss=tn.losses.binary_crossentropy, optimizer=optax.adam(0.05), metrics=["accuracy"])
    trainer.fit(data, epochs=20, batch_size=16, verbose=0)
    result = trainer.evaluate(data)
    assert result["loss"] < 0.1 and result["accuracy"] > 0.95  # at a threshold of 0, every example would be class 1
    assert float(np.mean(y)) < 0.6


def test_binary_targets_leaves_other_data_as_it_is() -> None:
    x = np.zeros((6, 4), np.float32)
    three = tn.data.from_arrays(x, np.array([0, 1, 2, 0, 1, 2]))
    assert binary_targets(classifier(nn.Dense(3)), three) is three
    column = tn.data.from_arrays(x, np.zeros((6, 1), np.float32))
    assert binary_targets(classifier(nn.Dense(1)), column) is column


def test_binary_labels_without_the_adapter_get_a_hint_that_says_so() -> None:
    with pytest.raises(ShapeError) as ids:
        check_targets(Shape.of(1), None, 2)
    assert ids.value.hint is not None and "a one-unit output is a binary classifier" in ids.value.hint
    with pytest.raises(ShapeError) as values:
        check_targets(Shape.of(1), Shape.of(), None)
    assert values.value.hint == (
        "a one-unit output takes one value of shape (1,) per example: give the targets as y.reshape(-1, 1)"
    )


# LSTM and GRU return every step by default here.


def test_every_step_of_a_recurrent_output_gets_the_return_sequences_hint() -> None:
    with pytest.raises(ShapeError) as values:
        check_targets(Shape.of(100, 1), Shape.of(1), None)
    assert values.value.hint is not None and "pass return_sequences=False" in values.value.hint
    with pytest.raises(ShapeError) as ids:
        check_targets(Shape.of(100, 5), None, 5)
    assert ids.value.hint is not None
    assert ids.value.hint.startswith(
        "flatten or pool the output, then end with Dense(classes); if it comes from an LSTM"
    )
    x = tn.Input(100, 8)
    model = tn.Model(x, x >> nn.LSTM(16) >> nn.Dense(1))
    data = tn.data.from_arrays(np.zeros((4, 100, 8), np.float32), np.zeros((4, 1), np.float32))
    trainer = tn.Trainer(model, loss=tn.losses.mean_squared_error, optimizer=optax.sgd(0.1))
    with pytest.raises(tn.TypednnError, match=r"return_sequences=True, where Keras's default is False"):
        trainer.evaluate(data)
