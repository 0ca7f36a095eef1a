"""The Trainer: real training on real data, determinism, ragged batches, callbacks, NaN."""

from __future__ import annotations

import inspect
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train._steps import Compiled


def leaves(params: Any) -> list[np.ndarray[Any, Any]]:
    return [np.asarray(leaf) for leaf in jax.tree.leaves(params)]


def assert_bit_equal(a: Any, b: Any) -> None:
    for x, y in zip(leaves(a), leaves(b), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y), "parameters differ"


def mlp(inputs: int = 4, classes: int = 3, dropout: float = 0.0) -> tn.Model[Any, Any]:
    x = tn.Input(inputs)
    h = x >> nn.Dense(16) >> nn.relu
    if dropout:
        h = h >> nn.Dropout(dropout)
    return tn.Model(x, h >> nn.Dense(classes))


def toy(examples: int = 50, inputs: int = 4, classes: int = 3, seed: int = 0) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(seed)
    return tn.data.from_arrays(rng.normal(size=(examples, inputs)), rng.integers(0, classes, examples), classes=classes)


def trainer(model: tn.Model[Any, Any] | None = None, **kwargs: Any) -> tn.Trainer[Any, Any]:
    kwargs.setdefault("optimizer", optax.adam(1e-2))
    return tn.Trainer(model or mlp(), loss=tn.losses.softmax_cross_entropy, **kwargs)


def test_a_typed_cnn_learns_the_digits_to_97_percent() -> None:
    train, test = tn.data.digits().split(0.2, seed=0)
    x = tn.Input(8, 8, 1)
    y = x >> nn.Conv2D(32, kernel=3, padding="same") >> nn.relu >> nn.MaxPool2D(2) >> nn.Flatten()
    y = y >> nn.Dense(64) >> nn.relu >> nn.Dense(10)
    fitted = trainer(tn.Model(x, y), optimizer=optax.adam(3e-3), metrics=["accuracy"])
    history = fitted.fit(train, epochs=12, batch_size=32, validation=0.1, verbose=0)
    assert history["val_accuracy"][-1] > 0.95
    result = fitted.evaluate(test)
    assert result["accuracy"] >= 0.97, result
    assert set(result) == {"loss", "accuracy"}


def test_the_same_seed_gives_bit_identical_parameters() -> None:
    runs = []
    for _ in range(2):
        fitted = trainer(mlp(dropout=0.3), seed=3)
        fitted.fit(toy(), epochs=3, batch_size=8, verbose=0)
        runs.append(fitted.params)
    assert_bit_equal(*runs)
    other = trainer(mlp(dropout=0.3), seed=4)
    other.fit(toy(), epochs=3, batch_size=8, verbose=0)
    assert not np.array_equal(leaves(runs[0])[0], leaves(other.params)[0])


def test_data_on_device_and_prefetched_from_the_host_train_identically() -> None:
    on_device, fed = trainer(seed=1), trainer(seed=1, device_data_limit=0)
    for fitted in (on_device, fed):
        fitted.fit(toy(), epochs=2, batch_size=8, verbose=0)
    assert_bit_equal(on_device.params, fed.params)
    assert on_device.evaluate(toy(seed=1)) == fed.evaluate(toy(seed=1))


def test_steps_per_dispatch_does_not_change_the_result() -> None:
    results = []
    for per_dispatch in (1, 3, None):
        fitted = trainer(seed=2, steps_per_dispatch=per_dispatch)
        fitted.fit(toy(), epochs=2, batch_size=8, verbose=0)
        results.append(fitted.params)
    assert_bit_equal(results[0], results[1])
    assert_bit_equal(results[0], results[2])


def test_a_ragged_last_batch_is_trained_on_its_real_examples_only() -> None:
    data = toy(examples=10)
    fitted = trainer(optimizer=optax.sgd(0.1))
    start = jax.device_get(fitted.params)
    fitted.fit(data, epochs=1, batch_size=4, shuffle=False, verbose=0)
    assert fitted.step == 3

    def loss(params: Any, x: Any, y: Any) -> jax.Array:
        return jnp.mean(tn.losses.softmax_cross_entropy(fitted.model.apply(params, x), y))

    params, optimizer = start, optax.sgd(0.1)
    state = optimizer.init(params)
    for lo in (0, 4, 8):  # batches of 4, 4 and 2
        grads = jax.grad(loss)(params, data.features[lo : lo + 4], data.targets[lo : lo + 4])
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    for ours, reference in zip(leaves(fitted.params), leaves(params), strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)


def test_evaluate_is_exact_whatever_the_batch_size() -> None:
    data = toy(examples=23)
    fitted = trainer(metrics=["accuracy"])
    outputs = np.asarray(fitted.predict(data.features))
    expected_loss = float(np.mean(tn.losses.softmax_cross_entropy(jnp.asarray(outputs), jnp.asarray(data.targets))))
    expected_accuracy = float(np.mean(outputs.argmax(-1) == data.targets))
    for batch_size in (1, 5, 7, 23, 100):
        result = fitted.evaluate(data, batch_size=batch_size)
        assert result["accuracy"] == pytest.approx(expected_accuracy, abs=1e-7)
        assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)


def test_predict_matches_the_model_and_handles_any_length() -> None:
    fitted = trainer()
    x = np.random.default_rng(0).normal(size=(37, 4)).astype(np.float32)
    expected = fitted.model.apply(fitted.params, jnp.asarray(x))
    np.testing.assert_allclose(fitted.predict(x, batch_size=8), expected, rtol=1e-6, atol=1e-6)
    assert fitted.predict(x[:0]).shape == (0, 3)


def test_history_holds_every_epoch_with_validation_metrics() -> None:
    fitted = trainer(metrics=["accuracy", tn.metrics.TopKAccuracy(k=2)])
    history = fitted.fit(toy(), epochs=3, batch_size=16, validation=toy(seed=5), verbose=0)
    assert len(history) == 3 and fitted.epoch == 3
    assert list(history.epochs[0]) == [
        "loss",
        "accuracy",
        "top_2_accuracy",
        "val_loss",
        "val_accuracy",
        "val_top_2_accuracy",
    ]
    assert history["loss"][0] > history["loss"][-1]


def test_a_float_validation_holds_out_the_last_examples() -> None:
    seen: list[int] = []

    class Sizes(tn.callbacks.Callback):
        def on_train_begin(self, run: tn.callbacks.Run) -> None:
            seen.append(run.examples)

    trainer().fit(toy(examples=50), epochs=1, validation=0.2, callbacks=[Sizes()], verbose=0)
    assert seen == [40]


def test_a_nan_mid_training_stops_the_run_naming_the_step() -> None:
    data = toy(examples=40)
    data.features[21, 2] = np.nan  # row 21: the sixth batch of 4, without shuffling
    fitted = trainer()
    with pytest.raises(tn.NonFiniteLossError) as caught:
        fitted.fit(data, epochs=2, batch_size=4, shuffle=False, verbose=0)
    assert "the loss is nan at step 5 (epoch 1, batch 6 of 10); training stopped" in str(caught.value)
    assert caught.value.step == 5
    assert "learning rate" in str(caught.value)


def test_nan_checking_can_be_turned_off() -> None:
    data = toy(examples=8)
    data.features[0, 0] = np.inf
    history = trainer().fit(data, epochs=1, batch_size=4, terminate_on_nan=False, verbose=0)
    assert np.isnan(history["loss"][0])


def test_a_loss_must_give_one_value_per_example() -> None:
    fitted = tn.Trainer(
        mlp(), loss=lambda o, t: jnp.mean(tn.losses.softmax_cross_entropy(o, t)), optimizer=optax.sgd(0.1)
    )
    with pytest.raises(tn.TypednnError, match=r"the loss returned shape \(\), .* one value per example: \(4,\)"):
        fitted.fit(toy(), epochs=1, batch_size=4, verbose=0)


def test_data_that_does_not_fit_the_model_is_refused_before_compiling() -> None:
    with pytest.raises(tn.ShapeError, match="5"):
        trainer().fit(toy(inputs=5), epochs=1, verbose=0)


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    seen: list[Any] = []

    class Keep(tn.callbacks.Callback):
        def on_epoch_end(self, run: tn.callbacks.Run, epoch: int, logs: dict[str, float]) -> None:
            seen.append(jax.device_get(run.trainer.params))

    stop = tn.callbacks.EarlyStopping("val_loss", patience=1)
    fitted = trainer(optimizer=optax.sgd(3.0))  # too large a step: the validation loss soon rises
    history = fitted.fit(toy(), epochs=30, batch_size=5, validation=toy(seed=9), callbacks=[stop, Keep()], verbose=0)
    assert stop.stopped_epoch is not None and len(history) == stop.stopped_epoch + 1 < 30
    best = int(np.argmin(history["val_loss"]))
    assert stop.best_epoch == best
    assert_bit_equal(fitted.params, seen[best])


def test_monitoring_a_metric_that_is_not_logged_says_what_is() -> None:
    with pytest.raises(tn.TypednnError, match="cannot monitor 'val_loss': the epoch's logs hold loss"):
        trainer().fit(toy(), epochs=1, callbacks=[tn.callbacks.EarlyStopping()], verbose=0)


def test_a_learning_rate_schedule_sets_the_rate_each_epoch() -> None:
    schedule = tn.callbacks.LearningRateScheduler(lambda epoch, rate: 0.1 / (epoch + 1))
    fitted = trainer(optimizer=optax.inject_hyperparams(optax.sgd)(learning_rate=1.0))
    history = fitted.fit(toy(), epochs=3, callbacks=[schedule], verbose=0)
    assert history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_a_schedule_needs_an_injectable_learning_rate() -> None:
    schedule = tn.callbacks.LearningRateScheduler(lambda epoch, rate: rate)
    with pytest.raises(tn.TypednnError, match="inject_hyperparams"):
        trainer().fit(toy(), epochs=1, callbacks=[schedule], verbose=0)


def test_reduce_on_plateau_lowers_the_rate() -> None:
    plateau = tn.callbacks.ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=10.0)
    fitted = trainer(optimizer=optax.inject_hyperparams(optax.sgd)(learning_rate=0.1))
    history = fitted.fit(toy(), epochs=4, callbacks=[plateau], verbose=0)
    assert history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025])  # logged: the rate each epoch used


def test_dropout_draws_from_the_trainers_seed() -> None:
    def fitted(seed: int) -> Any:
        t = trainer(mlp(dropout=0.5), seed=seed)
        t.fit(toy(), epochs=1, batch_size=10, verbose=0)
        return t.params

    assert_bit_equal(fitted(7), fitted(7))


def test_resume_needs_a_checkpoint_callback() -> None:
    with pytest.raises(tn.TypednnError, match="fit\\(resume=True\\) needs a checkpoint"):
        trainer().fit(toy(), epochs=1, resume=True, verbose=0)


@pytest.mark.parametrize(("epochs", "batch_size"), [(-1, 4), (1, 0)])
def test_fit_refuses_nonsense_settings(epochs: int, batch_size: int) -> None:
    with pytest.raises(tn.TypednnError, match="epochs >= 0 and batch_size >= 1"):
        trainer().fit(toy(), epochs=epochs, batch_size=batch_size, verbose=0)


def test_metric_names_must_be_known_and_distinct() -> None:
    with pytest.raises(tn.TypednnError, match="did you mean 'accuracy'"):
        trainer(metrics=["acuracy"])
    with pytest.raises(tn.TypednnError, match="distinct"):
        trainer(metrics=["accuracy", "accuracy"])


# ------------------------------------------------------------------------------ named dims


class Seq(tn.Dim):
    """Steps of a sequence, as many as the data has."""


def test_a_model_with_a_named_dim_trains_and_evaluates_on_data_of_any_length() -> None:
    x = tn.Input(Seq, 4)
    model = tn.Model(x, x >> nn.Dense(16) >> nn.relu >> nn.GlobalAvgPool1D() >> nn.Dense(3))
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 60)
    # The class shifts the mean of every step, so a pooled model can learn it.
    features = rng.normal(size=(60, 10, 4)) + labels[:, None, None]
    data = tn.data.from_arrays(features, labels, classes=3)
    fitted = trainer(model, metrics=["accuracy"])
    history = fitted.fit(data, epochs=20, batch_size=16, verbose=0)
    assert history["loss"][-1] < history["loss"][0]
    result = fitted.evaluate(data)
    assert result["accuracy"] > 0.8, result
    # Seq binds per dataset: a later dataset may have another length.
    longer = tn.data.from_arrays(rng.normal(size=(8, 25, 4)), rng.integers(0, 3, 8), classes=3)
    assert set(fitted.evaluate(longer)) == {"loss", "accuracy"}
    assert fitted.predict(features[:2]).shape == (2, 3)


def test_a_named_dim_in_the_output_binds_to_the_targets_too() -> None:
    x = tn.Input(Seq, 4)
    model = tn.Model(x, x >> nn.Dense(2))  # one value per step: (Seq, 2)
    rng = np.random.default_rng(1)
    features = rng.normal(size=(12, 10, 4))
    data = tn.data.from_arrays(features, features[..., :2] * 2.0)
    fitted = tn.Trainer(model, loss=tn.losses.mean_squared_error, optimizer=optax.adam(5e-2))
    history = fitted.fit(data, epochs=30, batch_size=4, verbose=0)
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert fitted.evaluate(data)["loss"] == pytest.approx(history["loss"][-1], rel=0.5)
    assert fitted.predict(np.zeros((0, 7, 4))).shape == (0, 7, 2)
    other_length = tn.data.from_arrays(features, features[:, :9, :2])
    with pytest.raises(tn.ShapeError) as caught:
        fitted.evaluate(other_length)
    assert caught.value.message == (
        "Trainer.evaluate expects targets of shape (Seq, 2) (the model's output), "
        "but receives data whose targets have shape (9, 2)"
    )
    assert (
        caught.value.hint
        == "Seq stands for one size, but the features have 10 at axis 0 and the targets have 9 at axis 0"
    )


def test_evaluate_names_itself_when_the_data_does_not_fit() -> None:
    with pytest.raises(tn.ShapeError, match=r"^Trainer\.evaluate expects features of shape \(4,\)"):
        trainer().evaluate(toy(inputs=5))
    with pytest.raises(tn.ShapeError, match=r"^validation data: Trainer\.fit expects features of shape \(4,\)"):
        trainer().fit(toy(), epochs=1, validation=toy(inputs=5), verbose=0)


@pytest.mark.parametrize("seed", [-1, 2**63, 10**30])
def test_a_seed_outside_64_bits_is_refused(seed: int) -> None:
    x = tn.Input(4)
    with pytest.raises(tn.TypednnError, match="seed must be an int from 0 to 2\\*\\*63 - 1"):
        tn.Trainer(
            tn.Model(x, x >> nn.Dense(2)), loss=tn.losses.mean_squared_error, optimizer=optax.sgd(0.1), seed=seed
        )


class _StepOverAllParameters(Compiled):
    """A step over every parameter, through `apply` alone: what models without state once trained with.

    Kept here as the reference the one step (over `lowered.split(params)[0]`, through
    `apply_updating`) must match bit for bit on models without state.
    """

    def _train_step(
        self,
        carry: tuple[Any, Any, Any],
        x: jax.Array,
        y: jax.Array,
        w: Any,
        key: jax.Array,
        padded: bool,
    ) -> tuple[tuple[Any, Any, Any], jax.Array]:
        params, opt_state, states = carry

        (head,) = self.heads.heads

        def objective(p: Any) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
            outputs = self.lowered.apply(p, x, key=key, training=True)
            per_example = head.loss(outputs, y)
            return jnp.sum(per_example * w) / jnp.maximum(jnp.sum(w), 1.0), (outputs, per_example)

        (mean, (outputs, per_example)), grads = jax.value_and_grad(objective, has_aux=True)(params)
        updates, opt_state = self.optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        states = self.heads.update(states, jax.lax.stop_gradient(outputs), y, w, (per_example,))
        return (params, opt_state, states), mean


def _fit_recording(fitted: tn.Trainer[Any, Any], data: tn.data.Dataset[Any, Any]) -> np.ndarray[Any, Any]:
    losses: list[np.ndarray[Any, Any]] = []

    class Record(tn.callbacks.Callback):
        def on_steps_end(self, run: tn.callbacks.Run, steps: tn.callbacks.Steps) -> None:
            losses.append(steps.losses)

    fitted.fit(data, epochs=2, batch_size=7, validation=data, callbacks=[Record()], verbose=0)
    return np.concatenate(losses)


@pytest.mark.parametrize("kind", ["dense-dropout", "conv"])
def test_one_training_step_trains_models_without_state_bit_identically(kind: str) -> None:
    """The stateful step is the only one: on a model without state it gives the old step's losses and parameters."""
    if kind == "conv":
        x = tn.Input(6, 6, 1)
        model: tn.Model[Any, Any] = tn.Model(x, x >> nn.Conv2D(4, kernel=3) >> nn.relu >> nn.Flatten() >> nn.Dense(3))
        rng = np.random.default_rng(1)
        data = tn.data.from_arrays(rng.normal(size=(30, 6, 6, 1)), rng.integers(0, 3, 30), classes=3)
    else:
        model, data = mlp(dropout=0.3), toy(examples=30)
    ours, reference = trainer(model, seed=5, metrics=["accuracy"]), trainer(model, seed=5, metrics=["accuracy"])
    assert not model.lowered.has_state
    old = reference._compiled
    reference._compiled = _StepOverAllParameters(model.lowered, old.heads, old.optimizer, unroll=old.unroll)
    assert_bit_equal(_fit_recording(ours, data), _fit_recording(reference, data))
    assert_bit_equal(ours.params, reference.params)
    assert_bit_equal(ours.opt_state, reference.opt_state)


def test_compiled_needs_the_lowered_model() -> None:
    """`lowered` is required: the step reads its split, merge and state from it."""
    parameters = inspect.signature(Compiled).parameters
    assert "apply" not in parameters and parameters["lowered"].default is inspect.Parameter.empty


def test_fit_takes_a_mesh_through_the_trainer_not_devices() -> None:
    """`fit(devices=)` is gone: a trainer trains on a mesh given to it (`mesh=` or `distribute`)."""
    assert "devices" not in inspect.signature(tn.Trainer.fit).parameters
    with pytest.raises(TypeError, match="devices"):
        options: dict[str, Any] = {"devices": 1}  # as a caller mypy does not check would pass it
        trainer().fit(toy(), epochs=1, verbose=0, **options)


def test_distribute_moves_a_trainer_onto_a_mesh_between_fits() -> None:
    """What `fit(devices=1)` did, said with the mesh: the run continues as on one device."""
    data = toy()
    moved, plain = trainer(seed=6), trainer(seed=6)
    moved.fit(data, epochs=1, batch_size=10, verbose=0)
    moved.distribute(tn.distributed.data_mesh(1))
    moved.fit(data, epochs=1, batch_size=10, verbose=0)
    plain.fit(data, epochs=2, batch_size=10, verbose=0)
    assert isinstance(moved.params["dense"]["kernel"].sharding, jax.sharding.NamedSharding)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), moved.host_params(), plain.host_params())
