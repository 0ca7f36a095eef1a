"""GlobalMaxPool1D, Cropping1D, Cropping2D, Permute and RepeatVector: rules, messages, lowering, numbers.

The property tests draw `typednn.testing`'s cases and hold them to its `check_case`
convention: the rule accepts exactly what the lowering runs, and gives its shape.
Specs, exports and codegen of these layers (and of UpSampling2D and Resizing) are in
tests/layers/test_resizing.py.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import typednn as tn
from tests.shapes.test_rules_vs_jax import SEQ, named_dims_hold
from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import (
    UNKNOWN,
    Cropping1DHyper,
    Cropping2DHyper,
    GlobalAvgPool1DHyper,
    GlobalMaxPool1DHyper,
    Hyper,
    PermuteHyper,
    RepeatVectorHyper,
    Shape,
)
from typednn._shapes._dims import plus
from typednn.layers._registry import KINDS, kind_of
from typednn.testing import check_case, layers

KINDS_HERE = ["global_max_pool1d", "cropping1d", "cropping2d", "permute", "repeat_vector"]


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        hyper.output_shape(*inputs)
    return info.value


# ---------------------------------------------------------------------------- rules


def test_global_max_pool1d_keeps_the_channels() -> None:
    assert GlobalMaxPool1DHyper().output_shape(Shape.of(128, 64)) == Shape.of(64)
    assert GlobalMaxPool1DHyper().output_shape(Shape.of(SEQ, 8)) == Shape.of(8)
    assert GlobalMaxPool1DHyper().output_shape(Shape.of(4, SEQ)) == Shape.of(SEQ)
    assert GlobalMaxPool1DHyper().output_shape(Shape.anything()) == Shape.of(UNKNOWN)
    error = rejection(GlobalMaxPool1DHyper(), Shape.of(7, 7, 3))
    assert error.message == "GlobalMaxPool1D() expects a (length, channels) input, but receives (7, 7, 3)"
    assert error.hint == "GlobalMaxPool1D takes NLC sequences"
    # Its average twin shares the rule, and says what it said before.
    error = rejection(GlobalAvgPool1DHyper(), Shape.of(64))
    assert error.message == "GlobalAvgPool1D() expects a (length, channels) input, but receives (64,)"
    assert error.hint == "GlobalAvgPool1D takes NLC sequences"


def test_cropping1d_cuts_both_ends() -> None:
    assert Cropping1DHyper(cropping=2).output_shape(Shape.of(10, 4)) == Shape.of(6, 4)
    assert Cropping1DHyper(cropping=(0, 3)).output_shape(Shape.of(10, 4)) == Shape.of(7, 4)
    assert Cropping1DHyper(cropping=0).output_shape(Shape.of(10, 4)) == Shape.of(10, 4)
    assert Cropping1DHyper(cropping=(4, 5)).output_shape(Shape.of(10, 4)) == Shape.of(1, 4)
    assert Cropping1DHyper(cropping=(1, 2)).ends() == (1, 2)
    assert Cropping1DHyper(cropping=3).ends() == (3, 3)
    # A named length gives a size computed from it; an unknown cropping, an unknown length.
    assert Cropping1DHyper(cropping=(1, 1)).output_shape(Shape.of(SEQ, 4)) == Shape.of(plus(SEQ, -2), 4)
    assert Cropping1DHyper(cropping=0).output_shape(Shape.of(SEQ, 4)) == Shape.of(SEQ, 4)
    assert Cropping1DHyper(cropping=(UNKNOWN, 1)).output_shape(Shape.of(10, 4)) == Shape.of(UNKNOWN, 4)
    assert Cropping1DHyper(cropping=1).output_shape(Shape((4,), open=True)) == Shape.of(UNKNOWN, 4)


def test_cropping1d_messages() -> None:
    error = rejection(Cropping1DHyper(cropping=5), Shape.of(10, 4))
    assert error.message == "Cropping1D(cropping=5) expects a length of at least 11, but receives (10, 4)"
    assert error.hint == "a cropping must leave at least one position on each axis; crop less"
    assert rejection(Cropping1DHyper(cropping=(3, 0)), Shape.of(3, 4)).expected == "a length of at least 4"
    error = rejection(Cropping1DHyper(cropping=1), Shape.of(28, 28, 1))
    assert error.message == "Cropping1D(cropping=1) expects a (length, channels) input, but receives (28, 28, 1)"
    assert error.hint == "Cropping1D takes NLC sequences"


def test_cropping2d_cuts_rows_and_columns() -> None:
    image = Shape.of(28, 28, 1)
    assert Cropping2DHyper(cropping=1).output_shape(image) == Shape.of(26, 26, 1)
    assert Cropping2DHyper(cropping=0).output_shape(image) == image
    assert Cropping2DHyper(cropping=(1, 2)).output_shape(image) == Shape.of(26, 24, 1)
    assert Cropping2DHyper(cropping=((0, 1), (2, 3))).output_shape(image) == Shape.of(27, 23, 1)
    assert Cropping2DHyper(cropping=(1, 2)).crops() == ((1, 1), (2, 2))
    assert Cropping2DHyper(cropping=((0, 1), (2, 3))).crops() == ((0, 1), (2, 3))
    assert Cropping2DHyper(cropping=((1, 0), (0, 0))).output_shape(Shape.of(SEQ, SEQ, 3)) == Shape.of(
        plus(SEQ, -1), SEQ, 3
    )
    assert Cropping2DHyper(cropping=UNKNOWN).output_shape(image) == Shape.of(UNKNOWN, UNKNOWN, 1)


def test_cropping2d_messages() -> None:
    error = rejection(Cropping2DHyper(cropping=((0, 1), (14, 14))), Shape.of(28, 28, 1))
    assert error.message == (
        "Cropping2D(cropping=((0, 1), (14, 14))) expects a width of at least 29, but receives (28, 28, 1)"
    )
    assert error.hint == "a cropping must leave at least one position on each axis; crop less"
    error = rejection(Cropping2DHyper(cropping=(3, 0)), Shape.of(6, 9, 2))
    assert error.expected == "a height of at least 7"
    error = rejection(Cropping2DHyper(cropping=1), Shape.of(784))
    assert error.message == "Cropping2D(cropping=1) expects a (height, width, channels) input, but receives (784,)"
    assert error.hint == "Cropping2D takes NHWC images"


def test_permute_reorders_the_axes() -> None:
    assert PermuteHyper(dims=(2, 1)).output_shape(Shape.of(10, 64)) == Shape.of(64, 10)
    assert PermuteHyper(dims=(2, 1, 3)).output_shape(Shape.of(4, 5, 6)) == Shape.of(5, 4, 6)
    assert PermuteHyper(dims=(3, 1, 2)).output_shape(Shape.of(SEQ, 5, 6)) == Shape.of(6, SEQ, 5)
    assert PermuteHyper(dims=(1,)).output_shape(Shape.of(7)) == Shape.of(7)
    # An open shape (a block not yet applied) moves what it knows; unknown axes stay unknown.
    assert PermuteHyper(dims=(3, 1, 2)).output_shape(Shape((5, 6), open=True)) == Shape.of(6, UNKNOWN, 5)
    assert PermuteHyper(dims=(2, UNKNOWN)).output_shape(Shape.of(4, 5)) == Shape.of(5, UNKNOWN)
    assert PermuteHyper(dims=UNKNOWN).output_shape(Shape.of(4, 5)) == Shape.anything()


def test_permute_messages() -> None:
    error = rejection(PermuteHyper(dims=(2, 1)), Shape.of(4, 5, 6))
    assert (
        error.message
        == "Permute(dims=(2, 1)) expects an input of 2 axes (one per entry of dims), but receives (4, 5, 6)"
    )
    assert error.hint is not None and "counted from 1 (the batch axis is not listed)" in error.hint
    assert rejection(PermuteHyper(dims=(1, 2)), Shape((1, 2, 3), open=True)).actual == "(..., 1, 2, 3)"


def test_repeat_vector_adds_an_axis() -> None:
    assert RepeatVectorHyper(n=3).output_shape(Shape.of(32)) == Shape.of(3, 32)
    assert RepeatVectorHyper(n=1).output_shape(Shape.of(SEQ)) == Shape.of(1, SEQ)
    assert RepeatVectorHyper(n=UNKNOWN).output_shape(Shape.of(8)) == Shape.of(UNKNOWN, 8)
    assert RepeatVectorHyper(n=2).output_shape(Shape.anything()) == Shape.of(2, UNKNOWN)
    error = rejection(RepeatVectorHyper(n=3), Shape.of(10, 4))
    assert error.message == "RepeatVector(n=3) expects a (features) input, but receives (10, 4)"
    assert error.hint == "RepeatVector takes one vector per example; flatten or pool the input first"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.Cropping1D(-1), "Cropping1D(cropping=-1): cropping must be made of ints >= 0, but is -1"),  # type: ignore[typednn-param]
        (lambda: nn.Cropping1D((1, -2)), "Cropping1D(cropping=(1, -2)): cropping must be made of ints >= 0"),  # type: ignore[typednn-param]
        (lambda: nn.Cropping1D(True), "Cropping1D(cropping=True): cropping must be made of ints >= 0, but is True"),  # type: ignore[typednn-param]
        (
            lambda: nn.Cropping1D((1, 2, 3)),  # type: ignore[arg-type]
            "Cropping1D(cropping=(1, 2, 3)): cropping must be an int or a (start, end) pair, but is (1, 2, 3)",
        ),
        (lambda: nn.Cropping1D(2**40), "cropping must be at most"),  # type: ignore[typednn-param]
        (lambda: nn.Cropping2D(-1), "Cropping2D(cropping=-1): cropping must be made of ints >= 0, but is -1"),  # type: ignore[typednn-param]
        (
            lambda: nn.Cropping2D((1, 2, 3)),  # type: ignore[arg-type]
            "Cropping2D(cropping=(1, 2, 3)): cropping must be an int, a (height, width) pair or "
            "((top, bottom), (left, right)), but is (1, 2, 3)",
        ),
        (
            lambda: nn.Cropping2D(((0, 1), (2, -3))),  # type: ignore[typednn-param]
            "Cropping2D(cropping=((0, 1), (2, -3))): cropping must be made of ints >= 0",
        ),
        (lambda: nn.Permute(()), "Permute(dims=()): dims must be a non-empty tuple of ints, but is ()"),  # type: ignore[typednn-param]
        (lambda: nn.Permute((0, 1)), "Permute(dims=(0, 1)): dims must be a permutation of 1..2, but is (0, 1)"),  # type: ignore[typednn-param]
        (lambda: nn.Permute((1, 1, 2)), "dims must be a permutation of 1..3, but is (1, 1, 2)"),  # type: ignore[typednn-param]
        (lambda: nn.Permute((1, 3)), "dims must be a permutation of 1..2, but is (1, 3)"),  # type: ignore[typednn-param]
        (lambda: nn.Permute((1, 2.0)), "dims must be a non-empty tuple of ints, but is (1, 2.0)"),  # type: ignore[arg-type]
        (lambda: nn.Permute(2), "dims must be a non-empty tuple of ints, but is 2"),  # type: ignore[arg-type]
        (lambda: nn.RepeatVector(0), "RepeatVector(n=0): n must be a positive int, but is 0"),  # type: ignore[typednn-param]
        (lambda: nn.RepeatVector(True), "RepeatVector(n=True): n must be a positive int, but is True"),  # type: ignore[typednn-param]
        (lambda: RepeatVectorHyper(n=SEQ), "RepeatVector(n=Seq): n must be a positive int, but is Seq"),  # type: ignore[arg-type]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()
    assert message in info.value.message


def test_hyperparameter_errors_have_hints() -> None:
    with pytest.raises(HyperparameterError) as info:
        nn.Cropping2D((1, 2, 3))  # type: ignore[arg-type, typednn-param]
    assert info.value.hint == "e.g. cropping=1, cropping=(1, 2) or cropping=((0, 1), (0, 1))"
    with pytest.raises(HyperparameterError) as info:
        nn.Permute((0, 1))  # type: ignore[typednn-param]
    assert info.value.hint is not None and "e.g. (2, 1)" in info.value.hint


def test_kinds_and_default_names() -> None:
    built = [nn.GlobalMaxPool1D(), nn.Cropping1D(1), nn.Cropping2D(1), nn.Permute((2, 1)), nn.RepeatVector(3)]
    for layer, kind in zip(built, KINDS_HERE, strict=True):
        found = kind_of(layer)
        assert found is not None and found.name == kind
        assert layer.default_name() == kind
        assert not layer.has_params
    assert [KINDS[kind].main_option() for kind in KINDS_HERE] == [None, "cropping", "cropping", "dims", "n"]
    assert [repr(layer) for layer in built] == [
        "GlobalMaxPool1D()",
        "Cropping1D(cropping=1)",
        "Cropping2D(cropping=1)",
        "Permute(dims=(2, 1))",
        "RepeatVector(n=3)",
    ]


def test_layers_compose_and_fail_where_written() -> None:
    block = nn.Cropping1D(1) >> nn.Permute((2, 1)) >> nn.GlobalMaxPool1D() >> nn.RepeatVector(2)
    assert block(tn.Input(6, 4)).shape == Shape.of(2, 4)
    named = nn.Cropping2D(3, name="crop")
    with pytest.raises(ShapeError, match=r"^crop: Cropping2D\(cropping=3\) expects a height of at least 7"):
        named(tn.Input(6, 9, 2))  # type: ignore[typednn-shape]


# ---------------------------------------------------------------------------- rule == jax.eval_shape

CASES = {kind: layers(kind) for kind in KINDS_HERE}


@pytest.mark.parametrize("kind", KINDS_HERE)
@given(data=st.data())
def test_rule_is_jax_eval_shape(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(CASES[kind], label="case"), data)


@given(data=st.data())
def test_named_dims_are_kept_soundly(data: st.DataObject) -> None:
    """Where a rule keeps a named dim, the lowering keeps that size, whatever it is."""
    case = data.draw(st.one_of(*CASES.values()), label="case")
    named_dims_hold(case, data)


# ---------------------------------------------------------------------------- numbers


def run(layer: Any, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(layer.apply({}, jax.numpy.asarray(x), key=None, training=False))


RNG = np.random.default_rng(0)
SEQUENCES = RNG.normal(size=(2, 7, 3)).astype(np.float32)
IMAGES = RNG.normal(size=(2, 6, 5, 3)).astype(np.float32)


def test_global_max_pool1d_is_the_maximum_over_the_length() -> None:
    np.testing.assert_array_equal(run(nn.GlobalMaxPool1D(), SEQUENCES), SEQUENCES.max(axis=1))


@pytest.mark.parametrize(("cropping", "start", "end"), [(0, 0, 0), (2, 2, 2), ((0, 3), 0, 3), ((6, 0), 6, 0)])
def test_cropping1d_is_numpy_slicing(cropping: Any, start: int, end: int) -> None:
    np.testing.assert_array_equal(run(nn.Cropping1D(cropping), SEQUENCES), SEQUENCES[:, start : 7 - end])


@pytest.mark.parametrize(
    ("cropping", "rows", "columns"),
    [
        (1, (1, 1), (1, 1)),
        ((2, 0), (2, 2), (0, 0)),
        (((0, 1), (3, 1)), (0, 1), (3, 1)),
        (((5, 0), (0, 4)), (5, 0), (0, 4)),
    ],
)
def test_cropping2d_is_numpy_slicing(cropping: Any, rows: tuple[int, int], columns: tuple[int, int]) -> None:
    expected = IMAGES[:, rows[0] : 6 - rows[1], columns[0] : 5 - columns[1]]
    np.testing.assert_array_equal(run(nn.Cropping2D(cropping), IMAGES), expected)


@pytest.mark.parametrize("dims", [(1, 2, 3), (2, 1, 3), (3, 1, 2), (3, 2, 1)])
def test_permute_is_numpy_transpose_after_the_batch_axis(dims: tuple[int, int, int]) -> None:
    np.testing.assert_array_equal(run(nn.Permute(dims), IMAGES), np.transpose(IMAGES, (0, *dims)))


def test_repeat_vector_is_numpy_repeat_on_a_new_axis() -> None:
    vectors = SEQUENCES[:, 0]
    np.testing.assert_array_equal(run(nn.RepeatVector(4), vectors), np.repeat(vectors[:, None, :], 4, axis=1))
