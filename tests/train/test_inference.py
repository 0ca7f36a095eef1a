"""`evaluate`, `predict` and `save` as pure functions of (model, params, data).

The Trainer and the `typednn evaluate` / `typednn predict` commands run the same code:
each comparison below is bit for bit with what they computed before (a whole Trainer
for `typednn evaluate`, `model.apply` in batches of 1024 for `typednn predict`).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.cli import main
from typednn.export import load
from typednn.train import _trainer as trainer_module
from typednn.train import evaluate, predict

ROOT = Path(__file__).resolve().parents[2]
SPEC = """\
name: iris-eval
model:
  input: [4]
  layers:
    - dense: 8
    - relu
    - dense: 3
data:
  source: {csv: {path: iris.csv, label: species}}
  split: {test: 0.3}
train:
  epochs: 1
  metrics: [accuracy, f1]
"""


def mlp(inputs: int = 4) -> tn.Model[Any, Any]:
    x = tn.Input(inputs)
    return tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))


def toy(examples: int = 41, inputs: int = 4, seed: int = 0) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(seed)
    return tn.data.from_arrays(rng.normal(size=(examples, inputs)), rng.integers(0, 3, examples), classes=3)


@pytest.fixture(scope="module")
def fitted() -> tn.Trainer[Any, Any]:
    """A trained trainer (the tests only read it, but for `device_data_limit`, which they put back)."""
    trainer = tn.Trainer(mlp(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"])
    trainer.fit(toy(), epochs=2, batch_size=8, verbose=0)
    return trainer


def bits(a: Any) -> tuple[str, bytes]:
    array = np.asarray(a)
    return str(array.dtype), array.tobytes()


# ---------------------------------------------------------------------------- the functions


@pytest.mark.parametrize("batch_size", [1, 5, 256])
@pytest.mark.parametrize("device_data_limit", [None, 0])
def test_evaluate_gives_exactly_what_the_trainer_gives(
    fitted: tn.Trainer[Any, Any], batch_size: int, device_data_limit: int | None
) -> None:
    data = toy(examples=23, seed=3)
    scores = evaluate(fitted.model, fitted.params, data, loss=fitted.loss, metrics=["accuracy"], batch_size=batch_size)
    fitted.device_data_limit = device_data_limit  # 0: the trainer feeds the batches from the host
    try:
        assert scores == fitted.evaluate(data, batch_size=batch_size)
    finally:
        fitted.device_data_limit = None
    assert list(scores) == ["loss", "accuracy"]


def test_evaluate_takes_metric_objects_and_needs_no_optimizer() -> None:
    model = mlp()
    params = model.init(jax.random.key(1))
    metrics: list[str | tn.metrics.Metric] = [tn.metrics.TopKAccuracy(k=2), "f1"]
    scores = evaluate(model, params, toy(), loss=tn.losses.softmax_cross_entropy, metrics=metrics, batch_size=7)
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1), metrics=metrics)
    trainer.params = params
    assert scores == trainer.evaluate(toy(), batch_size=7)


@pytest.mark.parametrize("batch_size", [1, 8, 256])
def test_predict_gives_exactly_what_the_trainer_and_the_model_give(
    fitted: tn.Trainer[Any, Any], batch_size: int
) -> None:
    trainer = fitted
    x = np.random.default_rng(2).normal(size=(37, 4)).astype(np.float32)
    ours = predict(trainer.model, trainer.host_params(), x, batch_size=batch_size)
    assert bits(ours) == bits(trainer.predict(x, batch_size=batch_size))
    if batch_size >= len(x):  # one batch: the program `model.apply` runs
        assert bits(ours) == bits(trainer.model.apply(trainer.params, x))
    assert bits(predict(trainer.model, trainer.params, toy(examples=5))) == bits(trainer.predict(toy(examples=5)))
    assert predict(trainer.model, trainer.params, x[:0]).shape == (0, 3)


def test_evaluate_refuses_what_is_not_a_dataset_saying_how_to_make_one() -> None:
    model = mlp()
    with pytest.raises(tn.TypednnError, match=r"^evaluate expects a tn\.data\.Dataset as data, but receives") as caught:
        evaluate(model, model.init(jax.random.key(0)), "iris.csv", loss=tn.losses.softmax_cross_entropy)  # type: ignore[arg-type]  # the refusal is the test
    assert caught.value.hint == "read the file first: tn.data.csv('iris.csv')"


def test_evaluate_and_predict_name_themselves_when_the_data_does_not_fit() -> None:
    model = mlp()
    params = model.init(jax.random.key(0))
    with pytest.raises(tn.ShapeError, match=r"^evaluate expects features of shape \(4,\)"):
        evaluate(model, params, toy(inputs=5), loss=tn.losses.softmax_cross_entropy)
    with pytest.raises(tn.ShapeError, match=r"^predict expects features of shape \(4,\)"):
        predict(model, params, np.zeros((2, 5)))


def test_an_unknown_or_repeated_metric_is_refused() -> None:
    model = mlp()
    params = model.init(jax.random.key(0))
    with pytest.raises(tn.TypednnError, match="accuracy"):
        evaluate(model, params, toy(), loss=tn.losses.softmax_cross_entropy, metrics=["acuracy"])
    with pytest.raises(tn.TypednnError, match="metric names must be distinct"):
        evaluate(model, params, toy(), loss=tn.losses.softmax_cross_entropy, metrics=["accuracy", "accuracy"])


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_a_batch_size_below_one_is_an_error_not_a_crash(fitted: tn.Trainer[Any, Any], batch_size: Any) -> None:
    """Before, `batch_size=0` divided by zero inside Trainer.evaluate and Trainer.predict."""
    trainer = fitted
    message = r"batch_size must be a whole number of at least 1, not"
    with pytest.raises(tn.TypednnError, match=f"^Trainer.evaluate: {message}"):
        trainer.evaluate(toy(), batch_size=batch_size)
    with pytest.raises(tn.TypednnError, match=f"^Trainer.predict: {message}"):
        trainer.predict(np.zeros((3, 4)), batch_size=batch_size)
    with pytest.raises(tn.TypednnError, match=f"^predict: {message}"):
        predict(trainer.model, trainer.params, np.zeros((3, 4)), batch_size=batch_size)


# ---------------------------------------------------------------------------- save


def test_save_and_load_are_symmetric(tmp_path: Path) -> None:
    model = mlp()
    params = model.init(jax.random.key(4))
    tn.save(model, params, tmp_path / "m")
    loaded, loaded_params = tn.load(tmp_path / "m")
    assert jax.tree.map(bits, loaded_params) == jax.tree.map(bits, params)
    x = np.ones((2, 4), np.float32)
    assert bits(loaded.apply(loaded_params, x)) == bits(model.apply(params, x))


def test_save_with_the_arguments_of_model_save_says_the_order(tmp_path: Path) -> None:
    model = mlp()
    params = model.init(jax.random.key(0))
    with pytest.raises(tn.TypednnError, match="save takes the parameters second") as caught:
        tn.save(model, str(tmp_path / "m"), params)  # type: ignore[arg-type]  # the old order, on purpose
    assert caught.value.hint == "call tn.save(model, params, directory)"
    assert not (tmp_path / "m").exists()


# ---------------------------------------------------------------------------- the commands


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """A spec on iris and an export of its model with fresh parameters."""
    shutil.copy(ROOT / "examples" / "data" / "iris.csv", tmp_path / "iris.csv")
    (tmp_path / "iris.yaml").write_text(SPEC)
    model = tn.spec.read(tmp_path / "iris.yaml").model
    tn.save(model, model.init(jax.random.key(7)), tmp_path / "model")
    return tmp_path


def test_the_evaluate_command_builds_no_trainer_and_scores_as_one_did(
    exported: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from typednn.spec import load_data, read, trainer  # noqa: PLC0415 - the command's old way, for reference

    spec = read(exported / "iris.yaml")
    model, params = load(exported / "model")
    parts = load_data(spec)
    assert parts.test is not None
    before = trainer(spec, parts.schema, model=model)  # what `typednn evaluate` did: a whole Trainer
    before.params = params
    expected = before.evaluate(parts.test)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("typednn evaluate built a Trainer")

    monkeypatch.setattr(trainer_module.Trainer, "__init__", refuse)
    code = main(["evaluate", str(exported / "iris.yaml"), "--model", str(exported / "model"), "--json"])
    out = capsys.readouterr().out
    assert code == 0 and json.loads(out) == expected and list(expected) == ["loss", "accuracy", "f1"]


@pytest.mark.parametrize("rows", [7, 1500])  # 1500: a batch of 1024 and a ragged one
@pytest.mark.parametrize("classes", [False, True])
def test_the_predict_command_writes_what_it_wrote_before(
    exported: Path, rows: int, classes: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    iris = np.loadtxt(exported / "iris.csv", delimiter=",", skiprows=1, usecols=range(4))
    inputs = np.resize(iris, (rows, 4)).astype(np.float32) * np.linspace(0.5, 1.5, rows, dtype=np.float32)[:, None]
    np.save(exported / "x.npy", inputs)
    code = main(["predict", "--model", str(exported / "model"), str(exported / "x.npy"), *(["--classes"] * classes)])
    assert code == 0
    model, params = load(exported / "model")
    # The command's old code: model.apply on slices of 1024 rows.
    flat = np.concatenate([np.asarray(model.apply(params, inputs[i : i + 1024])) for i in range(0, rows, 1024)])
    expected = io.StringIO()
    if classes:
        np.savetxt(expected, flat.argmax(axis=1), fmt="%d", header="class", comments="")
    else:
        np.savetxt(expected, flat, fmt="%.9g", delimiter=",", header="output_0,output_1,output_2", comments="")
    assert capsys.readouterr().out == expected.getvalue()


def test_the_evaluate_command_names_the_model_and_the_spec_when_they_disagree(exported: Path) -> None:
    wide = tn.Model(x := tn.Input(5), x >> nn.Dense(3))
    tn.save(wide, wide.init(jax.random.key(0)), exported / "wide")
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "evaluate", "iris.yaml", "--model", "wide"],
        cwd=exported,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) <= 2 and "iris.yaml" in lines[0] and "wide on the data of" in lines[0], done.stderr
    assert "evaluate expects features of shape (5,)" in lines[0] and "(4,)" in lines[0]
