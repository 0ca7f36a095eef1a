"""The pure shape rules (`typednn._shapes`) and the messages they give.

Messages are part of the API (style.md, "Errors teach"): these tests spell them out,
as jaxtyping's `test_messages.py` does. Everything here is jax-free.
"""

from __future__ import annotations

import pytest

from typednn import Dim, HyperparameterError, ShapeError, TypednnError
from typednn._shapes import (
    UNKNOWN,
    ActivationHyper,
    AddHyper,
    AvgPool2DHyper,
    ConcatenateHyper,
    Conv2DHyper,
    DenseHyper,
    DropoutHyper,
    FlattenHyper,
    Hyper,
    MaxPool2DHyper,
    ReshapeHyper,
    Shape,
    Symbol,
    Unknown,
    check_fit,
)
from typednn._shapes._dims import plus, times

SEQ = Symbol("tests.Seq")
TIME = Symbol("tests.Time")


def rejection(hyper: Hyper, *inputs: Shape) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        hyper.output_shape(*inputs)
    return info.value


def chain(shape: Shape, *layers: Hyper) -> Shape:
    """The rules of layers applied one after another, as `layer >> layer` composes them."""
    for layer in layers:
        shape = layer.output_shape(shape)
    return shape


# ---------------------------------------------------------------------------- dims and shapes


def test_shape_repr() -> None:
    assert repr(Shape.of(28, 28, 1)) == "(28, 28, 1)"
    assert repr(Shape.of(784)) == "(784,)"
    assert repr(Shape.of()) == "()"
    assert repr(Shape.anything()) == "(...)"
    assert repr(Shape((3,), open=True)) == "(..., 3)"
    assert repr(Shape((2, 3), open=True)) == "(..., 2, 3)"
    assert repr(Shape.of(SEQ, UNKNOWN, 3)) == "(Seq, ?, 3)"


def test_shape_accessors() -> None:
    shape = Shape.of(4, 5, 6)
    assert shape.rank == 3
    assert shape.last == 6
    assert shape.with_last(10) == Shape.of(4, 5, 10)
    assert shape.ranked(3) == (4, 5, 6)
    assert shape.ranked(2) is None
    assert Shape.of().last is UNKNOWN
    assert Shape.of().with_last(3) == Shape.of(3)
    opened = Shape((6,), open=True)
    assert opened.rank is None
    assert opened.ranked(3) == (UNKNOWN, UNKNOWN, 6)
    assert Shape((1, 2, 3, 4), open=True).ranked(3) is None
    assert opened.with_last(2) == Shape((2,), open=True)


def test_symbols_and_unknown() -> None:
    class Seq(Dim):
        """Tokens in a sequence."""

    symbol = Symbol.of(Seq)
    assert symbol.name == "Seq"
    assert symbol.fullname.endswith("test_symbols_and_unknown.<locals>.Seq")
    assert repr(symbol) == "Seq"
    assert symbol == Symbol.of(Seq)
    assert Unknown() is UNKNOWN
    assert repr(UNKNOWN) == "?"


def test_errors_are_typednn_errors() -> None:
    assert issubclass(ShapeError, TypednnError)
    assert issubclass(HyperparameterError, TypednnError)
    error = ShapeError("Dense(64 -> 10)", "64 input features", "(128,)", hint="fix it")
    assert str(error) == "Dense(64 -> 10) expects 64 input features, but receives (128,)\n  hint: fix it"
    located = error.at("head")
    assert located.message == "head: Dense(64 -> 10) expects 64 input features, but receives (128,)"
    assert (located.layer, located.expected, located.actual, located.where, located.hint) == (
        "Dense(64 -> 10)",
        "64 input features",
        "(128,)",
        "head",
        "fix it",
    )


# ---------------------------------------------------------------------------- dense


def test_dense_message() -> None:
    error = rejection(DenseHyper(in_features=64, units=10), Shape.of(128))
    assert error.message == "Dense(64 -> 10) expects 64 input features, but receives (128,)"
    assert error.hint == (
        "the previous layer gives 128 features; make them agree, or write Dense(10) to take whatever arrives"
    )


def test_dense_needs_an_axis() -> None:
    error = rejection(DenseHyper(units=10), Shape.of())
    assert error.message == "Dense(10) expects at least one axis, but receives ()"
    assert error.hint == "use Reshape to add a feature axis"


def test_dense_maps_the_last_axis() -> None:
    assert DenseHyper(units=10).output_shape(Shape.of(5, 7)) == Shape.of(5, 10)
    assert DenseHyper(units=10).output_shape(Shape.of(SEQ, 7)) == Shape.of(SEQ, 10)
    assert DenseHyper(in_features=7, units=3).output_shape(Shape.of(UNKNOWN)) == Shape.of(3)
    # A named axis varies with the data, so it never provably equals a declared size.
    assert rejection(DenseHyper(in_features=8, units=3), Shape.of(SEQ)).actual == "(Seq,)"


# ---------------------------------------------------------------------------- conv and pool


def test_conv_output() -> None:
    conv = Conv2DHyper(filters=32, kernel=3)
    assert conv.output_shape(Shape.of(28, 28, 1)) == Shape.of(26, 26, 32)
    strided = Conv2DHyper(filters=16, kernel=(5, 3), stride=(2, 1), dilation=(1, 2))
    assert strided.output_shape(Shape.of(32, 32, 3)) == Shape.of(14, 28, 16)
    same = Conv2DHyper(filters=8, kernel=3, stride=2, padding="same")
    assert same.output_shape(Shape.of(7, 8, 3)) == Shape.of(4, 4, 8)


def test_conv_too_small_names_the_kernel_span_and_the_input() -> None:
    error = rejection(Conv2DHyper(filters=8, kernel=5), Shape.of(3, 3, 1))
    assert error.message == "Conv2D(8, kernel=5) expects a height of at least 5, but receives (3, 3, 1)"
    assert error.hint == "use padding='same', a smaller kernel, or less downsampling before this layer"
    # The span of a dilated kernel: 2 * (3 - 1) + 1 = 5 positions.
    error = rejection(Conv2DHyper(filters=4, kernel=3, dilation=2), Shape.of(8, 4, 3))
    assert error.message == "Conv2D(4, kernel=3, dilation=2) expects a width of at least 5, but receives (8, 4, 3)"


def test_conv_rank_channels_and_groups_messages() -> None:
    error = rejection(Conv2DHyper(filters=4, kernel=3), Shape.of(8, 8))
    assert error.message == "Conv2D(4, kernel=3) expects a (height, width, channels) input, but receives (8, 8)"
    assert error.hint == "Conv2D takes NHWC images"
    error = rejection(Conv2DHyper(filters=4, kernel=3, in_channels=3), Shape.of(8, 8, 4))
    assert error.message == "Conv2D(4, kernel=3, in_channels=3) expects 3 input channels, but receives (8, 8, 4)"
    error = rejection(Conv2DHyper(filters=4, kernel=3, groups=2), Shape.of(8, 8, 3))
    assert error.message == (
        "Conv2D(4, kernel=3, groups=2) expects input channels divisible by groups=2, but receives (8, 8, 3)"
    )


def test_conv_describe_lists_what_is_not_default() -> None:
    conv = Conv2DHyper(filters=3, kernel=(3, 2), stride=2, padding="same", groups=3)
    assert conv.describe() == "Conv2D(3, kernel=(3, 2), stride=2, padding='same', groups=3)"
    assert Conv2DHyper(filters=3, kernel=3, use_bias=False).describe() == "Conv2D(3, kernel=3, use_bias=False)"


def test_pool_output_and_messages() -> None:
    assert MaxPool2DHyper(window=2).output_shape(Shape.of(26, 26, 32)) == Shape.of(13, 13, 32)
    assert AvgPool2DHyper(window=2, stride=1).output_shape(Shape.of(8, 8, 3)) == Shape.of(7, 7, 3)
    assert MaxPool2DHyper(window=3, padding="same").output_shape(Shape.of(2, 7, 3)) == Shape.of(1, 3, 3)
    error = rejection(MaxPool2DHyper(window=3), Shape.of(2, 8, 3))
    assert error.message == "MaxPool2D(window=3) expects a height of at least 3, but receives (2, 8, 3)"
    assert error.hint == "remove a pooling layer or use padding='same'"
    error = rejection(AvgPool2DHyper(window=2), Shape.of(8, 3))
    assert error.message == "AvgPool2D(window=2) expects a (height, width, channels) input, but receives (8, 3)"


@pytest.mark.parametrize(
    ("hyper", "height"),
    [
        # The output provably equals the input: the symbol survives.
        (Conv2DHyper(filters=4, kernel=3, padding="same"), SEQ),
        (Conv2DHyper(filters=4, kernel=(5, 1), padding="same", dilation=2), SEQ),
        (Conv2DHyper(filters=4, kernel=1), SEQ),
        (MaxPool2DHyper(window=1), SEQ),
        (AvgPool2DHyper(window=3, stride=1, padding="same"), SEQ),
        # A valid window at stride 1 shortens it by a fixed amount, for every size.
        (Conv2DHyper(filters=4, kernel=3), plus(SEQ, -2)),
        (Conv2DHyper(filters=4, kernel=(3, 1), dilation=2), plus(SEQ, -4)),
        (MaxPool2DHyper(window=3, stride=1), plus(SEQ, -2)),
        # A stride that rounds depends on the size: unknown.
        (Conv2DHyper(filters=4, kernel=1, stride=2), UNKNOWN),
        (Conv2DHyper(filters=4, kernel=3, stride=2, padding="same"), UNKNOWN),
        (Conv2DHyper(filters=4, kernel=1, dilation=3), SEQ),
        (MaxPool2DHyper(window=2), UNKNOWN),
        (MaxPool2DHyper(window=2, padding="same"), UNKNOWN),
    ],
)
def test_window_rules_keep_symbols_where_the_arithmetic_allows(hyper: Hyper, height: object) -> None:
    out = hyper.output_shape(Shape.of(SEQ, 9, 4))
    assert out.dims[0] == height
    assert isinstance(out.dims[1], int)


# ---------------------------------------------------------------------------- reshape and flatten


def test_flatten() -> None:
    assert FlattenHyper().output_shape(Shape.of(13, 13, 32)) == Shape.of(5408)
    assert FlattenHyper().output_shape(Shape.of()) == Shape.of(1)
    assert FlattenHyper().output_shape(Shape.of(SEQ, 4)) == Shape.of(times(SEQ, 4))
    assert FlattenHyper().output_shape(Shape.of(SEQ, TIME)) == Shape.of(UNKNOWN)
    assert FlattenHyper().output_shape(Shape.anything()) == Shape.of(UNKNOWN)


def test_reshape_mentions_both_element_counts() -> None:
    error = rejection(ReshapeHyper(shape=(5, 5)), Shape.of(3, 3, 1))
    assert error.message == "Reshape(5, 5) expects 25 elements, but receives (3, 3, 1) with 9 elements"
    assert error.hint == "a reshape keeps the number of elements; use -1 for one axis to infer it"
    error = rejection(ReshapeHyper(shape=(4, -1)), Shape.of(6))
    assert error.message == "Reshape(4, -1) expects a multiple of 4 elements, but receives (6,) with 6 elements"


def test_reshape_infers_one_axis() -> None:
    assert ReshapeHyper(shape=(28, 28, 1)).output_shape(Shape.of(784)) == Shape.of(28, 28, 1)
    assert ReshapeHyper(shape=(-1, 4)).output_shape(Shape.of(2, 6)) == Shape.of(3, 4)
    assert ReshapeHyper(shape=(-1,)).output_shape(Shape.of(2, 6)) == Shape.of(12)
    assert ReshapeHyper(shape=(2, -1)).output_shape(Shape.of(UNKNOWN, 4)) == Shape.of(2, UNKNOWN)
    assert ReshapeHyper(shape=(28, 28, 1)).output_shape(Shape.anything()) == Shape.of(28, 28, 1)


# ---------------------------------------------------------------------------- merges


def test_add_messages() -> None:
    error = rejection(AddHyper(), Shape.of(3, 3), Shape.of(3, 4))
    assert error.message == "Add expects inputs of equal shape, but receives (3, 3) and (3, 4)"
    assert error.hint == "project the shortcut (e.g. a 1x1 Conv2D with the same stride) so both paths agree"
    error = rejection(AddHyper(), Shape.of(3, 3), Shape.of(3))
    assert error.message == "Add expects inputs of equal shape, but receives (3, 3) and (3,)"
    assert error.hint == "add only equal shapes"
    error = rejection(AddHyper(), Shape.of(4, 1), Shape.of(4, 8))
    assert error.actual == "(4, 1) and (4, 8)", "no broadcasting"
    assert rejection(AddHyper(), Shape.of(3)).message == "Add expects two or more inputs, but receives 1"


def test_add_with_symbols_and_open_shapes() -> None:
    assert AddHyper().output_shape(Shape.of(SEQ, 4), Shape.of(SEQ, 4)) == Shape.of(SEQ, 4)
    assert AddHyper().output_shape(Shape.of(UNKNOWN, 4), Shape.of(TIME, 4)) == Shape.of(TIME, 4)
    assert AddHyper().output_shape(Shape.of(1, 2, 3), Shape.of(1, 2, 3), Shape.of(1, 2, 3)) == Shape.of(1, 2, 3)
    error = rejection(AddHyper(), Shape.of(SEQ, 4), Shape.of(TIME, 4))
    assert error.message == "Add expects inputs of equal shape, but receives (Seq, 4) and (Time, 4)"
    assert AddHyper().output_shape(Shape((4,), open=True), Shape.of(3, 4)) == Shape.of(3, 4)
    assert AddHyper().output_shape(Shape((5,), open=True), Shape((2, 5), open=True)) == Shape((2, 5), open=True)
    error = rejection(AddHyper(), Shape((5,), open=True), Shape.of(3, 4))
    assert error.message == "Add expects inputs of equal shape, but receives (..., 5) and (3, 4)"


def test_concatenate_messages() -> None:
    concat = ConcatenateHyper(axis=0)
    error = rejection(concat, Shape.of(3, 3), Shape.of(4, 4))
    assert error.message == (
        "Concatenate(axis=0) expects equal sizes on every axis but 0, but receives (3, 3) and (4, 4)"
    )
    error = rejection(concat, Shape.of(3, 3), Shape.of(3))
    assert error.message == "Concatenate(axis=0) expects inputs of equal rank, but receives (3, 3) and (3,)"
    error = rejection(ConcatenateHyper(axis=2), Shape.of(3, 3), Shape.of(3, 3))
    assert error.message == "Concatenate(axis=2) expects inputs with an axis 2, but receives (3, 3) and (3, 3)"
    error = rejection(ConcatenateHyper(axis=-3), Shape.of(3, 3), Shape.of(3, 3))
    assert error.message == "Concatenate(axis=-3) expects inputs with an axis -3, but receives (3, 3) and (3, 3)"
    error = rejection(ConcatenateHyper(), Shape.of(3))
    assert error.message == "Concatenate() expects two or more inputs, but receives 1"


def test_concatenate_sums_along_its_axis() -> None:
    assert ConcatenateHyper().output_shape(Shape.of(10, 300), Shape.of(10, 484)) == Shape.of(10, 784)
    three = ConcatenateHyper(axis=0).output_shape(Shape.of(1, 2), Shape.of(2, 2), Shape.of(3, 2))
    assert three == Shape.of(6, 2)
    assert ConcatenateHyper(axis=-2).output_shape(Shape.of(1, 2), Shape.of(2, 2)) == Shape.of(3, 2)
    assert ConcatenateHyper(axis=1).output_shape(Shape.of(SEQ, 4), Shape.of(SEQ, 4)) == Shape.of(SEQ, 8)
    assert ConcatenateHyper(axis=0).output_shape(Shape.of(SEQ, 4), Shape.of(3, 4)) == Shape.of(plus(SEQ, 3), 4)
    assert ConcatenateHyper(axis=0).output_shape(Shape.of(SEQ, 4), Shape.of(TIME, 4)) == Shape.of(UNKNOWN, 4)
    error = rejection(ConcatenateHyper(axis=1), Shape.of(SEQ, 4), Shape.of(TIME, 4))
    assert error.actual == "(Seq, 4) and (Time, 4)"
    assert ConcatenateHyper().output_shape(Shape.anything(), Shape.of(3)) == Shape.anything()


# ---------------------------------------------------------------------------- elementwise and arity


def test_elementwise_rules_keep_the_shape() -> None:
    for shape in (Shape.of(), Shape.of(SEQ, 3), Shape((2,), open=True)):
        assert ActivationHyper(function="softmax").output_shape(shape) == shape
        assert DropoutHyper(rate=0.5).output_shape(shape) == shape


def test_single_input_layers_reject_several_inputs() -> None:
    error = rejection(DenseHyper(units=3), Shape.of(3), Shape.of(3))
    assert error.message == "Dense(3) expects 1 input(s), but receives 2"


# ---------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DenseHyper(units=0), "Dense(0): units must be a positive int, but is 0"),
        (
            lambda: DenseHyper(in_features=-1, units=3),
            "Dense(-1 -> 3): in_features must be a positive int, but is -1",
        ),
        (lambda: DenseHyper(units=True), "Dense(True): units must be a positive int, but is True"),
        (
            lambda: Conv2DHyper(filters=3, kernel=3, groups=2),
            "Conv2D(3, kernel=3, groups=2): filters (3) must be divisible by groups (2)",
        ),
        (
            lambda: Conv2DHyper(filters=4, kernel=(3,)),  # type: ignore[arg-type]
            "Conv2D(4, kernel=(3,)): kernel must be an int or a pair of ints, but is (3,)",
        ),
        (
            lambda: Conv2DHyper(filters=4, kernel=(3, 0)),
            "Conv2D(4, kernel=(3, 0)): kernel must be a positive int, but is (3, 0)",
        ),
        (
            lambda: Conv2DHyper(filters=4, kernel=3, padding="SAME"),
            "Conv2D(4, kernel=3, padding='SAME'): padding must be 'valid' or 'same', but is 'SAME'",
        ),
        (lambda: MaxPool2DHyper(window=0), "MaxPool2D(window=0): window must be a positive int, but is 0"),
        (lambda: DropoutHyper(rate=1.0), "Dropout(rate=1.0): rate must be in [0, 1), but is 1.0"),
        (
            lambda: ReshapeHyper(shape=(-1, -1)),
            "Reshape(-1, -1): at most one axis may be inferred (-1 or a named Dim)",
        ),
        (
            lambda: ReshapeHyper(shape=(0, 3)),
            "Reshape(0, 3): every axis must be a positive int, -1 or a tn.Dim, but the shape is (0, 3)",
        ),
        (
            lambda: ActivationHyper(function="swish"),
            "Activation('swish'): function must be 'relu' or 'gelu' or 'tanh' or 'sigmoid' or 'softmax' or "
            "'silu' or 'elu' or 'leaky_relu' or 'log_softmax' or 'softplus' or 'relu6' or 'hard_sigmoid' or "
            "'hard_swish', but is 'swish'",
        ),
    ],
)
def test_hyperparameter_messages(make: object, message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        make()  # type: ignore[operator]
    assert info.value.message == message


def test_hyperparameters_may_be_unknown_or_symbolic() -> None:
    # Sizes computed from runtime ints reach the rules as UNKNOWN: nothing to validate yet.
    assert DenseHyper(units=UNKNOWN).output_shape(Shape.of(3)) == Shape.of(UNKNOWN)
    assert Conv2DHyper(filters=UNKNOWN, kernel=3).output_shape(Shape.of(5, 5, 1)) == Shape.of(3, 3, UNKNOWN)
    assert Conv2DHyper(filters=4, kernel=UNKNOWN).output_shape(Shape.of(5, 5, 1)) == Shape.of(UNKNOWN, UNKNOWN, 4)


def test_defaults_have_one_source() -> None:
    assert Conv2DHyper.default("padding") == "valid"
    assert Conv2DHyper.default("stride") == 1
    assert MaxPool2DHyper.default("stride") is None
    assert ConcatenateHyper.default("axis") == -1
    assert DenseHyper(units=3).values() == {"in_features": None, "units": 3, "use_bias": True, "activation": None}


# ---------------------------------------------------------------------------- composition before application


def test_open_shapes_compose_before_application() -> None:
    mlp = chain(
        Shape.anything(),
        DenseHyper(in_features=784, units=256),
        ActivationHyper(function="relu"),
        DenseHyper(in_features=256, units=10),
    )
    assert mlp == Shape((10,), open=True)
    assert repr(mlp) == "(..., 10)"
    convs = chain(Shape.anything(), Conv2DHyper(filters=3, kernel=3), MaxPool2DHyper(window=2))
    assert convs == Shape.of(UNKNOWN, UNKNOWN, 3)
    assert chain(Shape.anything(), FlattenHyper(), DenseHyper(units=10)) == Shape.of(10)


def test_open_shapes_still_catch_what_is_known() -> None:
    with pytest.raises(ShapeError) as info:
        chain(Shape.anything(), Conv2DHyper(filters=3, kernel=3), DenseHyper(in_features=4, units=10))
    assert info.value.message == "Dense(4 -> 10) expects 4 input features, but receives (?, ?, 3)"
    with pytest.raises(ShapeError) as info:
        chain(Shape.anything(), FlattenHyper(), Conv2DHyper(filters=3, kernel=3))
    assert info.value.message == "Conv2D(3, kernel=3) expects a (height, width, channels) input, but receives (?,)"
    # What the open axes might hold is not held against the block: no false positive.
    assert chain(Shape.anything(), DenseHyper(units=5), ReshapeHyper(shape=(2, 2))) == Shape.of(2, 2)


# ---------------------------------------------------------------------------- data against a model


def test_check_fit_messages() -> None:
    check_fit(Shape.of(784), Shape.of(10), Shape.of(784), None, 10)
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(784), Shape.of(10), Shape.of(28, 28), None, 10)
    assert info.value.message == (
        "Trainer.fit expects features of shape (784,) (the model's input), "
        "but receives data whose features have shape (28, 28)"
    )
    with pytest.raises(ShapeError) as info:
        check_fit(Shape.of(784), Shape.of(10), Shape.of(784), None, 3)
    assert info.value.message == (
        "Trainer.fit expects targets from 10 classes (the model outputs (10,)), but receives data with 3 classes"
    )
