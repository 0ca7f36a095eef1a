"""Image augmentation layers: shapes, the identity outside training, the draws, Keras's formulas, resume.

The random layers draw from the key the model folds per layer (the trainer folds the
step in), so a run is the same for the same seed and step and a resumed run is
bit-identical; outside training they are the identity (RandomCrop: the center window).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import typednn as tn
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import Shape, Symbol
from typednn._shapes._augment import RandomCropHyper
from typednn.layers._augment import brightened, contrasted, rotated
from typednn.testing import check_case, layers

from .keras_backend import keras_on_jax

AnyLayer = tn.Layer[*tuple[Any, ...]]
KINDS = ("random_flip", "random_rotation", "random_crop", "center_crop", "random_brightness", "random_contrast")
RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (6, 9, 7, 3)).astype(np.float32)


def run(layer: AnyLayer, x: np.ndarray[Any, Any], *, key: int | None = None) -> np.ndarray[Any, Any]:
    """The layer on a batch: training with `key`, or not training when it is None."""
    inputs = tn.Input(*x.shape[1:])
    model = tn.Model(inputs, layer(inputs))
    if key is None:
        return np.asarray(model.apply({}, x))
    return np.asarray(model.apply({}, x, key=jax.random.key(key), training=True))


# ---------------------------------------------------------------------------- rules


def test_the_shapes() -> None:
    x = tn.Input(32, 32, 3)
    for layer in (nn.RandomFlip(), nn.RandomRotation(0.1), nn.RandomBrightness(0.2), nn.RandomContrast(0.2)):
        assert layer(x).shape == Shape.of(32, 32, 3)
    assert nn.RandomCrop(24, 20)(x).shape == nn.CenterCrop(24, 20)(x).shape == Shape.of(24, 20, 3)
    assert nn.RandomCrop(32, 32)(x).shape == Shape.of(32, 32, 3)
    seq = Symbol("tests.Seq")
    assert RandomCropHyper(height=4, width=4).output_shape(Shape.of(seq, seq, 3)) == Shape.of(4, 4, 3)


def test_a_window_larger_than_the_image_is_refused() -> None:
    with pytest.raises(ShapeError) as info:
        nn.RandomCrop(24, 33)(tn.Input(32, 32, 3))  # type: ignore[typednn-shape]  # the error under test
    assert info.value.message == (
        "RandomCrop(height=24, width=33) expects an image at least 24 high and 33 wide, but receives (32, 32, 3)"
    )
    assert info.value.hint is not None and "nn.Resizing" in info.value.hint
    with pytest.raises(ShapeError, match=r"^CenterCrop\(height=4, width=4\) expects a \(height, width, channels\)"):
        nn.CenterCrop(4, 4)(tn.Input(784))  # type: ignore[typednn-shape]  # the error under test


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.RandomRotation(1.5), r"RandomRotation\(factor=1.5\): factor must be a float in \[0, 1\]"),  # type: ignore[typednn-param]
        (lambda: nn.RandomBrightness(-0.1), r"factor must be a float in \[0, 1\], but is -0.1"),  # type: ignore[typednn-param]
        (lambda: nn.RandomContrast(float("nan")), r"factor must be a float in \[0, 1\], but is nan"),
        (lambda: nn.RandomFlip("sideways"), r"mode must be 'horizontal' or 'vertical' or"),  # type: ignore[arg-type]
        (lambda: nn.RandomRotation(0.1, fill_mode="mirror"), r"fill_mode must be 'reflect'"),  # type: ignore[arg-type]
        (lambda: nn.RandomBrightness(0.1, value_range=(1.0, 0.0)), r"value_range must be a \(low, high\) pair"),  # type: ignore[typednn-param]
        (lambda: nn.RandomCrop(0, 4), r"RandomCrop\(height=0, width=4\): height must be a positive int"),  # type: ignore[typednn-param]
    ],
)
def test_bad_hyperparameters_are_named(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError, match=message):
        make()


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_rules_hold_against_jax(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind)), data)


# ---------------------------------------------------------------------------- outside training


def test_outside_training_each_is_the_identity_or_the_center() -> None:
    for layer in (nn.RandomFlip(), nn.RandomRotation(0.5), nn.RandomBrightness(0.5), nn.RandomContrast(0.5)):
        np.testing.assert_array_equal(run(layer, IMAGES), IMAGES)
    # Keras's CenterCrop: (9 - 4) // 2 = 2 rows above, (7 - 4) // 2 = 1 column left.
    np.testing.assert_array_equal(run(nn.RandomCrop(4, 4), IMAGES), IMAGES[:, 2:6, 1:5])
    np.testing.assert_array_equal(run(nn.CenterCrop(4, 4), IMAGES), IMAGES[:, 2:6, 1:5])
    np.testing.assert_array_equal(run(nn.CenterCrop(4, 4), IMAGES, key=3), IMAGES[:, 2:6, 1:5])


def test_training_without_a_key_is_a_clear_error() -> None:
    x = tn.Input(9, 7, 3)
    model = tn.Model(x, x >> nn.RandomFlip())
    with pytest.raises(tn.TypednnError, match=r"RandomFlip\(\) needs a random key while training"):
        model.apply({}, IMAGES, training=True)


# ---------------------------------------------------------------------------- while training


@pytest.mark.parametrize(
    "layer",
    [nn.RandomFlip(), nn.RandomRotation(0.2), nn.RandomCrop(5, 5), nn.RandomBrightness(0.3), nn.RandomContrast(0.3)],
    ids=repr,
)
def test_the_draws_are_per_image_and_the_same_for_the_same_key(layer: AnyLayer) -> None:
    same = np.repeat(IMAGES[:1], 16, axis=0)  # one image 16 times: only the draws tell them apart
    first, again, other = run(layer, same, key=1), run(layer, same, key=1), run(layer, same, key=2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert len({image.tobytes() for image in first}) > 1, "every image got the same draw"


def flip(image: np.ndarray[Any, Any], left_right: bool, up_down: bool) -> np.ndarray[Any, Any]:
    flipped = np.flip(image, 1) if left_right else image
    return np.flip(flipped, 0) if up_down else flipped


@pytest.mark.parametrize(
    ("mode", "allowed"),
    [
        ("horizontal", {(False, False), (True, False)}),
        ("vertical", {(False, False), (False, True)}),
        ("horizontal_and_vertical", {(False, False), (True, False), (False, True), (True, True)}),
    ],
)
def test_a_flip_is_exactly_a_flip(mode: Any, allowed: set[tuple[bool, bool]]) -> None:
    x = np.repeat(IMAGES[:1], 32, axis=0)
    seen = set()
    for image in run(nn.RandomFlip(mode), x, key=0):
        found = [(lr, ud) for lr in (False, True) for ud in (False, True) if np.array_equal(image, flip(x[0], lr, ud))]
        assert found, "an output is no flip of its image"
        seen.update(found)
    assert seen == allowed


def test_random_crop_windows_lie_inside_the_image() -> None:
    # Each pixel holds its own (row, column): a window shows where it was taken from.
    rows, columns = np.meshgrid(np.arange(9), np.arange(7), indexing="ij")
    x = np.repeat(np.stack([rows, columns, rows * 0], axis=-1)[None].astype(np.float32), 64, axis=0)
    corners = set()
    for window in run(nn.RandomCrop(5, 4), x, key=0):
        top, left = int(window[0, 0, 0]), int(window[0, 0, 1])
        np.testing.assert_array_equal(window, x[0, top : top + 5, left : left + 4])
        corners.add((top, left))
    assert corners <= {(t, left) for t in range(5) for left in range(4)}
    assert len(corners) > 8, "the windows should spread over the image"


def test_rotation_by_a_quarter_turn_moves_the_pixels_as_keras_does() -> None:
    x = RNG.uniform(0, 1, (1, 5, 5, 2)).astype(np.float32)
    quarter = rotated(
        jnp.asarray(x),
        jnp.array([np.pi / 2]),
        fill_mode="constant",
        interpolation="nearest",
        fill_value=0.0,
    )
    # Output (row y, column x) reads the input at (row x, column 4 - y): cos 0, sin 1 about the center (2, 2).
    np.testing.assert_allclose(np.asarray(quarter)[0], np.transpose(x[0], (1, 0, 2))[::-1], atol=1e-6)


def test_brightness_and_contrast_are_keras_s_formulas() -> None:
    deltas, factors = np.array([0.1, -0.2, 0.5, 0.0, 0.3, -0.9], np.float32), np.linspace(0.5, 1.5, 6, dtype=np.float32)
    low, high = 0.0, 255.0
    expected = np.clip(IMAGES + deltas[:, None, None, None] * (high - low), low, high)
    np.testing.assert_allclose(
        np.asarray(brightened(jnp.asarray(IMAGES), jnp.asarray(deltas), (low, high))), expected, rtol=1e-6
    )
    mean = IMAGES.mean(axis=(1, 2), keepdims=True)
    expected = np.clip((IMAGES - mean) * factors[:, None, None, None] + mean, low, high)
    got = np.asarray(contrasted(jnp.asarray(IMAGES), jnp.asarray(factors), (low, high)))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)


def test_the_numbers_are_keras_s_for_the_same_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    keras = keras_on_jax(monkeypatch)
    x = jnp.asarray(IMAGES)
    deltas = np.array([0.1, -0.2, 0.5, 0.0, 0.3, -0.9], np.float32)
    brightness = keras.layers.RandomBrightness(0.9)
    theirs = brightness.transform_images(x, {"rgb_delta": deltas[:, None, None, None] * 255.0}, training=True)
    np.testing.assert_allclose(
        np.asarray(brightened(x, jnp.asarray(deltas), (0.0, 255.0))), np.asarray(theirs), rtol=1e-6
    )
    factors = np.linspace(0.5, 1.5, 6, dtype=np.float32)
    contrast = keras.layers.RandomContrast(0.5)
    theirs = contrast.transform_images(x, {"contrast_factor": factors[:, None, None, None]}, training=True)
    np.testing.assert_allclose(
        np.asarray(contrasted(x, jnp.asarray(factors), (0.0, 255.0))), np.asarray(theirs), rtol=1e-5, atol=1e-3
    )
    degrees = np.array([-30.0, 0.0, 12.5, 90.0, 170.0, -100.0], np.float32)
    for fill_mode in ("reflect", "wrap", "constant", "nearest"):
        rotation = keras.layers.RandomRotation(0.5, fill_mode=fill_mode, fill_value=7.0)
        zeros, ones = np.zeros(6, np.float32), np.ones(6, np.float32)
        matrix = rotation._compute_affine_matrix(0.5, 0.5, degrees, zeros, zeros, ones, zeros, zeros, 9, 7)
        theirs = rotation._transform_images(x, {"rotation_matrix": matrix}, "bilinear")
        ours = rotated(x, jnp.radians(degrees), fill_mode=fill_mode, interpolation="bilinear", fill_value=7.0)
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-3, err_msg=fill_mode)


# ---------------------------------------------------------------------------- training and resume


def augmented_trainer() -> tn.Trainer[Any, Any]:
    x = tn.Input(8, 8, 1)
    augment = nn.RandomFlip("horizontal") >> nn.RandomCrop(6, 6) >> nn.RandomContrast(0.2, value_range=(0.0, 16.0))
    y = x >> augment >> nn.Flatten() >> nn.Dense(32) >> nn.relu >> nn.Dense(10)
    return tn.Trainer(tn.Model(x, y), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), seed=3)


@pytest.mark.slow
def test_a_stopped_and_resumed_augmented_run_is_bit_identical(tmp_path: Path) -> None:
    data = tn.data.digits()
    whole = augmented_trainer()
    whole.fit(data, epochs=2, batch_size=128, verbose=0)
    first = augmented_trainer()
    first.fit(data, epochs=1, batch_size=128, callbacks=[tn.callbacks.Checkpoint(tmp_path)], verbose=0)
    second = augmented_trainer()
    second.fit(data, epochs=2, batch_size=128, callbacks=[tn.callbacks.Checkpoint(tmp_path)], resume=True, verbose=0)
    assert second.step == whole.step
    for ours, theirs in zip(jax.tree.leaves(second.params), jax.tree.leaves(whole.params), strict=True):
        assert np.array_equal(ours, theirs), "the resumed run drew other augmentations"
    # Evaluation sees the center window, no draw: the same numbers twice.
    assert whole.evaluate(data) == whole.evaluate(data)


# ---------------------------------------------------------------------------- spec files

SPEC = """\
name: augmented
model:
  input: [8, 8, 1]
  layers:
    - random_flip: {{mode: horizontal}}
    - random_rotation: {{factor: 0.05, fill_mode: constant}}
    - random_brightness: {{factor: 0.1, value_range: [0, 16]}}
    - random_contrast: 0.2
    - random_crop: {crop}
    - center_crop: {{height: 5, width: 5}}
    - flatten
    - dense: 10
data:
  source: {{builtin: digits}}
train:
  epochs: 1
  loss: softmax_cross_entropy
"""


def typednn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_a_spec_with_augmentation_checks_and_a_bad_window_names_its_line(tmp_path: Path) -> None:
    good = tmp_path / "augmented.yaml"
    good.write_text(SPEC.format(crop="{height: 6, width: 6}"))
    done = typednn("check", str(good))
    assert done.returncode == 0, done.stderr
    assert "ok: augmented (8, 8, 1) -> (10,), 260 " in done.stdout  # a 5 x 5 window into Dense(10)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC.format(crop="{height: 9, width: 6}"))
    done = typednn("check", str(bad))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{bad}:9:") and "RandomCrop(height=9, width=6) expects an image at least 9 high" in first


def test_an_export_loads_back_with_the_same_layers_and_draws(tmp_path: Path) -> None:
    x = tn.Input(9, 7, 3)
    augment = nn.RandomRotation(0.1, fill_mode="constant", fill_value=1.0) >> nn.RandomBrightness(
        0.1, value_range=(0.0, 255.0)
    )
    model = tn.Model(x, x >> augment >> nn.RandomCrop(6, 6) >> nn.CenterCrop(5, 4))
    tn.save(model, {}, tmp_path / "model")
    loaded, params = tn.load(tmp_path / "model")
    assert [repr(layer) for layer in loaded.graph.layers()] == [repr(layer) for layer in model.graph.layers()]
    np.testing.assert_array_equal(loaded.apply(params, IMAGES), model.apply({}, IMAGES))
    key = jax.random.key(5)
    trained = loaded.apply(params, IMAGES, key=key, training=True)
    np.testing.assert_array_equal(trained, model.apply({}, IMAGES, key=key, training=True))
