"""BatchNorm: its rule, its numbers against flax.nnx in both modes, and its state through training.

The running statistics are non-trainable state: they sit in `params` beside the
parameters (so exports, checkpoints and `Model.apply` carry them), the optimizer never
sees them, and each training step takes their new values from the forward pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.shapes.test_rules_vs_jax import SEQ
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, BatchNormHyper, Shape
from typednn.export import load
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.testing import check_case, layers

# ---------------------------------------------------------------------------- rule


@pytest.mark.parametrize(
    "shape",
    [Shape.of(8), Shape.of(128, 64), Shape.of(32, 32, 64), Shape.of(SEQ, 16), Shape.of(UNKNOWN), Shape.anything()],
    ids=repr,
)
def test_the_shape_stays(shape: Shape) -> None:
    assert BatchNormHyper().output_shape(shape) == shape


def test_an_input_without_axes_is_refused() -> None:
    with pytest.raises(ShapeError) as info:
        nn.BatchNorm()(tn.Input())  # type: ignore[typednn-shape]
    assert info.value.message == "BatchNorm() expects at least one axis (the features), but receives ()"
    assert info.value.hint == "use Reshape to add a feature axis"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.BatchNorm(momentum=1.5), "BatchNorm(momentum=1.5): momentum must be a number from 0 to 1"),  # type: ignore[typednn-param]
        (lambda: nn.BatchNorm(momentum=-0.1), "momentum must be a number from 0 to 1, but is -0.1"),  # type: ignore[typednn-param]
        (lambda: nn.BatchNorm(momentum=True), "momentum must be a number from 0 to 1, but is True"),  # type: ignore[typednn-param]
        (lambda: nn.BatchNorm(epsilon=-1.0), "BatchNorm(epsilon=-1.0): epsilon must be a number >= 0"),  # type: ignore[typednn-param]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message
    assert info.value.hint


def test_defaults_are_keras_and_kind_is_batch_norm() -> None:
    hyper = nn.BatchNorm().hyper
    assert (hyper.momentum, hyper.epsilon, hyper.use_bias, hyper.use_scale) == (0.99, 1e-3, True, True)
    kind = kind_of(nn.BatchNorm())
    assert kind is not None and kind.name == "batch_norm" and "batch_norm" in KINDS
    assert nn.BatchNorm().default_name() == "batch_norm"


@given(data=st.data())
def test_rule_equals_eval_shape(data: st.DataObject) -> None:
    check_case(data.draw(layers("batch_norm")), data)


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("shape", [(16, 5), (4, 12, 6), (4, 6, 6, 3)], ids=str)
@pytest.mark.parametrize(("use_bias", "use_scale"), [(True, True), (False, True), (True, False), (False, False)])
def test_numbers_equal_flax_nnx_in_both_modes(shape: tuple[int, ...], use_bias: bool, use_scale: bool) -> None:
    features = shape[-1]
    x_in = tn.Input(*shape[1:])
    layer = nn.BatchNorm(momentum=0.9, epsilon=1e-5, use_bias=use_bias, use_scale=use_scale)
    model = tn.Model(x_in, layer(x_in))
    flax = nnx.BatchNorm(features, momentum=0.9, epsilon=1e-5, use_bias=use_bias, use_scale=use_scale, rngs=nnx.Rngs(0))
    params = model.init(jax.random.key(0))
    assert sorted(params["batch_norm"]) == sorted(["mean", "var"] + ["bias"] * use_bias + ["scale"] * use_scale)
    # Random parameters, set in both, so scale and bias are exercised.
    keys = jax.random.split(jax.random.key(1), 2)
    if use_scale:
        assert flax.scale is not None
        params["batch_norm"]["scale"] = flax.scale[...] + jax.random.normal(keys[0], (features,))
        flax.scale[...] = params["batch_norm"]["scale"]
    if use_bias:
        assert flax.bias is not None
        params["batch_norm"]["bias"] = jax.random.normal(keys[1], (features,))
        flax.bias[...] = params["batch_norm"]["bias"]
    step = jax.jit(model.lowered.apply_updating, static_argnames="training")
    for i in range(3):  # the running statistics after several steps
        x = 3.0 * jax.random.normal(jax.random.key(10 + i), shape) + i
        ours, state = step(params, x, training=True)
        np.testing.assert_allclose(ours, flax(x, use_running_average=False), rtol=1e-5, atol=1e-5)
        params = model.lowered.merge(params, state)
        np.testing.assert_allclose(params["batch_norm"]["mean"], flax.mean[...], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(params["batch_norm"]["var"], flax.var[...], rtol=1e-6, atol=1e-6)
    x = jax.random.normal(jax.random.key(20), shape)
    inference = model.apply(params, x)
    np.testing.assert_allclose(inference, flax(x, use_running_average=True), rtol=1e-5, atol=1e-5)
    # Inference reads the state and leaves it.
    _, untouched = model.lowered.apply_updating(params, x)
    np.testing.assert_array_equal(untouched["batch_norm"]["mean"], params["batch_norm"]["mean"])


def test_a_mask_leaves_examples_out_as_flax_nnx_does() -> None:
    x_in = tn.Input(5, 3)
    model = tn.Model(x_in, x_in >> nn.BatchNorm(epsilon=1e-5))
    flax = nnx.BatchNorm(3, epsilon=1e-5, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(0), (6, 5, 3)) + 1.0
    keep = jnp.array([True, True, False, True, False, True])
    ours, state = model.lowered.apply_updating(model.init(jax.random.key(0)), x, training=True, mask=keep)
    theirs = flax(x, use_running_average=False, mask=jnp.broadcast_to(keep[:, None, None], x.shape))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(state["batch_norm"]["mean"], flax.mean[...], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(state["batch_norm"]["var"], flax.var[...], rtol=1e-6, atol=1e-6)


def test_the_statistics_take_no_gradient() -> None:
    x_in = tn.Input(4)
    model = tn.Model(x_in, x_in >> nn.BatchNorm() >> nn.Dense(2))
    params = model.init(jax.random.key(0))
    x = jax.random.normal(jax.random.key(1), (8, 4))

    def loss(p: Any) -> jax.Array:
        out, state = model.lowered.apply_updating(p, x, training=True)
        return jnp.sum(out**2) + jnp.sum(state["batch_norm"]["mean"])

    grads = jax.grad(loss)(params)
    assert not np.any(grads["batch_norm"]["mean"]) and not np.any(grads["batch_norm"]["var"])


def test_a_shared_layer_updates_its_state_twice() -> None:
    # As a flax.nnx module called twice: the second call starts from the first one's update.
    bn = nn.BatchNorm(momentum=0.5)
    x_in = tn.Input(3)
    model = tn.Model(x_in, bn(bn(x_in)))
    flax = nnx.BatchNorm(3, momentum=0.5, epsilon=1e-3, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(0), (8, 3)) + 2.0
    out, state = model.lowered.apply_updating(model.init(jax.random.key(0)), x, training=True)
    expected = flax(flax(x, use_running_average=False), use_running_average=False)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(state["batch_norm"]["mean"], flax.mean[...], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------- state in training


def cnn() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 1)
    y = (
        x
        >> nn.Conv2D(4, kernel=3)
        >> nn.BatchNorm()
        >> nn.relu
        >> nn.Flatten()
        >> nn.Dense(16)
        >> nn.BatchNorm(name="bn_dense")
        >> nn.Dense(10)
    )
    return tn.Model(x, y)


def mlp() -> tn.Model[Any, Any]:
    # Quicker to compile than the CNN (on CPU, convolutional steps are unrolled).
    x = tn.Input(8, 8, 1)
    return tn.Model(x, x >> nn.Flatten() >> nn.Dense(16) >> nn.BatchNorm(name="bn_dense") >> nn.relu >> nn.Dense(10))


def digits(n: int = 256) -> tn.data.Dataset[Any, Any]:
    data = tn.data.digits()
    x, y = data.features[:n], data.targets[:n]
    return tn.data.from_arrays(np.asarray(x), np.asarray(y))


def test_split_and_merge() -> None:
    model = cnn()
    params: Any = model.param_shapes()  # split and merge only move the leaves
    trainable, state = model.lowered.split(params)
    assert {k: sorted(v) for k, v in state.items()} == {"batch_norm": ["mean", "var"], "bn_dense": ["mean", "var"]}
    assert sorted(trainable["batch_norm"]) == ["bias", "scale"]
    assert jax.tree.structure(model.lowered.merge(trainable, state)) == jax.tree.structure(params)  # type: ignore[operator]  # jax's PyTreeDef alias is opaque to mypy
    # A model without state splits into its parameters and nothing.
    plain = tn.Model(x := tn.Input(4), x >> nn.Dense(3))
    plain_params = plain.init(jax.random.key(0))
    assert not plain.lowered.has_state and plain.lowered.split(plain_params) == (plain_params, {})


@pytest.mark.slow
def test_trainer_updates_running_stats_and_the_optimizer_excludes_them() -> None:
    model = cnn()
    trainer = tn.Trainer(
        model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adamw(1e-2, weight_decay=0.1), seed=0
    )
    mu = trainer.opt_state[0].mu
    assert sorted(mu["batch_norm"]) == ["bias", "scale"] and sorted(mu["bn_dense"]) == ["bias", "scale"]
    before = jax.tree.map(np.asarray, trainer.params)
    trainer.fit(digits(128), epochs=2, batch_size=32, verbose=0)
    after = trainer.params
    for layer in ("batch_norm", "bn_dense"):
        assert not np.allclose(before[layer]["mean"], after[layer]["mean"])
        assert not np.allclose(before[layer]["var"], after[layer]["var"])
    assert jax.tree.structure(trainer.opt_state[0].mu) == jax.tree.structure(mu)  # type: ignore[operator]  # jax's PyTreeDef alias is opaque to mypy
    assert trainer.evaluate(digits(128))["loss"] < 2.0


def test_one_step_moves_the_running_stats_by_the_batch_statistics() -> None:
    x_in = tn.Input(8, 8, 1)
    model = tn.Model(x_in, x_in >> nn.BatchNorm(momentum=0.9) >> nn.Flatten() >> nn.Dense(10))
    data = digits(40)  # one ragged batch: 40 examples and 24 of padding, left out of the statistics
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    trainer.fit(data, epochs=1, batch_size=64, shuffle=False, verbose=0)
    x = np.asarray(data.features, np.float32)
    np.testing.assert_allclose(trainer.params["batch_norm"]["mean"], 0.1 * x.mean((0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(trainer.params["batch_norm"]["var"], 0.9 + 0.1 * x.var((0, 1, 2)), rtol=1e-5)


def test_only_a_chunk_with_a_ragged_batch_compiles_the_mask() -> None:
    x_in = tn.Input(8, 8, 1)
    model = tn.Model(x_in, x_in >> nn.BatchNorm() >> nn.Flatten() >> nn.Dense(10))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
    compiled = trainer._compiled
    assert not compiled.padded(np.ones((2, 4))) and compiled.padded(np.array([[1, 1], [1, 0]]))
    plain = tn.Trainer(
        tn.Model(x_in, x_in >> nn.Flatten() >> nn.Dense(10)), loss=trainer.loss, optimizer=optax.sgd(0.1)
    )
    assert not plain._compiled.padded(np.array([[1, 0]]))  # nothing to mask without state

    def ops(padded: bool) -> int:
        args = (trainer.params, trainer.opt_state, compiled.init_metrics())
        batch = (jnp.zeros((1, 4, 8, 8, 1)), jnp.zeros((1, 4), jnp.int32), jnp.ones((1, 4)), jnp.zeros(1, jnp.int32))
        lowered = compiled.train_fed.lower(*args, *batch, trainer._key, padded=padded)
        return len(lowered.as_text().splitlines())

    assert ops(padded=False) < ops(padded=True)


def test_evaluate_and_predict_use_the_running_stats() -> None:
    model = mlp()
    data = digits(128)
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
    trainer.fit(data, epochs=1, batch_size=32, verbose=0)
    x = np.asarray(data.features, np.float32)
    y = np.asarray(data.targets)
    inference = model.apply(trainer.params, x)
    batch_stats = model.apply(trainer.params, x, training=True)
    assert not np.allclose(inference, batch_stats, atol=1e-3)
    np.testing.assert_allclose(trainer.predict(x), inference, rtol=1e-5, atol=1e-5)
    expected = float(jnp.mean(tn.losses.softmax_cross_entropy(inference, jnp.asarray(y))))
    assert trainer.evaluate(data)["loss"] == pytest.approx(expected, rel=1e-5)


def test_a_resumed_run_is_bit_identical(tmp_path: Path) -> None:
    data = digits(96)

    def trainer() -> tn.Trainer[Any, Any]:
        return tn.Trainer(mlp(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=3)

    whole = trainer()
    whole.fit(data, epochs=2, batch_size=32, verbose=0)
    first = trainer()
    first.fit(data, epochs=1, batch_size=32, verbose=0, callbacks=[tn.callbacks.Checkpoint(tmp_path / "ck")])
    resumed = trainer()
    resumed.fit(
        data, epochs=2, batch_size=32, verbose=0, resume=True, callbacks=[tn.callbacks.Checkpoint(tmp_path / "ck")]
    )
    assert resumed.step == whole.step
    for ours, theirs in zip(
        jax.tree.leaves((resumed.params, resumed.opt_state)),
        jax.tree.leaves((whole.params, whole.opt_state)),
        strict=True,
    ):
        assert np.array_equal(ours, theirs)
    assert not np.array_equal(resumed.params["bn_dense"]["mean"], trainer().params["bn_dense"]["mean"])


def test_export_round_trip(tmp_path: Path) -> None:
    model = mlp()
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
    trainer.fit(digits(64), epochs=1, batch_size=32, verbose=0)
    trainer.save(str(tmp_path / "export"))
    tensors = json.loads((tmp_path / "export" / "spec.json").read_text())["weights"]["tensors"]
    assert {"bn_dense/mean", "bn_dense/var"} <= set(tensors)
    again, params = load(tmp_path / "export")
    x = jnp.asarray(np.asarray(digits(8).features, np.float32))
    np.testing.assert_array_equal(again.apply(params, x), model.apply(trainer.params, x))
    np.testing.assert_array_equal(params["bn_dense"]["var"], trainer.params["bn_dense"]["var"])


def test_count_params_and_summary_count_the_state_as_keras_does() -> None:
    x = tn.Input(8, 8, 3)
    model = tn.Model(x, x >> nn.BatchNorm() >> nn.Flatten() >> nn.Dense(2))
    # Keras: BatchNormalization on 3 channels has 12 weights, 6 of them non-trainable.
    assert model.count_params() == 12 + 8 * 8 * 3 * 2 + 2
    summary = model.summary()
    assert summary.endswith(
        "Total params: 398 (1.6 KiB)\nTrainable params: 392 (1.5 KiB)\nNon-trainable params: 6 (24 bytes)"
    )
    plain = tn.Model(x, x >> nn.Flatten() >> nn.Dense(2))
    assert plain.summary().endswith("Total params: 386 (1.5 KiB)")


# ---------------------------------------------------------------------------- spec files

SPEC = """\
name: bn
model:
  input: [8, 8, 1]
  layers:
    - conv2d: {filters: 4, kernel: 3}
    - batch_norm
    - relu
    - flatten
    - batch_norm: {momentum: 0.9, epsilon: 1.0e-5, use_scale: false}
    - dense: 10
"""


def test_a_spec_names_the_layer(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    spec = read(path)
    params = spec.model.init(jax.random.key(0))
    assert {name: sorted(p) for name, p in params.items() if "norm" in name} == {
        "batch_norm": ["bias", "mean", "scale", "var"],
        "batch_norm_1": ["bias", "mean", "var"],
    }
    path.write_text(SPEC.replace("momentum: 0.9", "momentum: 2"))
    with pytest.raises(tn.TypednnError) as info:
        read(path)
    assert "momentum must be a number from 0 to 1, but is 2" in str(info.value)
