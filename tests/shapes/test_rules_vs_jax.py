"""Every layer's shape rule against `jax.eval_shape` of its lowering (design.md section 1).

The convention (accept: the lowering gives exactly the rule's shape; reject: JAX cannot
run the input either; unknown sizes never turn an accept into a reject) is stated and
checked by `typednn.testing.check_case`, and the cases are `typednn.testing`'s
strategies, the ones users get: one source for the project's tests and theirs.
Hyperparameters are validated separately, at construction (`HyperparameterError`).

Nothing is computed: shapes go through `jax.eval_shape` on `jax.ShapeDtypeStruct`s.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from typednn import HyperparameterError, ShapeError, nn
from typednn._shapes import ACTIVATIONS, UNKNOWN, Shape, Symbol, Unknown
from typednn.layers._registry import KINDS
from typednn.testing import CASES, Case, Dims, check_case, images, int_or_pair, layers, lowered_shape, shapes
from typednn.testing._case import BATCH, CANNOT_RUN, KEY
from typednn.testing._sizes import compatible, size, small

# The names the other layer test modules take from here.
__all__ = [
    "BATCH",
    "CANNOT_RUN",
    "KEY",
    "SEQ",
    "Case",
    "Dims",
    "check",
    "check_case",
    "compatible",
    "images",
    "int_or_pair",
    "lowered_shape",
    "shapes",
    "size",
    "small",
]

SEQ = Symbol("tests.Seq")
PADDINGS: tuple[Literal["valid", "same"], ...] = ("valid", "same")


def check(
    layer: Any,
    *inputs: Dims,
    data: st.DataObject,
    param_inputs: tuple[Dims, ...] | None = None,
    training: bool = False,
    refuses_broadcasting: bool = False,
) -> Shape | None:
    """Assert the convention for one layer and one set of inputs; return the rule's answer."""
    return check_case(Case(layer, inputs, param_inputs, training, refuses_broadcasting), data)


@given(data=st.data())
def test_dense(data: st.DataObject) -> None:
    check_case(data.draw(layers("dense")), data)


@given(data=st.data())
def test_conv2d(data: st.DataObject) -> None:
    check_case(data.draw(layers("conv2d")), data)


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
@given(data=st.data())
def test_pool2d(kind: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(kind)), data)


@given(data=st.data())
def test_flatten(data: st.DataObject) -> None:
    check_case(data.draw(layers("flatten")), data)


@given(data=st.data())
def test_reshape(data: st.DataObject) -> None:
    check_case(data.draw(layers("reshape")), data)


@given(data=st.data())
def test_dropout(data: st.DataObject) -> None:
    check_case(data.draw(layers("dropout")), data)


@pytest.mark.parametrize("function", ACTIVATIONS)
@settings(max_examples=20)  # ten functions with one rule: fewer examples each
@given(data=st.data())
def test_activation(function: str, data: st.DataObject) -> None:
    check_case(data.draw(layers(function)), data)


@given(data=st.data())
def test_add(data: st.DataObject) -> None:
    check_case(data.draw(layers("add")), data)


@given(data=st.data())
def test_concatenate(data: st.DataObject) -> None:
    check_case(data.draw(layers("concat")), data)


# ---------------------------------------------------------------------------- every kind

# Registered kinds with no strategy in `typednn.testing.CASES`, and why. Only a layer from
# outside typednn belongs here: its author checks it with `check_layer(Layer, hyper_strategy)`.
WITHOUT_CASES = {
    "swiglu": (
        "examples/swiglu.py (registered by conftest.py); tests/testing/test_testing.py checks it with a hyper strategy"
    ),
}


def test_every_layer_kind_has_a_property_test() -> None:
    """A kind without a strategy in `CASES` has no test of its rule against `jax.eval_shape`.

    Each strategy runs through `check_case` in tests/testing/test_testing.py (`check_layer` on every
    built-in kind) and, for the families, in this module and tests/layers/test_*.py.
    """
    missing = sorted(set(KINDS) - set(CASES) - set(WITHOUT_CASES))
    assert not missing, (
        f"no property test against jax.eval_shape for the layer kind(s) {missing}: add a strategy in"
        " typednn/testing/_cases_*.py and its line in typednn/testing/_kinds.py"
    )
    builtin = sorted(kind for kind in WITHOUT_CASES if KINDS[kind].layer.__module__.startswith("typednn."))
    assert not builtin, f"typednn's own kind(s) {builtin} must have a strategy, not an exemption"
    stale = sorted(kind for kind in WITHOUT_CASES if kind in CASES or kind not in KINDS)
    assert not stale, f"exempted kind(s) {stale} have a strategy now, or are no kind: drop the exemption"


@pytest.mark.parametrize("kind", sorted(CASES))
@settings(max_examples=10)  # draws only: no JAX
@given(data=st.data())
def test_a_kind_s_cases_build_that_kind(kind: str, data: st.DataObject) -> None:
    """A strategy filed under a kind draws layers of that kind (`relu` gives ReLUs, not any activation)."""
    layer = data.draw(CASES[kind], label="case").layer
    assert type(layer) is KINDS[kind].layer, f"CASES[{kind!r}] drew {layer!r}, not a {KINDS[kind].layer.__name__}"
    values = layer.hyper.values()
    assert all(values[name] == value for name, value in KINDS[kind].fixed.items()), (kind, layer)


# ---------------------------------------------------------------------------- symbols


@given(data=st.data())
def test_window_rules_keep_a_symbol_only_where_every_size_is_kept(data: st.DataObject) -> None:
    kernel = data.draw(int_or_pair(small), label="kernel")
    stride = data.draw(int_or_pair(st.integers(1, 2)), label="stride")
    padding = data.draw(st.sampled_from(PADDINGS), label="padding")
    layer = data.draw(
        st.sampled_from(
            [
                nn.Conv2D(4, kernel=kernel, stride=stride, padding=padding),
                nn.MaxPool2D(kernel, stride=stride, padding=padding),
                nn.AvgPool2D(kernel, stride=stride, padding=padding),
            ]
        ),
        label="layer",
    )
    # The width is wide enough for any window drawn here: only the height varies.
    height, width, channels = data.draw(size, label="height"), 12, data.draw(size, label="channels")
    symbolic = layer.output_shape(Shape.of(SEQ, width, channels))
    answer = symbolic.dims[0]
    assert answer in (SEQ, UNKNOWN) or getattr(answer, "symbol", None) == SEQ, answer
    try:
        concrete = layer.output_shape(Shape.of(height, width, channels))
    except ShapeError:
        # Only a valid window can be too large; then the size cannot be kept, and a size
        # computed from the symbol is no positive size at this height.
        assert answer != SEQ
        assert not isinstance(at(answer, height), int) or at(answer, height) < 1
        return
    assert compatible(Shape((UNKNOWN, *symbolic.dims[1:])), concrete)
    if isinstance(kept := at(answer, height), int):
        out = lowered_shape(layer, ((height, width, channels),), None, False)
        assert out[1] == kept == concrete.dims[0], f"{layer!r} gives {answer!r}, but turns {height} into {out[1]}"


@given(data=st.data())
def test_named_dims_are_kept_soundly(data: st.DataObject) -> None:
    kinds = ["dense", "conv2d", "max_pool2d", "avg_pool2d", "flatten", "dropout", "softmax", "add", "concat"]
    named_dims_hold(data.draw(st.one_of(*map(layers, kinds)), label="case"), data)


def named_dims_hold(case: Case, data: st.DataObject) -> None:
    """Where a rule keeps a named dim, the lowering keeps that size, whatever it is.

    Axes of one size in the case are relabelled with a symbol (the same axes in every
    input, as a symbol would be bound). Whenever the concrete input runs, the symbolic
    answer must describe what JAX computes with the symbol bound to that size.
    """
    sizes = sorted({d for dims in case.inputs for d in dims})
    if not sizes:
        return
    bound = data.draw(st.sampled_from(sizes), label="size bound to the symbol")
    axes = data.draw(st.sets(st.integers(0, 3), min_size=1), label="axes")
    symbolic = tuple(
        Shape(tuple(SEQ if axis in axes and d == bound else d for axis, d in enumerate(dims))) for dims in case.inputs
    )
    try:
        case.layer.output_shape(*(Shape.of(*dims) for dims in case.inputs))
        answer = case.layer.output_shape(*symbolic)
    except ShapeError:
        return  # no claim: a symbol never provably equals an int
    event("symbolic accepted")
    out = lowered_shape(case.layer, case.inputs, case.param_inputs, case.training)
    assert not answer.open
    assert len(out) == len(answer.dims) + 1
    for got, want in zip(out[1:], answer.dims):
        assert isinstance(want, Unknown) or got == at(want, bound), (case, symbolic, answer, out)


def at(size: Any, bound: int) -> Any:
    """`size` with `SEQ` standing for `bound`: an int, None for a size that is not whole, or UNKNOWN."""
    if size == SEQ:
        return bound
    if getattr(size, "symbol", None) == SEQ:  # a size computed from the symbol (`Seq - 4`)
        return size.at(bound)
    return size


# ---------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: nn.Dense(0), id="dense-out-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Dense(3, 0), id="dense-in-out-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Dense(-1, 3), id="dense-in-negative"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Dense(True), id="dense-bool"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Dense(2.5), id="dense-float"),  # type: ignore[call-overload]
        pytest.param(lambda: nn.Conv2D(0, kernel=3), id="conv-filters-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=0), id="conv-kernel-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=(3,)), id="conv-kernel-1-tuple"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.Conv2D(4, kernel=(3, 3, 3)), id="conv-kernel-3-tuple"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.Conv2D(4, kernel=(3, 0)), id="conv-kernel-pair-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, stride=0), id="conv-stride-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, dilation=(1, 0)), id="conv-dilation-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, groups=0), id="conv-groups-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(3, kernel=3, groups=2), id="conv-filters-not-divisible"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, padding="SAME"), id="conv-padding-upper"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.MaxPool2D(0), id="maxpool-window-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.AvgPool2D(2, stride=0), id="avgpool-stride-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.MaxPool2D(2, padding="full"), id="maxpool-padding"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.Dropout(1.0), id="dropout-1"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Dropout(-0.1), id="dropout-negative"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Activation("swish"), id="activation-unknown"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Reshape(-1, -1), id="reshape-two-free"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.MaxPool2D((2, 2, 2)), id="maxpool-window-3-tuple"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.AvgPool2D(2, stride=(1, 2, 3)), id="avgpool-stride-3-tuple"),  # type: ignore[arg-type]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, in_channels=5, groups=2), id="conv-in-channels-not-divisible"),  # type: ignore[typednn-param]
        pytest.param(
            lambda: nn.Concatenate(axis=1.5),  # type: ignore[arg-type]
            id="concat-axis-float",
        ),
        pytest.param(lambda: nn.Reshape(0), id="reshape-0"),  # type: ignore[typednn-param]
        pytest.param(lambda: nn.Conv2D(4, kernel=3, in_channels=0), id="conv-in-channels-0"),  # type: ignore[typednn-param]
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any) -> None:
    with pytest.raises(HyperparameterError):
        make()
