"""Mixed precision: `Trainer(precision=...)`, float16 loss scaling, checkpoints and specs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import optax
import pytest

import typednn as tn
from tests.conftest import fails
from typednn import nn
from typednn.train._precision import LossScaleState, loss_scaled

PRECISIONS = ("float32", "bfloat16", "float16")


def _model() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 1)
    h = x >> nn.Conv2D(4, kernel=3) >> nn.BatchNorm() >> nn.relu >> nn.Flatten() >> nn.LayerNorm()
    return tn.Model(x, h >> nn.Dense(16) >> nn.relu >> nn.Dense(3))


def _data(n: int = 48, dtype: Any = np.float32) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(n, 8, 8, 1)).astype(dtype)
    return tn.data.from_arrays(features, rng.integers(0, 3, n))


def _trainer(
    precision: str, optimizer: optax.GradientTransformation | None = None, **options: Any
) -> tn.Trainer[Any, Any]:
    return tn.Trainer(
        _model(),
        loss=options.pop("loss", tn.losses.softmax_cross_entropy),
        optimizer=optimizer or optax.adam(1e-2),
        metrics=["accuracy"],
        precision=precision,  # type: ignore[arg-type]  # a str from the parametrisation
        **options,
    )


def _batch(trainer: tn.Trainer[Any, Any]) -> tuple[Any, ...]:
    data = _data(8)
    return data.features, jnp.asarray(data.targets), jnp.ones(8, jnp.float32)


def _dtypes(tree: Any) -> set[str]:
    return {str(leaf.dtype) for leaf in jax.tree.leaves(tree)}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_parameters_gradients_and_optimizer_state_are_float32(precision: str) -> None:
    trainer = _trainer(precision)
    assert trainer.precision == precision
    trainable, _ = trainer._lowered.split(trainer.params)
    x, y, w = _batch(trainer)
    compiled = trainer._compiled
    scale = trainer.opt_state.scale if precision == "float16" else None
    (mean, (outputs, _, updated, _)), grads = jax.jit(
        lambda p, s: compiled._value_and_grad(p, x, y, w, jax.random.key(1), False, scale=s)
    )(trainer.params, scale)
    assert str(jax.tree.structure(grads)) == str(jax.tree.structure(trainable))
    assert _dtypes(grads) == {"float32"}
    assert mean.dtype == jnp.float32 and outputs.dtype == jnp.float32
    assert _dtypes(updated) == {"float32"}  # BatchNorm's running statistics
    trainer.fit(_data(), epochs=1, batch_size=16, verbose=0)
    for layer, arrays in trainer.params.items():
        for name, array in arrays.items():
            assert array.dtype == jnp.float32, (layer, name)
    leaves = jax.tree.leaves(trainer.opt_state)
    assert {str(leaf.dtype) for leaf in leaves if jnp.issubdtype(leaf.dtype, jnp.floating)} == {"float32"}
    assert isinstance(trainer.opt_state, LossScaleState) == (precision == "float16")


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_the_layers_compute_in_the_low_dtype_and_the_statistics_in_float32(precision: str) -> None:
    trainer = _trainer(precision)
    x, _, _ = _batch(trainer)
    forward = trainer._compiled.forward
    jaxpr = jax.make_jaxpr(lambda p: forward(p, x, training=True))(trainer.params)
    heavy = [e for e in jaxpr.eqns if e.primitive.name in ("conv_general_dilated", "dot_general")]
    assert len(heavy) == 3  # the convolution and both dense layers
    for eqn in heavy:
        assert {str(v.aval.dtype) for v in eqn.invars} == {precision}, eqn
    # The norm layers' means are float32 (reductions of the input promoted to float32).
    means = [e for e in jaxpr.eqns if e.primitive.name == "reduce_sum"]
    assert means and all(str(e.outvars[0].aval.dtype) == "float32" for e in means)
    outputs, state, _ = forward(trainer.params, x, training=True)
    assert outputs.dtype == jnp.float32 and _dtypes(state) == {"float32"}


def test_float32_is_the_default_and_compiles_the_program_it_did() -> None:
    default = tn.Trainer(_model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2))
    assert default.precision == "float32"
    assert default._compiled.forward is default._lowered.forward  # no cast wrapped around it
    x, y, w = _batch(default)
    args = (default.params, default.opt_state, default._compiled.init_metrics(), x[None], y[None], w[None])
    text = default._compiled.train_fed.lower(*args, jnp.zeros(1, jnp.int32), default._key).as_text()
    assert "bf16" not in text and "f16" not in text


def test_a_precision_that_is_not_one_is_refused() -> None:
    with fails("Trainer: precision must be one of", "'float32', 'bfloat16', 'float16'", "'float64'"):
        _trainer("float64")


def test_loss_scale_skips_non_finite_steps_halves_and_doubles_after_its_period() -> None:
    optimizer = loss_scaled(optax.adam(0.1), initial=8.0, period=2)
    params = {"w": jnp.ones(3)}
    state = optimizer.init(params)
    bad = {"w": jnp.array([1.0, jnp.inf, 0.0])}
    updates, after = optimizer.update(bad, state, params)
    assert not np.any(np.asarray(updates["w"]))
    assert float(after.scale) == 4.0 and int(after.skipped) == 1 and int(after.good_steps) == 0
    # Adam's moments and count are untouched by the skipped step.
    for old, new in zip(jax.tree.leaves(state.inner_state), jax.tree.leaves(after.inner_state), strict=True):
        np.testing.assert_array_equal(old, new)
    good = {"w": jnp.ones(3)}
    _, once = optimizer.update(good, after, params)
    assert float(once.scale) == 4.0 and int(once.good_steps) == 1
    _, twice = optimizer.update(good, once, params)
    assert float(twice.scale) == 8.0 and int(twice.good_steps) == 0 and int(twice.skipped) == 1


def _huge_loss(outputs: jax.Array, targets: jax.Array) -> jax.Array:
    # 1e30 is finite in float32, but its gradient, scaled, overflows float16's range.
    return tn.losses.softmax_cross_entropy(outputs, targets) * 1e30


def test_float16_overflow_skips_the_steps_halves_the_scale_and_says_so() -> None:
    trainer = _trainer("float16", optimizer=optax.sgd(0.1), loss=_huge_loss)
    before = jax.device_get(trainer.params)
    with pytest.warns(UserWarning, match=r"float16: skipped 3 steps with non-finite gradients \(loss scale now 4096\)"):
        history = trainer.fit(_data(), epochs=1, batch_size=16, verbose=0)  # 3 steps; no NonFiniteLossError
    logs = history.epochs[-1]
    assert logs["skipped_steps"] == 3 and logs["loss_scale"] == 2.0**12
    assert np.isfinite(logs["loss"])
    after = jax.device_get(trainer.params)
    for layer in before:
        for name in before[layer]:
            if name not in ("mean", "var"):  # BatchNorm's statistics move with the forward pass
                np.testing.assert_array_equal(before[layer][name], after[layer][name])


def test_float16_trains_with_a_finite_loss_and_logs_the_scale() -> None:
    trainer = _trainer("float16")
    history = trainer.fit(_data(), epochs=2, batch_size=16, verbose=0)
    logs = history.epochs[-1]
    assert logs["skipped_steps"] == 0 and logs["loss_scale"] == 2.0**15
    assert history.epochs[-1]["loss"] < history.epochs[0]["loss"]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_low_precision_arrays_are_accepted_as_inputs(precision: str) -> None:
    data = _data(dtype=ml_dtypes.bfloat16)
    trainer = _trainer(precision)
    history = trainer.fit(data, epochs=1, batch_size=16, verbose=0)
    assert np.isfinite(history.epochs[-1]["loss"])
    assert np.isfinite(trainer.evaluate(data)["loss"])
    outputs = trainer.predict(np.asarray(data.features).astype(np.float16))
    assert outputs.shape == (48, 3) and outputs.dtype == jnp.float32


def test_a_checkpoint_records_the_precision_and_resume_refuses_another(tmp_path: Path) -> None:
    trainer = _trainer("float16")
    trainer.fit(_data(), epochs=1, batch_size=16, verbose=0, callbacks=[tn.callbacks.Checkpoint(tmp_path)])
    scale = float(trainer.opt_state.scale)
    manifest = next(tmp_path.glob("step_*/typednn-checkpoint.json")).read_text()
    assert '"precision": "float16"' in manifest
    for other in ("bfloat16", "float32"):
        with fails("cannot resume from step 3", "precision='float16'", f"precision={other!r}"):
            _trainer(other).fit(
                _data(), epochs=2, batch_size=16, verbose=0, resume=True, callbacks=[tn.callbacks.Checkpoint(tmp_path)]
            )
    resumed = _trainer("float16")
    history = resumed.fit(
        _data(), epochs=2, batch_size=16, verbose=0, resume=True, callbacks=[tn.callbacks.Checkpoint(tmp_path)]
    )
    assert resumed.step == 6 and len(history) == 2
    assert history.epochs[-1]["loss_scale"] == scale


def test_an_export_stays_float32(tmp_path: Path) -> None:
    trainer = _trainer("bfloat16")
    trainer.fit(_data(), epochs=1, batch_size=16, verbose=0)
    trainer.save(str(tmp_path / "model"))
    _, params = tn.load(str(tmp_path / "model"))
    assert _dtypes(params) == {"float32"}


SPEC = """
name: mixed
model:
  input: [8, 8, 1]
  layers:
    - conv2d: {filters: 4, kernel: 3}
    - batch_norm
    - relu
    - flatten
    - dense: 10
data:
  source: {builtin: digits}
  split: {validation: 0.1, test: 0.2}
train:
  epochs: 1
  batch_size: 64
  precision: PRECISION
  metrics: [accuracy]
"""


@pytest.mark.slow
def test_a_spec_trains_in_its_precision_and_exports_in_its_export_dtype(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(SPEC.replace("PRECISION", "bfloat16\n  export_dtype: bfloat16"))
    run = [sys.executable, "-m", "typednn", "train", str(path), "--out", str(tmp_path / "run")]
    done = subprocess.run(run, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "run" / "test_metrics.json").exists()
    assert tn.load(tmp_path / "run" / "model").stored_dtype == "bfloat16"


def test_a_spec_with_an_unknown_precision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_text(SPEC.replace("PRECISION", "float64"))
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "precision" in done.stderr.splitlines()[0] and "mixed.yaml" in done.stderr.splitlines()[0]


def _digits_model() -> tn.Model[Any, Any]:
    # examples/digits.py's CNN.
    x = tn.Input(8, 8, 1)
    h = x >> nn.Conv2D(32, kernel=3, padding="same") >> nn.relu >> nn.MaxPool2D(2)
    return tn.Model(x, h >> nn.Flatten() >> nn.Dense(64) >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(10))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:float16. skipped")  # a few skipped steps at the start are normal
@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_the_digits_cnn_reaches_97_percent_in_low_precision(precision: str) -> None:
    train, test = tn.data.digits().split(0.2, seed=0)
    trainer = tn.Trainer(
        _digits_model(),
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.adam(3e-3),
        metrics=["accuracy"],
        precision=precision,  # type: ignore[arg-type]  # a str from the parametrisation
    )
    trainer.fit(train, epochs=6, batch_size=32, verbose=0)
    accuracy = trainer.evaluate(test)["accuracy"]
    print(f"{precision}: test accuracy {accuracy:.4f}")
    assert accuracy >= 0.97
