"""tn.metrics against NumPy references computed on the whole dataset.

Precision, recall and F1 are computed here from a confusion matrix, by their
definitions. The streaming tests fold random, ragged batches (padded with garbage rows
of weight 0) under `jax.jit` and compare with the whole-dataset reference.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from typednn import TypednnError
from typednn.metrics import (
    F1,
    Accuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    Metric,
    Precision,
    Recall,
    TopKAccuracy,
    get,
)

Array = np.ndarray[Any, Any]
States = tuple[dict[str, jax.Array], ...]

Average = Literal["macro", "micro"]
AVERAGES: tuple[Average, ...] = ("macro", "micro")
COUNTS = (Precision, Recall, F1)

# ---------------------------------------------------------------- references


def _confusion(truth: Array, predicted: Array, classes: int) -> Array:
    """`matrix[t, p]`: how many examples of class t were predicted as p."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def _divide(numerator: Array, denominator: Array) -> Array:
    # An undefined ratio (nothing predicted as, or nothing true of, a class) scores 0.
    defined = denominator > 0
    return np.where(defined, numerator / np.where(defined, denominator, 1.0), 0.0)


def _counts_score(kind: type[Precision | Recall | F1], matrix: Array, *, average: str, binary: bool) -> float:
    tp = np.diag(matrix).astype(np.float64)
    fp = matrix.sum(axis=0) - tp  # predicted as the class, but of another
    fn = matrix.sum(axis=1) - tp  # of the class, but predicted as another
    if binary:  # a binary classifier is scored on class 1, the positives
        tp, fp, fn = tp[1:], fp[1:], fn[1:]
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    precision, recall = _divide(tp, tp + fp), _divide(tp, tp + fn)
    by_kind: dict[type[Metric], Array] = {
        Precision: precision,
        Recall: recall,
        F1: _divide(2 * precision * recall, precision + recall),
    }
    scores = by_kind[kind]
    seen = tp + fp + fn > 0  # classes neither true nor predicted are left out
    return float(scores[seen].mean()) if seen.any() else 0.0


def _top_k(scores: Array, truth: Array, k: int) -> float:
    best = np.argsort(-scores, axis=-1)[:, :k]
    return float(np.mean([t in row for t, row in zip(truth, best, strict=True)]))


def reference(metric: Metric, outputs: Array, targets: Array, kind: str) -> float:
    """The metric on the whole dataset (`outputs`, `targets`), in NumPy."""
    outputs = outputs.astype(np.float64)
    if kind == "regression":
        difference = (outputs - targets).reshape(len(outputs), -1)
        per_example = difference**2 if isinstance(metric, MeanSquaredError) else np.abs(difference)
        return float(per_example.mean(axis=1).mean())
    if kind == "binary":
        predicted, truth, classes = (outputs[:, 0] > 0).astype(int), (targets[:, 0] > 0.5).astype(int), 2
    else:
        truth = targets if kind == "ids" else targets.argmax(axis=-1)
        predicted, classes = outputs.argmax(axis=-1), outputs.shape[-1]
    if isinstance(metric, TopKAccuracy):
        return _top_k(outputs, truth, metric.k)
    if isinstance(metric, Accuracy):
        return float(np.mean(predicted == truth))
    assert isinstance(metric, COUNTS)
    matrix = _confusion(truth, predicted, classes)
    return _counts_score(type(metric), matrix, average=metric.average, binary=kind == "binary")


# ---------------------------------------------------------------- data


def _classification(rng: np.random.Generator, kind: str, examples: int, classes: int) -> tuple[Array, Array]:
    """Logits and targets; some classes may be absent from the data, or never predicted."""
    if kind == "binary":
        logits = rng.normal(loc=rng.normal(), size=(examples, 1))
        truth = rng.random(examples) < rng.uniform(0.0, 1.0)
        return logits.astype(np.float32), truth[:, None].astype(np.float32)
    logits = rng.normal(size=(examples, classes))
    logits[:, rng.integers(classes)] -= rng.choice([0.0, 20.0])  # sometimes a class no example predicts
    truth = rng.integers(0, rng.integers(1, classes + 1), size=examples)  # sometimes classes no example holds
    targets = truth.astype(np.int32) if kind == "ids" else np.eye(classes, dtype=np.float32)[truth]
    return logits.astype(np.float32), targets


def _garbage(rng: np.random.Generator, like: Array, rows: int) -> Array:
    """Padding rows nobody should read: huge, non-finite, or (for class ids) out of range."""
    shape = (rows, *like.shape[1:])
    if np.issubdtype(like.dtype, np.integer):
        return rng.integers(-5, 100, size=shape).astype(like.dtype)
    values = rng.normal(scale=1e30, size=shape)
    values[rng.random(shape) < 0.2] = np.nan
    values[rng.random(shape) < 0.2] = np.inf
    return values.astype(like.dtype)


def _spans(rng: np.random.Generator, examples: int, *, batch_size: int) -> list[tuple[int, int]]:
    """A random split into batches of 1 to `batch_size` examples."""
    spans, start = [], 0
    while start < examples:
        stop = min(start + int(rng.integers(1, batch_size + 1)), examples)
        spans.append((start, stop))
        start = stop
    return spans


def _padded(
    rng: np.random.Generator, outputs: Array, targets: Array, spans: list[tuple[int, int]], *, batch_size: int
) -> list[tuple[Array, Array, Array]]:
    """The batches of `spans`, each padded to `batch_size` with garbage rows of weight 0."""
    batches = []
    for start, stop in spans:
        pad = batch_size - (stop - start)
        x = np.concatenate([outputs[start:stop], _garbage(rng, outputs, pad)])
        y = np.concatenate([targets[start:stop], _garbage(rng, targets, pad)])
        batches.append((x, y, (np.arange(batch_size) < stop - start).astype(np.float32)))
    return batches


@functools.cache
def _streaming(
    metrics: tuple[Metric, ...], shape: tuple[int, ...]
) -> tuple[States, Callable[..., States], Callable[..., jax.Array]]:
    """Zero states, a jitted update of every metric and their jitted results, built once.

    The update runs every metric in one compiled function, as the trainer's step does.
    """

    def update(states: States, outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> States:
        return tuple(m.update(s, outputs, targets, weights) for m, s in zip(metrics, states, strict=True))

    def results(states: States) -> jax.Array:
        return jnp.stack([m.result(s) for m, s in zip(metrics, states, strict=True)])

    return tuple(m.init(shape) for m in metrics), jax.jit(update), jax.jit(results)


def _stream(metrics: Sequence[Metric], shape: tuple[int, ...], batches: list[tuple[Array, Array, Array]]) -> Array:
    states, update, results = _streaming(tuple(metrics), shape)
    for batch in batches:
        states = update(states, *batch)
    return np.asarray(results(states))


def _check_stream(
    seed: int, kind: str, metrics: Sequence[Metric], outputs: Array, targets: Array, *, batch_size: int, rtol: float
) -> None:
    expected = np.array([reference(m, outputs, targets, kind) for m in metrics])
    rng = np.random.default_rng(seed)
    spans = _spans(rng, len(outputs), batch_size=batch_size)
    streamed = _stream(metrics, outputs.shape[1:], _padded(rng, outputs, targets, spans, batch_size=batch_size))
    np.testing.assert_allclose(streamed, expected, rtol=rtol, atol=1e-7, err_msg=str([m.name for m in metrics]))
    # The same split with other garbage in the padding gives exactly the same result.
    refilled = _padded(rng, outputs, targets, spans, batch_size=batch_size)
    np.testing.assert_array_equal(_stream(metrics, outputs.shape[1:], refilled), streamed)


# ---------------------------------------------------------------- streaming exactness

BATCH = 5  # one padded batch shape, so each kind of data compiles once
CLASSIFIERS: tuple[Metric, ...] = (
    Accuracy(),
    *(cls(average=average) for cls in COUNTS for average in AVERAGES),
)
RANKED = (*CLASSIFIERS, TopKAccuracy(k=1), TopKAccuracy(k=2))  # for more than one logit


@given(
    seed=st.integers(0, 2**32 - 1),
    examples=st.integers(1, 40),
    kind=st.sampled_from(["ids", "one_hot"]),
    classes=st.sampled_from([2, 4]),
)
def test_streamed_class_metrics_equal_the_whole_dataset_reference(
    seed: int, examples: int, kind: str, classes: int
) -> None:
    outputs, targets = _classification(np.random.default_rng(seed), kind, examples, classes)
    _check_stream(seed, kind, RANKED, outputs, targets, batch_size=BATCH, rtol=1e-6)


@given(seed=st.integers(0, 2**32 - 1), examples=st.integers(1, 40))
def test_streamed_binary_metrics_equal_the_whole_dataset_reference(seed: int, examples: int) -> None:
    outputs, targets = _classification(np.random.default_rng(seed), "binary", examples, 1)
    _check_stream(seed, "binary", CLASSIFIERS, outputs, targets, batch_size=BATCH, rtol=1e-6)


@given(seed=st.integers(0, 2**32 - 1), examples=st.integers(1, 40), shape=st.sampled_from([(1,), (3,), (2, 3)]))
def test_streamed_regression_metrics_equal_the_whole_dataset_reference(
    seed: int, examples: int, shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(seed)
    outputs = rng.normal(scale=3.0, size=(examples, *shape)).astype(np.float32)
    targets = rng.normal(scale=3.0, size=(examples, *shape)).astype(np.float32)
    metrics = (MeanSquaredError(), MeanAbsoluteError())
    _check_stream(seed, "regression", metrics, outputs, targets, batch_size=BATCH, rtol=1e-5)


def test_metrics_fold_under_lax_scan_as_the_trainer_runs_them() -> None:
    rng = np.random.default_rng(0)
    outputs, targets = _classification(rng, "ids", 23, 4)
    steps = -(-23 // 8)
    index = np.zeros(steps * 8, np.int64)
    index[:23] = np.arange(23)  # the trainer pads with example 0
    weights = (np.arange(steps * 8) < 23).astype(np.float32).reshape(steps, 8)
    index = index.reshape(steps, 8)

    @jax.jit
    def run(states: States, x: jax.Array, y: jax.Array, w: jax.Array) -> States:
        def body(carry: States, batch: tuple[jax.Array, jax.Array, jax.Array]) -> tuple[States, None]:
            bx, by, bw = batch
            return tuple(m.update(s, bx, by, bw) for m, s in zip(RANKED, carry, strict=True)), None

        return jax.lax.scan(body, states, (x, y, w))[0]

    zeros, _, results = _streaming(RANKED, (4,))
    states = run(zeros, outputs[index], targets[index], weights)
    expected = [reference(metric, outputs, targets, "ids") for metric in RANKED]
    np.testing.assert_allclose(np.asarray(results(states)), expected, rtol=1e-6)
    # The trainer reads the results on the host, from the states it fetched.
    f1 = RANKED.index(F1())
    assert float(F1().result(jax.device_get(states[f1]))) == pytest.approx(expected[f1], rel=1e-6)


# ---------------------------------------------------------------- values by hand


@functools.partial(jax.jit, static_argnums=0)
def _evaluate(metrics: tuple[Metric, ...], outputs: jax.Array, targets: jax.Array, weights: jax.Array) -> jax.Array:
    shape = outputs.shape[1:]
    return jnp.stack([m.result(m.update(m.init(shape), outputs, targets, weights)) for m in metrics])


def _results(metrics: Sequence[Metric], outputs: Any, targets: Any, weights: Any = None) -> list[float]:
    """Each metric of one batch (all real examples unless `weights` says), in one compile."""
    outputs, targets = np.asarray(outputs, np.float32), np.asarray(targets)
    weights = np.ones(len(outputs), np.float32) if weights is None else np.asarray(weights, np.float32)
    return [float(value) for value in _evaluate(tuple(metrics), outputs, targets, weights)]


def _one_hot_logits(predicted: Sequence[int], classes: int) -> Array:
    return np.eye(classes, dtype=np.float32)[list(predicted)] * 3.0 - 1.0


def test_precision_recall_and_f1_give_scikit_learns_documented_values() -> None:
    # scikit-learn's documented example: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1].
    truth, logits = [0, 1, 2, 0, 1, 2], _one_hot_logits([0, 2, 1, 0, 0, 1], 3)
    expected = {
        Precision(): 2 / 9,  # sklearn: 0.22...
        Recall(): 1 / 3,
        F1(): 4 / 15,  # sklearn: 0.26...
        Precision(average="micro"): 1 / 3,
        Recall(average="micro"): 1 / 3,
        F1(average="micro"): 1 / 3,
        Accuracy(): 1 / 3,
    }
    for targets in (np.array(truth), np.eye(3)[truth]):
        assert _results(tuple(expected), logits, targets) == pytest.approx(list(expected.values()), rel=1e-6)


def test_a_class_absent_from_the_data_and_never_predicted_is_left_out_of_the_macro_average() -> None:
    truth = [0, 1, 1, 0, 2]  # of 5 classes, 3 and 4 never occur and are never predicted
    assert _results((Precision(), Recall(), F1()), _one_hot_logits(truth, 5), np.array(truth)) == [1.0, 1.0, 1.0]


def test_a_class_never_predicted_or_never_true_scores_zero_for_that_class() -> None:
    truth, predicted = [0, 0, 1, 1], [0, 0, 2, 2]  # class 1 never predicted, class 2 never true
    results = _results((Precision(), Recall(), F1()), _one_hot_logits(predicted, 3), np.array(truth))
    assert results == pytest.approx([(1 + 0 + 0) / 3] * 3)


def test_a_binary_classifier_is_scored_on_class_one() -> None:
    logits = np.array([[2.0], [-1.0], [0.5], [-3.0], [1.0]])  # predicts 1, 0, 1, 0, 1
    targets = np.array([[1.0], [1.0], [0.0], [0.0], [1.0]])
    # Class 1: tp 2 (rows 0, 4), fp 1 (row 2), fn 1 (row 1); macro and micro agree.
    assert _results(CLASSIFIERS, logits, targets) == pytest.approx([3 / 5] + [2 / 3] * 6)


def test_binary_thresholds_a_zero_logit_and_a_half_target_as_class_zero() -> None:
    logits = np.array([[0.0], [1e-6], [0.0]])
    targets = np.array([[0.5], [0.6], [0.0]])  # probabilities: above one half is class 1
    assert _results((Accuracy(),), logits, targets) == [1.0]


def test_a_binary_classifier_with_no_positives_anywhere_scores_zero_but_full_accuracy() -> None:
    assert _results(CLASSIFIERS, -np.ones((4, 1)), np.zeros((4, 1))) == [1.0] + [0.0] * 6


def test_every_metric_gives_zero_for_no_examples() -> None:
    regressors = (MeanSquaredError(), MeanAbsoluteError())
    for metrics in (RANKED, regressors):
        zeros, _, results = _streaming(metrics, (4,))
        assert np.asarray(results(zeros)).tolist() == [0.0] * len(metrics)
    # A batch of padding only leaves it there.
    assert _results(RANKED, np.ones((2, 4)), np.zeros(2, np.int32), weights=np.zeros(2)) == [0.0] * 9
    assert _results(regressors, np.ones((2, 4)), np.zeros((2, 4)), weights=np.zeros(2)) == [0.0] * 2


def test_count_states_hold_one_slot_per_class_and_one_for_a_binary_classifier() -> None:
    assert F1().init((10,))["tp"].shape == (10,)
    assert F1().init((7, 10))["fp"].shape == (10,)
    assert Precision().init((1,))["fn"].shape == (1,)
    assert {name: value.shape for name, value in Accuracy().init((10,)).items()} == {"total": (), "count": ()}


def test_top_k_accuracy_counts_ties_as_hits_and_every_example_once_k_reaches_the_classes() -> None:
    outputs = np.array([[1.0, 1.0, 1.0], [3.0, 2.0, 1.0]])
    top = (TopKAccuracy(k=1), TopKAccuracy(k=2), TopKAccuracy(k=3), TopKAccuracy(k=9))
    assert _results(top, outputs, np.array([2, 2])) == [0.5, 0.5, 1.0, 1.0]  # the tie is a hit, the last place not
    assert _results(top, outputs, np.eye(3)[[2, 1]]) == [0.5, 1.0, 1.0, 1.0]  # one-hot targets


@pytest.mark.parametrize("one_hot", [False, True])
def test_outputs_with_positions_average_each_example_then_count_every_position(one_hot: bool) -> None:
    rng = np.random.default_rng(3)
    outputs = rng.normal(size=(6, 4, 3)).astype(np.float32)  # (batch, positions, classes)
    truth = rng.integers(0, 3, size=(6, 4))
    targets = np.eye(3, dtype=np.float32)[truth] if one_hot else truth.astype(np.int32)
    flat_outputs, flat_truth = outputs.reshape(24, 3), truth.reshape(24)
    metrics = (*CLASSIFIERS, TopKAccuracy(k=2))
    # Every example has as many positions, so the mean of means is the mean over positions.
    expected = [reference(m, flat_outputs, flat_truth, "ids") for m in metrics]
    assert _results(metrics, outputs, targets) == pytest.approx(expected, rel=1e-6)
    weights = np.array([1, 1, 1, 0, 0, 0], np.float32)  # the first three examples: 12 positions
    expected = [reference(m, flat_outputs[:12], flat_truth[:12], "ids") for m in metrics]
    assert _results(metrics, outputs, targets, weights) == pytest.approx(expected, rel=1e-6)


def test_mean_errors_average_each_examples_values_first() -> None:
    outputs, targets = np.array([[1.0, 3.0], [0.0, -2.0]]), np.zeros((2, 2))
    assert _results((MeanSquaredError(), MeanAbsoluteError()), outputs, targets) == [(5 + 2) / 2, (2 + 1) / 2]


def test_padding_that_overflows_does_not_turn_a_mean_into_nan() -> None:
    outputs, weights = np.array([[1.0], [np.inf], [np.nan]]), np.array([1.0, 0.0, 0.0])
    assert _results((MeanSquaredError(), MeanAbsoluteError()), outputs, np.zeros((3, 1)), weights) == [1.0, 1.0]


# ---------------------------------------------------------------- get and names


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("accuracy", Accuracy),
        ("top_k_accuracy", TopKAccuracy),
        ("precision", Precision),
        ("recall", Recall),
        ("f1", F1),
        ("mse", MeanSquaredError),
        ("mean_squared_error", MeanSquaredError),
        ("mae", MeanAbsoluteError),
        ("mean_absolute_error", MeanAbsoluteError),
    ],
)
def test_get_makes_a_metric_from_its_name_or_alias(name: str, cls: type[Metric]) -> None:
    assert get(name) == cls()


def test_get_passes_metric_objects_through() -> None:
    metric = F1(average="micro")
    assert get(metric) is metric


def test_every_metric_name_is_a_name_get_takes_back() -> None:
    for metric in (Accuracy(), TopKAccuracy(k=3), Precision(), Recall(), F1(), MeanSquaredError(), MeanAbsoluteError()):
        assert get(metric.name) == metric, metric.name
    assert [get(name).name for name in ("mse", "mean_absolute_error", "top_k_accuracy")] == [
        "mse",
        "mae",
        "top_5_accuracy",
    ]


def test_top_k_accuracy_is_named_after_k() -> None:
    assert TopKAccuracy(k=3).name == "top_3_accuracy"
    assert TopKAccuracy().name == "top_5_accuracy"
    assert get("top_12_accuracy") == TopKAccuracy(k=12)


@pytest.mark.parametrize("k", [0, -2, 2.5])
def test_top_k_accuracy_needs_a_positive_integer_k(k: Any) -> None:
    expected = rf"TopKAccuracy needs an integer k from 1 to 2,147,483,647, not {k}"
    with pytest.raises(TypednnError, match=expected) as error:
        TopKAccuracy(k=k)
    assert error.value.hint == "k is how many of the highest scores count as a hit"


@pytest.mark.parametrize("cls", COUNTS)
def test_counts_need_macro_or_micro_average(cls: type[F1]) -> None:
    with pytest.raises(TypednnError, match=rf"{cls.__name__} average must be 'macro' or 'micro', not 'weighted'"):
        cls(average="weighted")  # type: ignore[arg-type]


def test_get_suggests_the_closest_name_for_an_unknown_one() -> None:
    with pytest.raises(TypednnError, match="unknown metric 'acuracy'") as error:
        get("acuracy")
    assert error.value.hint == "did you mean 'accuracy'?"
    with pytest.raises(TypednnError, match="unknown metric 'mean_squared'") as error:
        get("mean_squared")
    assert error.value.hint == "did you mean 'mean_squared_error'?"


def test_get_lists_the_known_names_when_none_is_close() -> None:
    with pytest.raises(TypednnError, match="unknown metric 'zzz'") as error:
        get("zzz")
    assert error.value.hint is not None
    assert error.value.hint.startswith("known metrics: accuracy, f1, mae, mean_absolute_error")


def test_get_asks_to_call_a_metric_class_passed_uncalled() -> None:
    with pytest.raises(TypednnError, match="a metric must be a name or a metric object, not the class F1") as error:
        get(F1)  # type: ignore[arg-type]
    assert error.value.hint == "call the class: F1()"
    with pytest.raises(TypednnError, match="a metric must be a name or a metric object, not 3"):
        get(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["top_3000000000_accuracy", "top_" + "9" * 5000 + "_accuracy"])
def test_top_k_names_with_a_huge_k_are_refused(name: str) -> None:
    with pytest.raises(TypednnError, match=r"k (from 1 to 2,147,483,647|has 5,000 digits)"):
        get(name)
