"""fit(sample_weight=..., class_weight=...): Keras's weighted loss and metrics, and the errors of bad weights."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from tests.conftest import fails
from typednn import nn
from typednn.train._weights import sample_weights

Array = np.ndarray[Any, Any]
N = 10


def model(classes: int = 2) -> tn.Model[Any, Any]:
    x = tn.Input(3)
    return tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(classes))


def arrays(seed: int = 0) -> tuple[Array, Array]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, 3)).astype(np.float32), np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 1])


def trainer(learning_rate: float = 0.0, **kwargs: Any) -> tn.Trainer[Any, Any]:
    loss = tn.losses.softmax_cross_entropy
    return tn.Trainer(model(), loss=loss, optimizer=optax.sgd(learning_rate), metrics=["accuracy"], **kwargs)


def by_hand(t: tn.Trainer[Any, Any], x: Array, y: Array, w: Array) -> tuple[float, float]:
    """Keras's numbers: the loss sum(w * l) / examples; the accuracy, a `metrics=` one, unweighted."""
    logits = np.asarray(t.predict(x))
    losses = -np.asarray(jax.nn.log_softmax(logits))[np.arange(len(y)), y]
    return float((w * losses).sum() / len(y)), float((logits.argmax(axis=1) == y).mean())


def test_sample_weights_give_keras_sum_over_batch_size_loss_and_leave_metrics_unweighted_over_ragged_batches() -> None:
    x, y = arrays()
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0, 1.5, 0.25, 1.0, 4.0, 0.75])
    t = trainer()  # a learning rate of 0: the parameters the hand computation sees
    history = t.fit(tn.data.from_arrays(x, y, classes=2), epochs=1, batch_size=4, verbose=0, sample_weight=w)
    loss, accuracy = by_hand(t, x, y, w)
    assert history.epochs[0]["loss"] == pytest.approx(loss, rel=1e-5)
    assert history.epochs[0]["accuracy"] == pytest.approx(accuracy, rel=1e-5)


def test_class_weight_weighs_each_example_by_its_class() -> None:
    x, y = arrays()
    t = trainer()
    history = t.fit(tn.data.from_arrays(x, y, classes=2), epochs=1, batch_size=3, verbose=0, class_weight={0: 1, 1: 5})
    loss, accuracy = by_hand(t, x, y, np.where(y == 1, 5.0, 1.0))
    assert history.epochs[0]["loss"] == pytest.approx(loss, rel=1e-5)
    assert history.epochs[0]["accuracy"] == pytest.approx(accuracy, rel=1e-5)


def test_class_weight_of_2_trains_as_the_data_with_those_rows_twice() -> None:
    # Full batches and plain SGD: the weighted gradient is sum(w * g) / N, the repeated
    # data's sum(w * g) / N', so the same steps need the learning rate scaled by N' / N.
    x, y = arrays()
    twice = np.flatnonzero(y == 1)
    x2, y2 = np.concatenate([x, x[twice]]), np.concatenate([y, y[twice]])
    ratio = len(y2) / len(y)
    weighted, repeated = trainer(0.5), trainer(0.5 * ratio)
    data = tn.data.from_arrays(x, y, classes=2)
    a = weighted.fit(data, epochs=4, batch_size=32, verbose=0, class_weight={0: 1, 1: 2})
    b = repeated.fit(tn.data.from_arrays(x2, y2, classes=2), epochs=4, batch_size=32, verbose=0)
    for mine, theirs in zip(a.epochs, b.epochs, strict=True):
        assert mine["loss"] * len(y) / len(y2) == pytest.approx(theirs["loss"], rel=1e-5)
    for p, q in zip(jax.tree.leaves(weighted.params), jax.tree.leaves(repeated.params), strict=True):
        np.testing.assert_allclose(np.asarray(p), np.asarray(q), rtol=1e-5, atol=1e-6)


def test_weights_of_one_train_as_no_weights_and_weights_train_alike_on_device_from_the_host_and_on_a_mesh() -> None:
    x, y = arrays()
    data = tn.data.from_arrays(x, y, classes=2)
    plain = trainer(0.1).fit(data, epochs=2, batch_size=4, verbose=0)
    ones = trainer(0.1).fit(data, epochs=2, batch_size=4, verbose=0, sample_weight=np.ones(N))
    w = np.linspace(0.0, 2.0, N)
    on_device = trainer(0.1).fit(data, epochs=2, batch_size=4, verbose=0, sample_weight=w)
    fed = trainer(0.1, device_data_limit=0).fit(data, epochs=2, batch_size=4, verbose=0, sample_weight=w)
    mesh = tn.distributed.data_mesh(1)
    on_mesh = trainer(0.1, mesh=mesh).fit(data, epochs=2, batch_size=4, verbose=0, sample_weight=w)
    for a, b in zip(plain.epochs, ones.epochs, strict=True):
        assert a == pytest.approx(b, rel=1e-6)
    for a, b, c in zip(on_device.epochs, fed.epochs, on_mesh.epochs, strict=True):
        assert a == pytest.approx(b, rel=1e-6) and a == pytest.approx(c, rel=1e-6)
    assert on_device.epochs[0]["loss"] != pytest.approx(plain.epochs[0]["loss"], rel=1e-3)


def test_a_validation_share_takes_its_rows_weights_out_and_validates_unweighted() -> None:
    x, y = arrays()
    w = np.arange(1.0, N + 1)
    split = trainer().fit(
        tn.data.from_arrays(x, y, classes=2), epochs=1, batch_size=4, verbose=0, validation=0.2, sample_weight=w
    )
    t = trainer()
    first = t.fit(tn.data.from_arrays(x[:8], y[:8], classes=2), epochs=1, batch_size=4, verbose=0, sample_weight=w[:8])
    assert split.epochs[0]["loss"] == pytest.approx(first.epochs[0]["loss"], rel=1e-6)
    assert split.epochs[0]["val_loss"] == pytest.approx(by_hand(t, x[8:], y[8:], np.ones(2))[0], rel=1e-5)


def test_one_sample_weight_array_weighs_every_output_of_several() -> None:
    x, y = arrays()
    i = tn.Input(3)
    two = tn.Model(i, (i >> nn.Dense(2, name="label"), i >> nn.Dense(1, name="value")))
    values = np.linspace(-1, 1, N).astype(np.float32)[:, None]
    t = tn.Trainer(two, loss=(tn.losses.softmax_cross_entropy, tn.losses.mean_squared_error), optimizer=optax.sgd(0.0))
    w = np.linspace(0.0, 2.0, N)
    logs = t.fit(tn.data.from_arrays(x, (y, values)), epochs=1, batch_size=4, verbose=0, sample_weight=w).epochs[0]
    label, value = (np.asarray(o) for o in t.predict(x))
    label_losses = -np.asarray(jax.nn.log_softmax(label))[np.arange(N), y]
    value_losses = ((value - values) ** 2).mean(axis=1)
    assert logs["label_loss"] == pytest.approx((w * label_losses).sum() / N, rel=1e-5)
    assert logs["value_loss"] == pytest.approx((w * value_losses).sum() / N, rel=1e-5)
    assert logs["loss"] == pytest.approx(logs["label_loss"] + logs["value_loss"], rel=1e-5)


def test_class_weight_reads_one_hot_and_binary_targets_as_keras_does() -> None:
    one_hot = tn.data.from_arrays(np.zeros((3, 2)), np.eye(3, dtype=np.float32)[[2, 0, 1]])
    weights = sample_weights(one_hot, sample_weight=None, class_weight={0: 1.0, 1: 2.0, 2: 3.0}, outputs=1)
    assert weights is not None and weights.tolist() == [3.0, 1.0, 2.0]
    binary = tn.data.from_arrays(np.zeros((3, 2)), np.array([[1.0], [0.0], [1.0]], np.float32))
    weights = sample_weights(binary, sample_weight=None, class_weight={0: 0.5, 1: 4.0}, outputs=1)
    assert weights is not None and weights.tolist() == [4.0, 0.5, 4.0]


def fit(**weights: Any) -> None:
    x, y = arrays()
    trainer().fit(tn.data.from_arrays(x, y, classes=2), epochs=1, verbose=0, **weights)


def test_bad_sample_weights_are_errors_that_name_the_row() -> None:
    with fails("sample_weight has shape (9,)", "10 examples", "expected (10,)"):
        fit(sample_weight=np.ones(9))
    with fails("sample_weight[3] is -1.0", "at least 0"):
        fit(sample_weight=np.array([1, 1, 1, -1, 1, 1, 1, 1, 1, 1.0]))
    with fails("sample_weight[7] is nan", "finite"):
        fit(sample_weight=np.where(np.arange(N) == 7, np.nan, 1.0))
    with fails("sample_weight[0] is inf", "(2 such weights)"):
        fit(sample_weight=np.where(np.arange(N) % 9 == 0, np.inf, 1.0))
    with fails("sample_weight must hold numbers"):
        fit(sample_weight=np.array(["a"] * N))
    with fails("sample_weight must be one array", "per-output sample weights are not supported"):
        fit(sample_weight={"label": np.ones(N)})
    with fails("give sample_weight or class_weight, not both"):
        fit(sample_weight=np.ones(N), class_weight={0: 1.0, 1: 1.0})


def test_bad_class_weights_are_errors_that_name_the_row_or_the_key() -> None:
    with fails("class_weight gives no weight for class 1, the target of row 1", "Keras would weigh it 1.0"):
        fit(class_weight={0: 1.0})
    with fails("class_weight's keys must be class ids", "'1'", "int keys, not strings"):
        fit(class_weight={0: 1.0, "1": 2.0})
    with fails("class_weight names class 2, but the data has 2 classes"):
        fit(class_weight={0: 1.0, 1: 1.0, 2: 1.0})
    with fails("class_weight[1] is -2.0", "at least 0"):
        fit(class_weight={0: 1.0, 1: -2.0})
    with fails("class_weight[0] must be a finite number", "nan"):
        fit(class_weight={0: float("nan"), 1: 1.0})
    with fails("class_weight must be a dict"):
        fit(class_weight=[1.0, 2.0])
    values = tn.data.from_arrays(np.zeros((3, 2)), np.array([0.0, 1.5, 1.0], np.float32))
    with fails("class_weight needs class-id targets, but the target of row 1 is 1.5"):
        sample_weights(values, sample_weight=None, class_weight={0: 1.0, 1: 1.0}, outputs=1)
    with fails("class_weight is only supported for a model with one output, and this one has 2", "sample_weight="):
        sample_weights(values, sample_weight=None, class_weight={0: 1.0}, outputs=2)
