"""Cases of the layers that work on any axes: Dense, reshapes, activations, merges, norms.

Each strategy draws one `Case`: a layer with random valid hyperparameters and input
shapes, mostly ones it takes and, deliberately, some it does not (a rule must reject
exactly what its lowering cannot run).
"""

from __future__ import annotations

import math

from hypothesis import strategies as st

from .. import nn
from .._shapes import ACTIVATIONS
from ._case import Case
from ._sizes import factorization, mutated, shapes, size


@st.composite
def dense_cases(draw: st.DrawFn) -> Case:
    """`Dense(units)` or `Dense(in_features, units)`, declared sizes matching the input or not."""
    x = draw(shapes(0, 3), label="x")
    out = draw(size, label="out")
    use_bias = draw(st.booleans(), label="use_bias")
    form = draw(st.sampled_from(["out", "in_out_matching", "in_out_any"]), label="form")
    if form == "out":
        return Case(nn.Dense(out, use_bias=use_bias), (x,))
    n_in = x[-1] if form == "in_out_matching" and x else draw(size, label="in")
    return Case(nn.Dense(n_in, out, use_bias=use_bias), (x,), param_inputs=((n_in,),))


@st.composite
def flatten_cases(draw: st.DrawFn) -> Case:
    return Case(nn.Flatten(), (draw(shapes(0, 4), label="x"),))


@st.composite
def reshape_cases(draw: st.DrawFn) -> Case:
    """Targets mostly with the input's number of elements, sometimes one axis inferred (-1)."""
    x = draw(shapes(0, 3), label="x")
    if draw(st.booleans(), label="same count"):
        target = list(draw(factorization(math.prod(x)), label="target"))
    else:
        target = list(draw(shapes(0, 3), label="target"))
    if len(target) > 0 and draw(st.booleans(), label="infer one axis"):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return Case(nn.Reshape(*target), (x,))


@st.composite
def dropout_cases(draw: st.DrawFn) -> Case:
    rate = draw(st.sampled_from([0.0, 0.1, 0.5, 0.9]), label="rate")
    training = draw(st.booleans(), label="training")
    return Case(nn.Dropout(rate), (draw(shapes(0, 3), label="x"),), training=training)


@st.composite
def activation_cases(draw: st.DrawFn, function: str | None = None) -> Case:
    """One activation function (any of them when `function` is None)."""
    chosen = function if function is not None else draw(st.sampled_from(ACTIVATIONS), label="function")
    return Case(nn.Activation(chosen), (draw(shapes(0, 3), label="x"),))


@st.composite
def add_cases(draw: st.DrawFn) -> Case:
    """Two or three inputs, mostly of one shape."""
    base = draw(shapes(0, 3), label="base")
    inputs = tuple(
        draw(mutated(base), label="mutated") if draw(st.integers(0, 2)) == 0 else base
        for _ in range(draw(st.integers(2, 3), label="n"))
    )
    return Case(nn.Add(), inputs, refuses_broadcasting=True)


@st.composite
def concat_cases(draw: st.DrawFn) -> Case:
    """Two or three inputs that mostly agree on every axis but `axis` (any, even out of range)."""
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


epsilons = st.sampled_from([1e-6, 1e-5, 0.0, 0.1])


@st.composite
def layer_norm_cases(draw: st.DrawFn) -> Case:
    layer = nn.LayerNorm(
        epsilon=draw(epsilons, label="epsilon"),
        use_bias=draw(st.booleans(), label="use_bias"),
        use_scale=draw(st.booleans(), label="use_scale"),
    )
    return Case(layer, (draw(shapes(0, 4), label="x"),))


@st.composite
def rms_norm_cases(draw: st.DrawFn) -> Case:
    layer = nn.RMSNorm(epsilon=draw(epsilons, label="epsilon"), use_scale=draw(st.booleans(), label="use_scale"))
    return Case(layer, (draw(shapes(0, 4), label="x"),))


@st.composite
def group_norm_cases(draw: st.DrawFn) -> Case:
    """Mostly channels that the groups divide."""
    groups = draw(st.integers(1, 6), label="groups")
    x = list(draw(shapes(0, 4), label="x"))
    if len(x) > 0 and draw(st.integers(0, 3), label="divisible") > 0:
        x[-1] = groups * draw(st.integers(1, 3), label="channels/groups")
    layer = nn.GroupNorm(
        groups,
        epsilon=draw(epsilons, label="epsilon"),
        use_bias=draw(st.booleans(), label="use_bias"),
        use_scale=draw(st.booleans(), label="use_scale"),
    )
    return Case(layer, (tuple(x),))


@st.composite
def batch_norm_cases(draw: st.DrawFn) -> Case:
    layer = nn.BatchNorm(
        momentum=draw(st.sampled_from([0.0, 0.9, 0.99, 1.0]), label="momentum"),
        epsilon=draw(st.sampled_from([0.0, 1e-5, 1e-3]), label="epsilon"),
        use_bias=draw(st.booleans(), label="use_bias"),
        use_scale=draw(st.booleans(), label="use_scale"),
    )
    return Case(layer, (draw(shapes(0, 4), label="x"),), training=draw(st.booleans(), label="training"))
