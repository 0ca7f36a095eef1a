"""Every layer's shape rule against `jax.eval_shape` of its lowering (design.md section 1).

The convention these property tests pin down:

* **Accept.** When a layer's rule accepts input shapes, the lowered layer (`init`, then
  `apply`) runs on arrays of shape ``(batch, *dims)`` and gives exactly
  ``(batch, *rule_output)``, and every output size is a positive int.
* **Reject.** When the rule raises `ShapeError`, the lowering cannot run the input:
  JAX raises, or the output would be empty (a zero-size axis: XLA slides a window
  that is larger than its input and quietly returns nothing), or the lowering would
  reach into the batch axis (a concatenation along a negative axis past the example's
  rank). So the rule rejects exactly the inputs JAX cannot run or that would give
  empty outputs. Parameters are created from what the layer *declares*
  (`Dense(in, out)`'s ``in``, `Conv2D(in_channels=)`): a declared size is a contract.
  One deliberate strictness: `Add` refuses broadcasting, so for `Add` "cannot run"
  also covers inputs that JAX adds only by broadcasting one to another's shape.
* **No false positives on less knowledge.** Replacing sizes by unknowns, or leading
  axes by an open ``...`` (a block composed before it is applied), never turns an
  accepted input into a rejected one, and the answer stays compatible with the
  concrete one. A named symbol survives only where every concrete size is kept.
* Hyperparameters are validated separately, at construction (`HyperparameterError`).

Nothing is computed: shapes go through `jax.eval_shape` on `jax.ShapeDtypeStruct`s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from typednn import HyperparameterError, ShapeError, TypednnError, nn
from typednn._shapes import ACTIVATIONS, UNKNOWN, Shape, Symbol, Unknown

# Larger than any drawn size, so the batch axis can never pass for an example axis.
BATCH = 13
KEY = jax.random.key(0)
SEQ = Symbol("tests.Seq")

size = st.integers(1, 12)
small = st.integers(1, 5)
# What JAX raises for shapes it cannot run, and what `init` raises for a size it lacks.
CANNOT_RUN = (TypeError, ValueError, IndexError, ZeroDivisionError, TypednnError)

Dims = tuple[int, ...]


def shapes(min_rank: int, max_rank: int) -> st.SearchStrategy[Dims]:
    return st.lists(size, min_size=min_rank, max_size=max_rank).map(tuple)


def int_or_pair(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | tuple[int, int]]:
    return st.one_of(values, st.tuples(values, values))


@st.composite
def mutated(draw: st.DrawFn, dims: Dims) -> Dims:
    """`dims` with one size changed, one axis dropped, or one axis added."""
    items = list(dims)
    how = draw(st.sampled_from(["resize", "drop", "add"] if items else ["add"]))
    if how == "add":
        items.insert(draw(st.integers(0, len(items))), draw(size))
    else:
        axis = draw(st.integers(0, len(items) - 1))
        if how == "drop":
            del items[axis]
        else:
            items[axis] = draw(size)
    return tuple(items)


@st.composite
def weakened(draw: st.DrawFn, shape: Shape) -> Shape:
    """`shape` with some sizes unknown and, maybe, its leading axes replaced by `...`."""
    dims = tuple(UNKNOWN if draw(st.booleans()) else d for d in shape.dims)
    if draw(st.booleans()):
        return Shape(dims[draw(st.integers(0, len(dims))) :], open=True)
    return Shape(dims)


def compatible(weak: Shape, strong: Shape) -> bool:
    """Whether `weak` says nothing that contradicts the closed shape `strong`."""
    if weak.open:
        if len(weak.dims) > len(strong.dims):
            return False
        pairs = zip(reversed(weak.dims), reversed(strong.dims))
    else:
        if len(weak.dims) != len(strong.dims):
            return False
        pairs = zip(weak.dims, strong.dims)
    return all(isinstance(w, Unknown) or w == s for w, s in pairs)


def lowered_shape(layer: Any, inputs: tuple[Dims, ...], param_inputs: tuple[Dims, ...] | None, training: bool) -> Dims:
    """The output shape of `layer`'s lowering on arrays of shape (BATCH, *dims), abstractly."""
    init_shapes = tuple(Shape.of(*d) for d in (inputs if param_inputs is None else param_inputs))
    params = jax.eval_shape(lambda key: layer.init(key, *init_shapes) | layer.init_state(*init_shapes), KEY)
    arrays = [jax.ShapeDtypeStruct((BATCH, *d), jnp.float32) for d in inputs]
    out = jax.eval_shape(lambda p, key, *xs: layer.apply(p, *xs, key=key, training=training), params, KEY, *arrays)
    return tuple(out.shape)


def check(
    layer: Any,
    *inputs: Dims,
    data: st.DataObject,
    param_inputs: tuple[Dims, ...] | None = None,
    training: bool = False,
    refuses_broadcasting: bool = False,
) -> Shape | None:
    """Assert the convention above for one layer and one set of inputs; return the rule's answer."""
    shapes_in = tuple(Shape.of(*d) for d in inputs)
    try:
        rule = layer.output_shape(*shapes_in)
    except ShapeError as error:
        event("rejected")
        assert layer.params.describe() in str(error)
        try:
            out = lowered_shape(layer, inputs, param_inputs, training)
        except CANNOT_RUN:
            return None
        empty = 0 in out
        batch_touched = not out or out[0] != BATCH
        broadcast = refuses_broadcasting and any(d != out[1:] for d in inputs)
        assert empty or batch_touched or broadcast, (
            f"{layer!r} rejects {inputs}, but its lowering runs and gives {out}: {error}"
        )
        return None
    event("accepted")
    assert layer.params.output_shape(*shapes_in) == rule
    assert not rule.open and all(isinstance(d, int) and d > 0 for d in rule.dims), rule
    assert lowered_shape(layer, inputs, param_inputs, training) == (BATCH, *rule.dims), (layer, inputs, rule)

    weak = tuple(data.draw(weakened(s), label="weakened") for s in shapes_in)
    try:
        answer = layer.output_shape(*weak)
    except ShapeError as error:  # pragma: no cover - only reached by a rule bug
        raise AssertionError(f"{layer!r} accepts {shapes_in} but rejects the less known {weak}: {error}") from None
    assert compatible(answer, rule), (layer, weak, answer, rule)
    return rule


@st.composite
def images(draw: st.DrawFn, channels: st.SearchStrategy[int] = size) -> Dims:
    """Mostly (height, width, channels) images; sometimes a shape of the wrong rank."""
    if draw(st.integers(0, 5)):
        return (draw(size), draw(size), draw(channels))
    return draw(shapes(0, 4))


# ---------------------------------------------------------------------------- layers
#
# Each strategy draws one case: a layer with random hyperparameters and random inputs,
# mostly ones it can take and deliberately some it cannot.


@dataclass(frozen=True)
class Case:
    layer: Any
    inputs: tuple[Dims, ...]
    param_inputs: tuple[Dims, ...] | None = None
    training: bool = False
    refuses_broadcasting: bool = False


@st.composite
def dense_cases(draw: st.DrawFn) -> Case:
    x = draw(shapes(0, 3), label="x")
    out = draw(size, label="out")
    use_bias = draw(st.booleans(), label="use_bias")
    form = draw(st.sampled_from(["out", "in_out_matching", "in_out_any"]), label="form")
    if form == "out":
        return Case(nn.Dense(out, use_bias=use_bias), (x,))
    n_in = x[-1] if form == "in_out_matching" and x else draw(size, label="in")
    return Case(nn.Dense(n_in, out, use_bias=use_bias), (x,), param_inputs=((n_in,),))


@st.composite
def conv_cases(draw: st.DrawFn) -> Case:
    groups = draw(st.sampled_from([1, 1, 2, 3]), label="groups")
    filters = groups * draw(st.integers(1, 4), label="filters/groups")
    kernel = draw(int_or_pair(st.integers(1, 4)), label="kernel")
    stride = draw(int_or_pair(st.integers(1, 3)), label="stride")
    dilation = draw(st.one_of(st.just(1), int_or_pair(st.integers(1, 3))), label="dilation")
    padding = draw(st.sampled_from(["valid", "same"]), label="padding")
    divisible = st.integers(1, 4).map(lambda k: k * groups)
    x = draw(images(st.one_of(divisible, divisible, divisible, size)), label="x")
    declare = draw(st.sampled_from(["none", "matching", "any"]), label="in_channels")
    # A declared in_channels that groups does not divide is a hyperparameter error
    # (see test_invalid_hyperparameters_fail_at_construction), so it is not drawn here.
    in_channels = (
        None
        if declare == "none"
        else x[-1]
        if declare == "matching" and x and x[-1] % groups == 0
        else groups * draw(st.integers(1, 4), label="in_channels/groups")
    )
    layer = nn.Conv2D(
        filters,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        in_channels=in_channels,
        use_bias=draw(st.booleans(), label="use_bias"),
    )
    return Case(layer, (x,), param_inputs=None if in_channels is None else ((in_channels,),))


@st.composite
def pool_cases(draw: st.DrawFn, pool: Any) -> Case:
    window = draw(int_or_pair(small), label="window")
    stride = draw(st.one_of(st.none(), int_or_pair(st.integers(1, 3))), label="stride")
    padding = draw(st.sampled_from(["valid", "same"]), label="padding")
    return Case(pool(window, stride=stride, padding=padding), (draw(images(), label="x"),))


@st.composite
def flatten_cases(draw: st.DrawFn) -> Case:
    return Case(nn.Flatten(), (draw(shapes(0, 4), label="x"),))


@st.composite
def factorization(draw: st.DrawFn, total: int) -> Dims:
    """Axes whose sizes multiply to `total`, in a random order."""
    axes = []
    rest = total
    for _ in range(draw(st.integers(0, 2))):
        factor = draw(st.sampled_from([d for d in range(1, min(rest, 12) + 1) if rest % d == 0]))
        axes.append(factor)
        rest //= factor
    axes.append(rest)
    return tuple(draw(st.permutations(axes)))


@st.composite
def reshape_cases(draw: st.DrawFn) -> Case:
    x = draw(shapes(0, 3), label="x")
    if draw(st.booleans(), label="same count"):
        target = list(draw(factorization(math.prod(x)), label="target"))
    else:
        target = list(draw(shapes(0, 3), label="target"))
    if target and draw(st.booleans(), label="infer one axis"):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return Case(nn.Reshape(*target), (x,))


@st.composite
def dropout_cases(draw: st.DrawFn) -> Case:
    rate = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9]), label="rate")
    training = draw(st.booleans(), label="training")
    return Case(nn.Dropout(rate), (draw(shapes(0, 3), label="x"),), training=training)


@st.composite
def activation_cases(draw: st.DrawFn, function: str) -> Case:
    return Case(nn.Activation(function), (draw(shapes(0, 3), label="x"),))


@st.composite
def add_cases(draw: st.DrawFn) -> Case:
    base = draw(shapes(0, 3), label="base")
    inputs = tuple(
        draw(mutated(base), label="mutated") if draw(st.integers(0, 2)) == 0 else base
        for _ in range(draw(st.integers(2, 3), label="n"))
    )
    return Case(nn.Add(), inputs, refuses_broadcasting=True)


@st.composite
def concat_cases(draw: st.DrawFn) -> Case:
    rank = draw(st.integers(0, 3), label="rank")
    axis = draw(st.integers(-rank - 1, rank), label="axis")
    base = draw(shapes(rank, rank), label="base")
    inputs = []
    for _ in range(draw(st.integers(2, 3), label="n")):
        dims = list(base)
        if -rank <= axis < rank:
            dims[axis] = draw(size, label="along axis")
        if draw(st.integers(0, 3)) == 0:
            dims = list(draw(mutated(tuple(dims)), label="mutated"))
        inputs.append(tuple(dims))
    return Case(nn.Concatenate(axis=axis), tuple(inputs))


def check_case(case: Case, data: st.DataObject) -> Shape | None:
    return check(
        case.layer,
        *case.inputs,
        data=data,
        param_inputs=case.param_inputs,
        training=case.training,
        refuses_broadcasting=case.refuses_broadcasting,
    )


@given(data=st.data())
def test_dense(data: st.DataObject) -> None:
    check_case(data.draw(dense_cases()), data)


@given(data=st.data())
def test_conv2d(data: st.DataObject) -> None:
    check_case(data.draw(conv_cases()), data)


@pytest.mark.parametrize("pool", [nn.MaxPool2D, nn.AvgPool2D])
@given(data=st.data())
def test_pool2d(pool: Any, data: st.DataObject) -> None:
    check_case(data.draw(pool_cases(pool)), data)


@given(data=st.data())
def test_flatten(data: st.DataObject) -> None:
    check_case(data.draw(flatten_cases()), data)


@given(data=st.data())
def test_reshape(data: st.DataObject) -> None:
    check_case(data.draw(reshape_cases()), data)


@given(data=st.data())
def test_dropout(data: st.DataObject) -> None:
    check_case(data.draw(dropout_cases()), data)


@pytest.mark.parametrize("function", ACTIVATIONS)
@settings(max_examples=20)  # ten functions with one rule: fewer examples each
@given(data=st.data())
def test_activation(function: str, data: st.DataObject) -> None:
    check_case(data.draw(activation_cases(function)), data)


@given(data=st.data())
def test_add(data: st.DataObject) -> None:
    check_case(data.draw(add_cases()), data)


@given(data=st.data())
def test_concatenate(data: st.DataObject) -> None:
    check_case(data.draw(concat_cases()), data)


# ---------------------------------------------------------------------------- symbols


@given(data=st.data())
def test_window_rules_keep_a_symbol_only_where_every_size_is_kept(data: st.DataObject) -> None:
    kernel = data.draw(int_or_pair(small), label="kernel")
    stride = data.draw(int_or_pair(st.integers(1, 2)), label="stride")
    padding = data.draw(st.sampled_from(["valid", "same"]), label="padding")
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
    assert symbolic.dims[0] in (SEQ, UNKNOWN)
    try:
        concrete = layer.output_shape(Shape.of(height, width, channels))
    except ShapeError:
        # Only a valid window can be too large; then the symbol cannot survive.
        assert symbolic.dims[0] is UNKNOWN
        return
    assert compatible(Shape((UNKNOWN, *symbolic.dims[1:])), concrete)
    if symbolic.dims[0] == SEQ:
        out = lowered_shape(layer, ((height, width, channels),), None, False)
        assert out[1] == height, f"{layer!r} keeps {SEQ!r}, but turns a height of {height} into {out[1]}"


@given(data=st.data())
def test_named_dims_are_kept_soundly(data: st.DataObject) -> None:
    """Where a rule keeps a named dim, the lowering keeps that size, whatever it is.

    A case is drawn, then axes of one size are relabelled with a symbol (the same axes
    in every input, as a symbol would be bound). Whenever the concrete input runs, the
    symbolic answer must describe what JAX computes with the symbol bound to that size.
    """
    case = data.draw(
        st.one_of(
            dense_cases(),
            conv_cases(),
            pool_cases(nn.MaxPool2D),
            pool_cases(nn.AvgPool2D),
            flatten_cases(),
            dropout_cases(),
            activation_cases("softmax"),
            add_cases(),
            concat_cases(),
        ),
        label="case",
    )
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
        assert isinstance(want, Unknown) or got == (bound if want == SEQ else want), (case, symbolic, answer, out)


# ---------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: nn.Dense(0), id="dense-out-0"),
        pytest.param(lambda: nn.Dense(3, 0), id="dense-in-out-0"),
        pytest.param(lambda: nn.Dense(-1, 3), id="dense-in-negative"),
        pytest.param(lambda: nn.Dense(True), id="dense-bool"),
        pytest.param(lambda: nn.Dense(2.5), id="dense-float"),
        pytest.param(lambda: nn.Conv2D(0, kernel=3), id="conv-filters-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=0), id="conv-kernel-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=(3,)), id="conv-kernel-1-tuple"),
        pytest.param(lambda: nn.Conv2D(4, kernel=(3, 3, 3)), id="conv-kernel-3-tuple"),
        pytest.param(lambda: nn.Conv2D(4, kernel=(3, 0)), id="conv-kernel-pair-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, stride=0), id="conv-stride-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, dilation=(1, 0)), id="conv-dilation-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, groups=0), id="conv-groups-0"),
        pytest.param(lambda: nn.Conv2D(3, kernel=3, groups=2), id="conv-filters-not-divisible"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, padding="SAME"), id="conv-padding-upper"),
        pytest.param(lambda: nn.MaxPool2D(0), id="maxpool-window-0"),
        pytest.param(lambda: nn.AvgPool2D(2, stride=0), id="avgpool-stride-0"),
        pytest.param(lambda: nn.MaxPool2D(2, padding="full"), id="maxpool-padding"),
        pytest.param(lambda: nn.Dropout(1.0), id="dropout-1"),
        pytest.param(lambda: nn.Dropout(-0.1), id="dropout-negative"),
        pytest.param(lambda: nn.Activation("swish"), id="activation-unknown"),
        pytest.param(lambda: nn.Reshape(-1, -1), id="reshape-two-free"),
        pytest.param(lambda: nn.MaxPool2D((2, 2, 2)), id="maxpool-window-3-tuple"),
        pytest.param(lambda: nn.AvgPool2D(2, stride=(1, 2, 3)), id="avgpool-stride-3-tuple"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, in_channels=5, groups=2), id="conv-in-channels-not-divisible"),
        pytest.param(
            lambda: nn.Concatenate(axis=1.5),  # type: ignore[arg-type]
            id="concat-axis-float",
        ),
        pytest.param(lambda: nn.Reshape(0), id="reshape-0"),
        pytest.param(lambda: nn.Conv2D(4, kernel=3, in_channels=0), id="conv-in-channels-0"),
    ],
)
def test_invalid_hyperparameters_fail_at_construction(make: Any) -> None:
    with pytest.raises(HyperparameterError):
        make()
