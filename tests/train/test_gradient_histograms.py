"""TensorBoard's gradient histograms, and gradients computed only when a callback asks for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import typednn as tn
from typednn import nn
from typednn.train._callback import Callback, Run
from typednn.train._steps import Compiled
from typednn.train._tensorboard import TensorBoard


def loaded(folder: Path) -> EventAccumulator:
    """TensorBoard's own reader over `folder`, keeping every histogram."""
    accumulator = EventAccumulator(str(folder), size_guidance={"histograms": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def model() -> tn.Model[Any, Any]:
    x = tn.Input(4)
    return tn.Model(x, x >> nn.Dense(8, name="hidden") >> nn.relu >> nn.Dense(3, name="logits"))


def data() -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(30, 4)), rng.integers(0, 3, 30), classes=3)


def trainer() -> tn.Trainer[Any, Any]:
    return tn.Trainer(model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=3)


class Counting:
    """Wraps `Compiled.last_gradients`, counting its calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = Compiled.last_gradients

        def counted(compiled: Compiled, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(compiled, *args, **kwargs)

        monkeypatch.setattr(Compiled, "last_gradients", counted)


class Recorder(Callback):
    """Keeps `run.gradients` as `on_epoch_end` sees it, asking for them on the epochs in `wanted`."""

    def __init__(self, wanted: set[int]) -> None:
        self.wanted = wanted
        self.seen: dict[int, Any] = {}

    def wants_gradients(self, run: Run, epoch: int) -> bool:
        return epoch in self.wanted

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        self.seen[epoch] = run.gradients


@pytest.mark.slow
def test_tensorboard_writes_the_gradient_of_the_last_batch_for_each_dense_array(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(monkeypatch)
    fitted = trainer()
    fitted.fit(data(), epochs=2, batch_size=8, shuffle=False, callbacks=[TensorBoard(tmp_path)], verbose=0)
    assert counting.calls == 2
    board = loaded(tmp_path / "train")
    gradients = {tag for tag in board.Tags()["histograms"] if tag.startswith("gradients/")}
    assert gradients == {f"gradients/{layer}/{array}" for layer in ("hidden", "logits") for array in ("kernel", "bias")}

    # The loss on the last batch (examples 24-29 unshuffled, a ragged batch of 6), at the final parameters.
    features, targets = np.asarray(data().features, np.float32)[24:], np.asarray(data().targets)[24:]

    def loss(params: Any) -> jax.Array:
        logits = fitted.model.apply(params, jnp.asarray(features))
        return jnp.mean(tn.losses.softmax_cross_entropy(logits, jnp.asarray(targets)))

    expected = jax.grad(loss)(fitted.params)
    for layer in ("hidden", "logits"):
        for array in ("kernel", "bias"):
            events = board.Histograms(f"gradients/{layer}/{array}")
            assert [event.step for event in events] == [0, 1]
            histogram = events[-1].histogram_value
            grad = np.asarray(expected[layer][array], np.float64)
            assert histogram.num == grad.size  # every value finite
            assert np.isfinite([histogram.min, histogram.max]).all() and histogram.sum_squares > 0
            assert histogram.sum == pytest.approx(grad.sum(), abs=1e-5)
            assert histogram.sum_squares == pytest.approx(np.square(grad).sum(), rel=1e-4)


@pytest.mark.slow
def test_gradients_are_computed_only_for_the_epochs_a_callback_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(monkeypatch)
    trainer().fit(data(), epochs=2, batch_size=8, verbose=0)
    assert counting.calls == 0  # without TensorBoard: never

    recorder, quiet = Recorder({1}), Recorder(set())
    trainer().fit(data(), epochs=3, batch_size=8, callbacks=[recorder, quiet], verbose=0)
    assert counting.calls == 1
    assert recorder.seen[0] is None and recorder.seen[2] is None
    assert sorted(recorder.seen[1]) == ["hidden", "logits"]
    assert all(isinstance(array, np.ndarray) for array in jax.tree.leaves(recorder.seen[1]))
    assert quiet.seen[1] is recorder.seen[1]  # one computation, shown to every callback

    # Histograms off: no gradients either.
    trainer().fit(data(), epochs=1, batch_size=8, callbacks=[TensorBoard(tmp_path, histogram_freq=0)], verbose=0)
    assert counting.calls == 1


@pytest.mark.slow
def test_batch_norm_statistics_get_no_gradient(monkeypatch: pytest.MonkeyPatch) -> None:
    x = tn.Input(4)
    normed = tn.Model(x, x >> nn.Dense(8, name="hidden") >> nn.BatchNorm(name="norm") >> nn.Dense(3, name="logits"))
    recorder = Recorder({0})
    tn.Trainer(normed, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1)).fit(
        data(), epochs=1, batch_size=8, callbacks=[recorder], verbose=0
    )
    norm = recorder.seen[0]["norm"]
    assert "mean" not in norm and "var" not in norm and norm  # the scale and offset only
    assert all(np.isfinite(array).all() for array in jax.tree.leaves(recorder.seen[0]))


def test_the_callback_writes_the_gradients_the_run_holds(tmp_path: Path) -> None:
    class FakeModel:
        def count_params(self) -> int:
            return 4

    class Fake:
        seed, loss, model = 0, "mean_squared_error", FakeModel()

        def host_params(self) -> dict[str, dict[str, np.ndarray[Any, Any]]]:
            return {"dense": {"kernel": np.ones((2, 2), np.float32)}}

    board = TensorBoard(tmp_path, histogram_freq=2)
    run = Run(trainer=cast(Any, Fake()), epochs=2, initial_epoch=0, steps_per_epoch=1, batch_size=1, examples=1)
    assert [board.wants_gradients(run, epoch) for epoch in range(3)] == [True, False, True]
    run.gradients = {"dense": {"kernel": np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)}}
    board.on_train_begin(run)
    board.on_epoch_begin(run, 0)
    board.on_epoch_end(run, 0, {"loss": 1.0})
    board.on_train_end(run)
    events = loaded(tmp_path / "train").Histograms("gradients/dense/kernel")
    assert [event.step for event in events] == [0]
    assert events[0].histogram_value.sum == pytest.approx(1.5)
    assert events[0].histogram_value.num == 4


def test_callbacks_want_no_gradients_by_default() -> None:
    run = Run(trainer=cast(Any, None), epochs=1, initial_epoch=0, steps_per_epoch=1, batch_size=1, examples=1)
    assert Callback().wants_gradients(run, 0) is False
    assert run.gradients is None
