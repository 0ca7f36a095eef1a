"""The jax.numpy shape rules (`typednn._shapes._jnp`) against `jax.eval_shape` of the real functions.

For random shapes and arguments: when a rule accepts, jnp gives exactly the rule's
shape; when a rule raises `ShapeError`, jnp raises too (refuses exactly what jnp
refuses). Less knowledge (unknown sizes, an open `...`) never turns an accepted call
into a refused one. Broadcasting follows numpy, so rank promotion is allowed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from typednn import ShapeError
from typednn._shapes import UNKNOWN, Shape, Symbol, Unknown
from typednn._shapes._jnp import along_axis, broadcast, concatenate, matmul, reduce, reshape, swapaxes, transpose

CANNOT_RUN = (TypeError, ValueError, IndexError, ZeroDivisionError)
SEQ = Symbol("tests.Seq")
TIME = Symbol("tests.Time")
Dims = tuple[int, ...]

size = st.integers(1, 4)
axis_value = st.integers(-5, 4)


def dims(min_rank: int = 0, max_rank: int = 4) -> st.SearchStrategy[Dims]:
    return st.lists(size, min_size=min_rank, max_size=max_rank).map(tuple)


def run(function: Callable[..., Any], *shapes: Dims) -> Dims:
    """The shape jnp gives, computed abstractly; raises what jnp raises."""
    arrays = [jax.ShapeDtypeStruct(d, jnp.float32) for d in shapes]
    with jax.numpy_rank_promotion("allow"):
        return tuple(jax.eval_shape(function, *arrays).shape)


def agree(rule: Callable[[], Shape], function: Callable[..., Any], *shapes: Dims) -> Shape | None:
    """Assert that the rule and jnp agree on these shapes; the rule's answer, or None when refused."""
    try:
        got = rule()
    except ShapeError as error:
        event("refused")
        with pytest.raises(CANNOT_RUN):
            run(function, *shapes)
        assert " expects " in str(error) and ", but receives " in str(error)
        return None
    event("accepted")
    assert not got.open, got
    assert run(function, *shapes) == got.dims, (shapes, got)
    return got


@st.composite
def weakened(draw: st.DrawFn, dims: Dims) -> Shape:
    """`dims` with some sizes unknown and, maybe, its leading axes replaced by `...`."""
    sizes = tuple(UNKNOWN if draw(st.booleans()) else d for d in dims)
    if draw(st.booleans()):
        return Shape(sizes[draw(st.integers(0, len(sizes))) :], open=True)
    return Shape(sizes)


def compatible(weak: Shape, strong: Shape) -> bool:
    """Whether `weak` says nothing that contradicts the closed shape `strong`."""
    if weak.open:
        if len(weak.dims) > len(strong.dims):
            return False
        pairs = zip(reversed(weak.dims), reversed(strong.dims))
    elif len(weak.dims) != len(strong.dims):
        return False
    else:
        pairs = zip(weak.dims, strong.dims)
    return all(isinstance(w, Unknown) or w == s for w, s in pairs)


def weaker(data: st.DataObject, rule: Callable[..., Shape], strong: Shape | None, *shapes: Dims) -> None:
    """Less knowledge never refuses an accepted call, and the answer stays compatible."""
    if strong is None:
        return
    weak = [data.draw(weakened(d)) for d in shapes]
    assert compatible(rule(*weak), strong), (weak, strong)


@st.composite
def broadcastable(draw: st.DrawFn) -> tuple[Dims, Dims]:
    """Two shapes, often derived from one another so that they broadcast."""
    a = draw(dims())
    b = list(a[draw(st.integers(0, len(a))) :])
    for i in range(len(b)):
        if draw(st.integers(0, 3)) == 0:
            b[i] = draw(st.sampled_from([1, draw(size)]))
    if draw(st.booleans()):
        b = [draw(size), *b]
    return (a, tuple(b)) if draw(st.booleans()) else (tuple(b), a)


@given(broadcastable(), st.data())
def test_broadcast(pair: tuple[Dims, Dims], data: st.DataObject) -> None:
    a, b = pair
    got = agree(lambda: broadcast("jnp.add", Shape(a), Shape(b)), jnp.add, a, b)
    weaker(data, lambda x, y: broadcast("jnp.add", x, y), got, a, b)


@st.composite
def operands(draw: st.DrawFn) -> tuple[Dims, Dims]:
    """matmul operands: ranks 0-4, the contracted sizes equal most of the time."""
    a, b = list(draw(dims(0, 4))), list(draw(dims(0, 4)))
    if a and len(b) >= 2 and draw(st.integers(0, 3)):
        b[-2] = a[-1]
    elif a and len(b) == 1 and draw(st.booleans()):
        b[0] = a[-1]
    if len(a) > 2 and len(b) > 2 and draw(st.booleans()):
        b[:-2] = a[-len(b) : -2] if len(a) >= len(b) else b[:-2]
    return tuple(a), tuple(b)


@given(operands(), st.data())
def test_matmul(pair: tuple[Dims, Dims], data: st.DataObject) -> None:
    a, b = pair
    got = agree(lambda: matmul(Shape(a), Shape(b)), jnp.matmul, a, b)
    weaker(data, matmul, got, a, b)


@st.composite
def new_shapes(draw: st.DrawFn, dims: Dims) -> tuple[int, ...]:
    """A target shape for a reshape of `dims`: often a refactoring of its size, maybe with -1."""
    total = 1
    for d in dims:
        total *= d
    if draw(st.integers(0, 3)) == 0:
        target = draw(st.lists(st.integers(-2, 6), max_size=4))
    else:
        target, rest = [], total
        while rest > 1:
            factor = draw(st.sampled_from([f for f in range(2, rest + 1) if rest % f == 0]))
            target.append(factor)
            rest //= factor
        target = draw(st.permutations(target)) if target else []
        if target and draw(st.booleans()):
            target = [*target]
            target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@given(dims(0, 4).flatmap(lambda d: st.tuples(st.just(d), new_shapes(d))), st.data())
def test_reshape(case: tuple[Dims, tuple[int, ...]], data: st.DataObject) -> None:
    a, target = case
    got = agree(lambda: reshape(Shape(a), target), lambda x: jnp.reshape(x, target), a)
    weaker(data, lambda x: reshape(x, target), got, a)


@given(dims(0, 4), st.data())
def test_transpose(a: Dims, data: st.DataObject) -> None:
    if data.draw(st.integers(0, 3)):
        axes: tuple[int, ...] | None = tuple(data.draw(st.permutations(range(len(a)))))
        if axes and data.draw(st.booleans()):
            axes = tuple(i - len(a) if data.draw(st.booleans()) else i for i in axes)
    else:
        axes = data.draw(st.none() | st.lists(axis_value, max_size=5).map(tuple))
    got = agree(lambda: transpose(Shape(a), axes), lambda x: jnp.transpose(x, axes), a)
    weaker(data, lambda x: transpose(x, axes), got, a)


@given(dims(0, 4), axis_value, axis_value, st.data())
def test_swapaxes(a: Dims, axis1: int, axis2: int, data: st.DataObject) -> None:
    got = agree(lambda: swapaxes(Shape(a), axis1, axis2), lambda x: jnp.swapaxes(x, axis1, axis2), a)
    weaker(data, lambda x: swapaxes(x, axis1, axis2), got, a)


@given(dims(0, 3), st.data())
def test_concatenate(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(st.none() | axis_value)
    shapes = [a]
    for _ in range(data.draw(st.integers(0, 2))):
        other = list(a)
        if other and axis is not None and -len(a) <= axis < len(a) and data.draw(st.booleans()):
            other[axis] = data.draw(size)
        elif data.draw(st.integers(0, 3)) == 0:
            other = list(data.draw(dims(0, 3)))
        shapes.append(tuple(other))
    got = agree(
        lambda: concatenate([Shape(s) for s in shapes], axis),
        lambda *xs: jnp.concatenate(xs, axis=axis),
        *shapes,
    )
    weaker(data, lambda *xs: concatenate(xs, axis), got, *shapes)


@given(dims(0, 4), st.none() | axis_value | st.lists(axis_value, max_size=3).map(tuple), st.booleans(), st.data())
def test_reductions(a: Dims, axis: Any, keepdims: bool, data: st.DataObject) -> None:
    function = data.draw(st.sampled_from([jnp.sum, jnp.mean, jnp.max]))
    name = f"jnp.{function.__name__}"
    got = agree(
        lambda: reduce(Shape(a), axis, keepdims=keepdims, name=name),
        lambda x: function(x, axis=axis, keepdims=keepdims),
        a,
    )
    weaker(data, lambda x: reduce(x, axis, keepdims=keepdims, name=name), got, a)


@given(dims(0, 3), axis_value)
def test_softmax(a: Dims, axis: int) -> None:
    agree(lambda: along_axis(Shape(a), axis), lambda x: jax.nn.softmax(x, axis=axis), a)


# --- named dims and messages --------------------------------------------------------------


def test_named_dims_follow_the_layer_rules() -> None:
    assert broadcast("jnp.add", Shape.of(SEQ, 8), Shape.of(1, 8)) == Shape.of(SEQ, 8)
    assert matmul(Shape.of(SEQ, 8), Shape.of(8, SEQ)) == Shape.of(SEQ, SEQ)
    assert reshape(Shape.of(SEQ, 4, 8), (-1, 32)) == Shape.of(SEQ, 32)
    assert reshape(Shape.of(SEQ, 4, 8), (SEQ, 32)).open  # jnp takes ints only: unknown
    assert reduce(Shape.of(SEQ, 8), 0) == Shape.of(8)
    assert concatenate([Shape.of(SEQ, 8), Shape.of(SEQ, 4)], -1) == Shape.of(SEQ, 12)
    assert concatenate([Shape.of(SEQ, 8), Shape.of(TIME, 8)], 0).dims == (UNKNOWN, 8)
    with pytest.raises(ShapeError, match=r"jnp.add expects shapes that broadcast together, but receives \(Seq, 8\)"):
        broadcast("jnp.add", Shape.of(SEQ, 8), Shape.of(TIME, 8))
    with pytest.raises(ShapeError, match=r"equal sizes on every axis but -1"):
        concatenate([Shape.of(SEQ, 8), Shape.of(TIME, 8)], -1)


def test_unknowns_never_refuse() -> None:
    anything = Shape.anything()
    assert broadcast("jnp.add", Shape.of(UNKNOWN, 8), Shape.of(4, 1)) == Shape.of(4, 8)
    assert matmul(anything, Shape.of(8, 16)) == anything
    assert reshape(Shape.of(UNKNOWN, 8), (2, -1)) == Shape.of(2, UNKNOWN)
    assert reshape(Shape.of(4, 8), (2, UNKNOWN)) == Shape.of(2, UNKNOWN)
    assert transpose(anything, (1, 0)) == Shape.of(UNKNOWN, UNKNOWN)
    assert reduce(Shape((4, 8), open=True), -1) == Shape((4,), open=True)
    assert reduce(Shape.of(4, 8), UNKNOWN) == anything


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: matmul(Shape.of(4, 8), Shape.of(4, 8)),
            "jnp.matmul expects the first operand's last axis (8) to equal",
        ),
        (
            lambda: matmul(Shape.of(), Shape.of(4)),
            "jnp.matmul expects operands with at least one axis, but receives ()",
        ),
        (lambda: matmul(Shape.of(2, 4, 8), Shape.of(3, 8, 2)), "leading (batch) axes that broadcast together"),
        (lambda: reshape(Shape.of(4, 8), (3, 8)), "jnp.reshape(..., (3, 8)) expects 24 elements, but receives (4, 8)"),
        (lambda: reshape(Shape.of(4, 8), (-1, -1)), "with at most one -1"),
        (lambda: reshape(Shape.of(4, 8), (5, -1)), "a multiple of 5 elements, but receives (4, 8) with 32 elements"),
        (lambda: transpose(Shape.of(4, 8), (0, 0)), "jnp.transpose(..., (0, 0)) expects a permutation of the 2 axes"),
        (lambda: concatenate([Shape.of(3, 4), Shape.of(5, 6)], 0), "jnp.concatenate(axis=0) expects equal sizes"),
        (lambda: concatenate([Shape.of(3, 4), Shape.of(3)], 0), "expects arrays of equal rank, at least 1"),
        (lambda: reduce(Shape.of(4, 8), 2, name="jnp.mean"), "jnp.mean(..., axis=2) expects distinct axes between -2"),
        (lambda: along_axis(Shape.of(4, 8), 3), "jax.nn.softmax(..., axis=3) expects distinct axes"),
    ],
)
def test_messages(call: Callable[[], Shape], message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        call()
    assert message in str(caught.value)
    assert caught.value.hint


# --- the plugin's batch convention (typednn/_mypy_jnp.py) ---------------------------------


def test_a_tensor_is_batch_first_and_a_result_is_a_tensor_while_it_stays_so() -> None:
    from typednn._mypy_jnp import BATCH, _batched, _example  # noqa: PLC0415 - imports mypy

    x = _batched(Shape.of(4, 8))
    assert x == Shape.of(BATCH, 4, 8)
    assert _batched(Shape.anything()) == Shape.anything()
    assert _example(matmul(x, _batched(Shape.of(8, 16)))) == Shape.of(4, 16)
    assert _example(reduce(x, 1)) == Shape.of(8)
    assert _example(reduce(x, 0)) is None  # the batch is reduced: a plain jax.Array
    assert _example(reduce(x)) is None
    assert _example(transpose(x)) is None  # the batch axis is last
    assert _example(reshape(x, (-1, 32))) == Shape.of(32)
    assert _example(reshape(x, (UNKNOWN, -1))) == Shape.anything()  # may be batch-first: gradual
    assert _example(broadcast("jnp.add", x, Shape.anything())) == Shape((4, 8), open=True)
    with pytest.raises(ShapeError, match=r"receives \(batch, 4, 8\) and \(batch, 8\)"):
        broadcast("jnp.add", x, _batched(Shape.of(8)))
