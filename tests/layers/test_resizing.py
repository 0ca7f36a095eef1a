"""UpSampling2D(interpolation=) and Resizing; and specs, exports and codegen of the layers added with them.

The numbers are held to an independent numpy bilinear / nearest resize (half-pixel
centres, as Keras and `jax.image.resize` compute them), and to Keras itself where it is
installed (the `bench` extra). The spec, export and codegen tests cover GlobalMaxPool1D,
Cropping1D/2D, Permute and RepeatVector too (their rules are in test_crop_permute_repeat.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import UNKNOWN, ResizingHyper, Shape, Symbol, UpSampling2DHyper
from typednn._shapes._dims import times
from typednn.export import load
from typednn.export._graph_json import graph_to_dict
from typednn.layers._registry import KINDS, kind_of
from typednn.spec import read
from typednn.spec._codegen import codegen
from typednn.testing import check_case, layers

SEQ = Symbol("tests.Seq")


# ---------------------------------------------------------------------------- rules


def test_up_sampling_interpolation_changes_no_shape_nor_old_description() -> None:
    nearest, bilinear = UpSampling2DHyper(size=2), UpSampling2DHyper(size=2, interpolation="bilinear")
    assert nearest.interpolation == "nearest"
    assert bilinear.output_shape(Shape.of(7, 5, 16)) == nearest.output_shape(Shape.of(7, 5, 16)) == Shape.of(14, 10, 16)
    assert bilinear.output_shape(Shape.of(SEQ, 5, 1)) == Shape.of(times(SEQ, 2), 10, 1)
    # The default is left out where the layer is shown or exported, as before the option existed.
    assert repr(nn.UpSampling2D(2)) == "UpSampling2D(size=2)"
    assert repr(nn.UpSampling2D(2, interpolation="bilinear")) == "UpSampling2D(size=2, interpolation='bilinear')"
    with pytest.raises(ShapeError) as info:
        bilinear.output_shape(Shape.of(28, 28))
    assert info.value.message == (
        "UpSampling2D(size=2, interpolation='bilinear') expects a (height, width, channels) input, "
        "but receives (28, 28)"
    )


def test_resizing_gives_the_stated_size() -> None:
    assert ResizingHyper(height=224, width=160).output_shape(Shape.of(480, 640, 3)) == Shape.of(224, 160, 3)
    assert ResizingHyper(height=2, width=3).output_shape(Shape.of(SEQ, SEQ, 1)) == Shape.of(2, 3, 1)
    assert ResizingHyper(height=2, width=3).output_shape(Shape.of(4, 4, SEQ)) == Shape.of(2, 3, SEQ)
    assert ResizingHyper(height=UNKNOWN, width=3).output_shape(Shape.of(4, 4, 1)) == Shape.of(UNKNOWN, 3, 1)
    assert ResizingHyper(height=5, width=5).output_shape(Shape.anything()) == Shape.of(5, 5, UNKNOWN)
    assert ResizingHyper(height=1, width=1).interpolation == "bilinear"
    with pytest.raises(ShapeError) as info:
        ResizingHyper(height=8, width=8, interpolation="nearest").output_shape(Shape.of(784))
    assert info.value.message == (
        "Resizing(height=8, width=8, interpolation='nearest') expects a (height, width, channels) input, "
        "but receives (784,)"
    )
    assert info.value.hint == "Resizing takes NHWC images"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: nn.UpSampling2D(2, interpolation="bicubic"),  # type: ignore[arg-type]
            "UpSampling2D(size=2, interpolation='bicubic'): interpolation must be 'nearest' or 'bilinear', "
            "but is 'bicubic'",
        ),
        (lambda: nn.Resizing(0, 4), "Resizing(height=0, width=4): height must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.Resizing(4, -1), "Resizing(height=4, width=-1): width must be a positive int, but is -1"),  # type: ignore[typednn-param]
        (lambda: nn.Resizing(2**40, 4), "height must be at most"),  # type: ignore[typednn-param]
        (
            lambda: nn.Resizing(4, 4, interpolation="area"),  # type: ignore[arg-type]
            "interpolation must be 'nearest' or 'bilinear', but is 'area'",
        ),
        (lambda: ResizingHyper(height=SEQ, width=4), "Resizing(height=Seq, width=4): height must be a positive int"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_resizing_kind() -> None:
    layer = nn.Resizing(8, 6)
    found = kind_of(layer)
    assert found is not None and found.name == "resizing" and layer.default_name() == "resizing"
    assert KINDS["resizing"].main_option() == "height"
    assert repr(layer) == "Resizing(height=8, width=6)"
    assert not layer.has_params


@pytest.mark.parametrize("kind", ["up_sampling2d", "resizing"])
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind), label="case"), data)


# ---------------------------------------------------------------------------- numbers


def bilinear_weights(n_in: int, n_out: int) -> np.ndarray[Any, Any]:
    """The (n_out, n_in) matrix of a bilinear resize with half-pixel centres, edges clamped."""
    source = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), low), 1 - (source - low))
    np.add.at(weights, (np.arange(n_out), high), source - low)
    return weights


def bilinear(x: np.ndarray[Any, Any], height: int, width: int) -> np.ndarray[Any, Any]:
    rows, columns = bilinear_weights(x.shape[1], height), bilinear_weights(x.shape[2], width)
    resized: np.ndarray[Any, Any] = np.einsum("hH,wW,bHWc->bhwc", rows, columns, x.astype(np.float64))
    return resized


def nearest(x: np.ndarray[Any, Any], height: int, width: int) -> np.ndarray[Any, Any]:
    rows = np.floor((np.arange(height) + 0.5) * x.shape[1] / height).astype(int)
    columns = np.floor((np.arange(width) + 0.5) * x.shape[2] / width).astype(int)
    return x[:, rows][:, :, columns]


def run(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(layer.apply({}, jax.numpy.asarray(x), key=None, training=False))


IMAGES = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype(np.float32)


@pytest.mark.parametrize("size", [1, 2, (2, 3), (3, 1)])
def test_bilinear_up_sampling_is_a_bilinear_resize(size: int | tuple[int, int]) -> None:
    sh, sw = size if isinstance(size, tuple) else (size, size)
    got = run(nn.UpSampling2D(size, interpolation="bilinear"), IMAGES)
    np.testing.assert_allclose(got, bilinear(IMAGES, 4 * sh, 5 * sw), rtol=1e-5, atol=1e-6)
    resized = jax.image.resize(IMAGES, (2, 4 * sh, 5 * sw, 3), method="bilinear")
    np.testing.assert_allclose(got, np.asarray(resized), rtol=1e-6, atol=1e-6)


def test_nearest_up_sampling_is_unchanged() -> None:
    np.testing.assert_array_equal(run(nn.UpSampling2D((2, 3)), IMAGES), IMAGES.repeat(2, axis=1).repeat(3, axis=2))


@pytest.mark.parametrize(("height", "width"), [(8, 10), (7, 3), (2, 2), (4, 5), (1, 9)])
def test_resizing_is_a_bilinear_or_nearest_resize(height: int, width: int) -> None:
    # Downscales too: without antialiasing (Keras's default), bilinear samples two pixels per axis.
    got = run(nn.Resizing(height, width), IMAGES)
    np.testing.assert_allclose(got, bilinear(IMAGES, height, width), rtol=1e-5, atol=1e-6)
    got = run(nn.Resizing(height, width, interpolation="nearest"), IMAGES)
    np.testing.assert_array_equal(got, nearest(IMAGES, height, width))


def test_the_numbers_are_keras_s(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keras reads its backend once, on import: JAX, unless something imported it before.
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras", reason="Keras (the bench extra) is not installed")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras was imported with another backend")
    for layer, theirs in [
        (
            nn.UpSampling2D((2, 3), interpolation="bilinear"),
            keras.layers.UpSampling2D((2, 3), interpolation="bilinear"),
        ),
        (nn.Resizing(7, 3), keras.layers.Resizing(7, 3)),
        (nn.Resizing(2, 9, interpolation="nearest"), keras.layers.Resizing(2, 9, interpolation="nearest")),
        (nn.Cropping2D(((1, 0), (2, 1))), keras.layers.Cropping2D(((1, 0), (2, 1)))),
        (nn.Permute((3, 1, 2)), keras.layers.Permute((3, 1, 2))),
    ]:
        np.testing.assert_allclose(run(layer, IMAGES), np.asarray(theirs(IMAGES)), rtol=1e-6, atol=1e-6)
    sequences = IMAGES[:, :, 0]
    np.testing.assert_array_equal(run(nn.Cropping1D((0, 2)), sequences), keras.layers.Cropping1D((0, 2))(sequences))
    np.testing.assert_array_equal(run(nn.GlobalMaxPool1D(), sequences), keras.layers.GlobalMaxPooling1D()(sequences))
    vectors = IMAGES[:, 0, 0]
    np.testing.assert_array_equal(run(nn.RepeatVector(4), vectors), keras.layers.RepeatVector(4)(vectors))


# ---------------------------------------------------------------------------- specs, exports, codegen

SPEC = """\
name: layers-more
model:
  input: [12, 10, 3]
  layers:
    - cropping2d: [[1, 0], [2, 1]]
    - up_sampling2d: {size: 2, interpolation: bilinear}
    - {resizing: {height: 8, width: 6, name: resize}}
    - resizing: {height: 4, width: 4, interpolation: nearest}
    - conv2d: {filters: 5, kernel: 1}
    - reshape: [16, 5]
    - cropping1d: [1, 2]
    - permute: [2, 1]
    - global_max_pool1d
    - repeat_vector: 3
    - cropping1d: 1
    - dense: 2
"""


def spec_model(tmp_path: Path) -> tn.Model[Any, Any]:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return read(path).model


def test_a_spec_names_the_layers(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    assert repr(model) == "Model((12, 10, 3) -> (1, 2))"
    kinds = [type(layer).__name__ for layer in model.graph.layers()][:11]
    assert kinds[:4] == ["Cropping2D", "UpSampling2D", "Resizing", "Resizing"]
    assert model.apply(model.init(jax.random.key(0)), np.zeros((2, 12, 10, 3), np.float32)).shape == (2, 1, 2)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        (
            "[[1, 0], [2, 1]]",
            "[[6, 6], [0, 0]]",
            "(cropping2d): Cropping2D(cropping=((6, 6), (0, 0))) expects a height of at least 13",
        ),
        (
            "interpolation: bilinear}",
            "interpolation: cubic}",
            "interpolation must be 'nearest' or 'bilinear', but is 'cubic'",
        ),
        ("permute: [2, 1]", "permute: [1, 3]", "(permute): Permute(dims=(1, 3)): dims must be a permutation of 1..2"),
        ("repeat_vector: 3", "repeat_vector: 0", "(repeat_vector): RepeatVector(n=0): n must be a positive int"),
        (
            "- global_max_pool1d",
            "- global_max_pool1d\n    - global_max_pool1d",
            "GlobalMaxPool1D() expects a (length, channels) input",
        ),
    ],
)
def test_spec_errors_point_at_the_layer(tmp_path: Path, replace: str, by: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace(replace, by))
    with pytest.raises(tn.TypednnError) as info:
        read(path)
    assert message in str(info.value)


def test_save_then_load_gives_the_same_outputs(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    params = model.init(jax.random.key(0))
    tn.save(model, params, tmp_path / "export")
    again, loaded = load(tmp_path / "export")
    assert graph_to_dict(again.graph) == graph_to_dict(model.graph)
    x = np.random.default_rng(1).normal(size=(2, 12, 10, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(again.apply(loaded, x)), np.asarray(model.apply(params, x)))


def test_codegen_writes_the_constructors_that_rebuild_the_model(tmp_path: Path) -> None:
    model = spec_model(tmp_path)
    code = codegen(model)
    for call in [
        "nn.Cropping2D(((1, 0), (2, 1)))",
        'nn.UpSampling2D(2, interpolation="bilinear")',
        'nn.Resizing(8, 6, name="resize")',
        'nn.Resizing(4, 4, interpolation="nearest")',
        "nn.Cropping1D((1, 2))",
        "nn.Permute((2, 1))",
        "nn.GlobalMaxPool1D()",
        "nn.RepeatVector(3)",
        "nn.Cropping1D(1)",
    ]:
        assert call in code, (call, code)
    namespace: dict[str, Any] = {}
    exec(compile(code, "generated.py", "exec"), namespace)  # the code under test
    rebuilt: tn.Model[Any, Any] = namespace["build_model"]()
    assert graph_to_dict(rebuilt.graph) == graph_to_dict(model.graph)
    assert [layer.hyper for layer in rebuilt.graph.layers()] == [layer.hyper for layer in model.graph.layers()]
