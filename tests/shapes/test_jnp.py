"""The jax.numpy shape rules (`typednn._shapes._jnp*`) against `jax.eval_shape` of the real functions.

For random shapes and arguments: when a rule accepts, jnp gives exactly the rule's
shape; when a rule raises `ShapeError`, jnp raises too (refuses exactly what jnp
refuses). Less knowledge (unknown sizes, an open `...`) never turns an accepted call
into a refused one. Broadcasting follows numpy, so rank promotion is allowed here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from typednn import ShapeError
from typednn._shapes import UNKNOWN, Shape, Symbol, Unknown
from typednn._shapes._dims import plus
from typednn._shapes._einsum import einsum
from typednn._shapes._jnp import (
    along_axis,
    broadcast,
    like,
    matmul,
    reduce,
    triangle,
)
from typednn._shapes._jnp_index import (
    take,
    take_along_axis,
)
from typednn._shapes._jnp_join import (
    concatenate,
    split,
    stack,
)
from typednn._shapes._jnp_layout import (
    broadcast_to,
    expand_dims,
    pad,
    reshape,
    squeeze,
    swapaxes,
    transpose,
)

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
        if len(target) > 0 and draw(st.booleans()):
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
    reductions: list[Callable[..., jax.Array]] = [jnp.sum, jnp.mean, jnp.max]
    function = data.draw(st.sampled_from(reductions))
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


@given(dims(0, 3), st.data())
def test_expand_dims(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(axis_value | st.lists(axis_value, max_size=3).map(tuple))
    got = agree(lambda: expand_dims(Shape(a), axis), lambda x: jnp.expand_dims(x, axis), a)
    weaker(data, lambda x: expand_dims(x, axis), got, a)


@given(st.lists(st.sampled_from([1, 1, 2, 3]), max_size=4).map(tuple), st.data())
def test_squeeze(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(st.none() | axis_value | st.lists(axis_value, max_size=3).map(tuple))
    got = agree(lambda: squeeze(Shape(a), axis), lambda x: jnp.squeeze(x, axis), a)
    weaker(data, lambda x: squeeze(x, axis), got, a)


@given(broadcastable(), st.data())
def test_clip_and_where(pair: tuple[Dims, Dims], data: st.DataObject) -> None:
    a, b = pair
    c = data.draw(st.sampled_from([a, b, (), *(a[i:] for i in range(len(a)))]))
    functions: list[Callable[..., jax.Array]] = [jnp.clip, jnp.where]
    function = data.draw(st.sampled_from(functions))
    name = f"jnp.{function.__name__}"
    got = agree(lambda: broadcast(name, Shape(a), Shape(b), Shape(c)), function, a, b, c)
    weaker(data, lambda *xs: broadcast(name, *xs), got, a, b, c)


@given(dims(0, 3), st.data())
def test_stack(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(axis_value)
    shapes = [a]
    for _ in range(data.draw(st.integers(0, 2))):
        shapes.append(a if data.draw(st.integers(0, 3)) else data.draw(dims(0, 3)))
    got = agree(lambda: stack([Shape(s) for s in shapes], axis), lambda *xs: jnp.stack(xs, axis=axis), *shapes)
    weaker(data, lambda *xs: stack(xs, axis), got, *shapes)


width = st.integers(-1, 2)


@given(dims(0, 3), st.data())
def test_pad(a: Dims, data: st.DataObject) -> None:
    rank = len(a)
    pad_width = data.draw(
        width
        | st.tuples(width)
        | st.tuples(width, width)
        | st.tuples(st.tuples(width, width))
        | st.lists(st.tuples(width, width), min_size=rank, max_size=rank).map(tuple)
        | st.lists(st.lists(width, min_size=1, max_size=3).map(tuple), min_size=1, max_size=4).map(tuple)
        | st.lists(width, min_size=3, max_size=4).map(tuple)
    )
    got = agree(lambda: pad(Shape(a), pad_width), lambda x: jnp.pad(x, pad_width), a)
    weaker(data, lambda x: pad(x, pad_width), got, a)


@given(dims(0, 3), dims(0, 2), st.none() | axis_value, st.data())
def test_take(a: Dims, indices: Dims, axis: int | None, data: st.DataObject) -> None:
    def function(x: jax.Array, i: jax.Array) -> jax.Array:
        return jnp.take(x, i.astype(jnp.int32), axis=axis)

    got = agree(lambda: take(Shape(a), Shape(indices), axis), function, a, indices)
    weaker(data, lambda x, i: take(x, i, axis), got, a, indices)


@given(dims(0, 3), st.data())
def test_take_along_axis(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(st.none() | axis_value)
    indices = list(a)
    for i in range(len(indices)):
        if data.draw(st.integers(0, 2)) == 0:
            indices[i] = data.draw(st.sampled_from([1, data.draw(size)]))
    if data.draw(st.integers(0, 4)) == 0:
        indices = list(data.draw(dims(0, 3)))

    def function(x: jax.Array, i: jax.Array) -> jax.Array:
        return jnp.take_along_axis(x, i.astype(jnp.int32), axis=axis)

    got = agree(lambda: take_along_axis(Shape(a), Shape(tuple(indices)), axis), function, a, tuple(indices))
    weaker(data, lambda x, i: take_along_axis(x, i, axis), got, a, tuple(indices))


@given(dims(0, 4), st.none() | axis_value, st.booleans(), st.data())
def test_argmax(a: Dims, axis: int | None, keepdims: bool, data: st.DataObject) -> None:
    function = data.draw(st.sampled_from([jnp.argmax, jnp.argmin]))
    name = f"jnp.{function.__name__}"
    got = agree(
        lambda: reduce(Shape(a), axis, keepdims=keepdims, name=name),
        lambda x: function(x, axis=axis, keepdims=keepdims),
        a,
    )
    weaker(data, lambda x: reduce(x, axis, keepdims=keepdims, name=name), got, a)


@given(dims(0, 4), st.sampled_from([jnp.tril, jnp.triu]), st.integers(-2, 2))
def test_tril_and_triu(a: Dims, function: Callable[..., jax.Array], k: int) -> None:
    agree(lambda: triangle(Shape(a), name=f"jnp.{function.__name__}"), lambda x: function(x, k), a)


@given(broadcastable(), st.none() | dims(0, 3), st.data())
def test_full_like(pair: tuple[Dims, Dims], shape: Dims | None, data: st.DataObject) -> None:
    a, fill = pair
    got = agree(lambda: like(Shape(a), shape, Shape(fill)), lambda x, f: jnp.full_like(x, f, shape=shape), a, fill)
    weaker(data, lambda x, f: like(x, shape, f), got, a, fill)
    got = agree(lambda: like(Shape(a), shape), lambda x: jnp.zeros_like(x, shape=shape), a)
    weaker(data, lambda x: like(x, shape), got, a)


@given(broadcastable(), st.data())
def test_broadcast_to(pair: tuple[Dims, Dims], data: st.DataObject) -> None:
    a, target = pair
    if data.draw(st.integers(0, 5)) == 0:
        target = (*target[:-1], -1)
    got = agree(lambda: broadcast_to(Shape(a), target), lambda x: jnp.broadcast_to(x, target), a)
    weaker(data, lambda x: broadcast_to(x, target), got, a)


@given(dims(0, 3), st.data())
def test_split(a: Dims, data: st.DataObject) -> None:
    axis = data.draw(axis_value)
    length = a[axis] if -len(a) <= axis < len(a) else 4
    sections: int | tuple[int, ...] = data.draw(
        st.sampled_from([1, 2, length, length + 1, 0])
        | st.lists(st.integers(-1, length + 1), max_size=3).map(lambda c: tuple(sorted(c)))
    )
    if data.draw(st.integers(0, 4)) == 0 and isinstance(sections, tuple):
        sections = sections[::-1]
    try:
        got = split(Shape(a), sections, axis)
    except ShapeError:
        event("refused")
        with pytest.raises(CANNOT_RUN):
            run(lambda x: jnp.split(x, sections, axis=axis), a)
        return
    event("accepted")
    arrays = jax.ShapeDtypeStruct(a, jnp.float32)
    pieces = jax.eval_shape(lambda x: jnp.split(x, sections, axis=axis), arrays)
    assert [tuple(p.shape) for p in pieces] == [g.dims for g in got], (a, sections, axis)
    weak = data.draw(weakened(a))
    for piece, strong in zip(split(weak, sections, axis), got, strict=False):
        assert compatible(piece, strong)


LABELS = "ijkb"


@st.composite
def einsum_cases(draw: st.DrawFn) -> tuple[str, list[Dims]]:
    """A subscripts string and operand shapes: mostly consistent, sometimes not."""
    sizes = {label: draw(size) for label in LABELS}
    leading = draw(dims(0, 2))
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, 3))):
        labels = draw(st.lists(st.sampled_from(LABELS), max_size=3))
        shape = [
            sizes[label] if draw(st.integers(0, 5)) else draw(st.sampled_from([1, draw(size)])) for label in labels
        ]
        if draw(st.integers(0, 2)) == 0:
            at = draw(st.integers(0, len(labels)))
            ellipsis = list(leading[draw(st.integers(0, len(leading))) :])
            if ellipsis and draw(st.integers(0, 3)) == 0:
                ellipsis[0] = 1
            labels = [*labels[:at], "...", *labels[at:]]
            shape = [*shape[:at], *ellipsis, *shape[at:]]
        if draw(st.integers(0, 9)) == 0:
            shape = shape[:-1] if len(shape) > 0 and draw(st.booleans()) else [*shape, draw(size)]
        terms.append("".join(labels))
        shapes.append(tuple(shape))
    subscripts = ",".join(terms)
    if draw(st.integers(0, 2)):
        used = sorted({label for term in terms for label in term if label != "."})
        out = draw(st.permutations(used).flatmap(lambda p: st.integers(0, len(p)).map(lambda n: p[:n])))
        out = list(out)
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(LABELS)))
        if "..." in subscripts and draw(st.booleans()):
            out.insert(draw(st.integers(0, len(out))), "...")
        subscripts += "->" + "".join(out)
    if draw(st.integers(0, 19)) == 0:
        shapes = shapes[:-1] if len(shapes) > 1 else [*shapes, ()]
    return subscripts, shapes


@given(einsum_cases(), st.data())
def test_einsum(case: tuple[str, list[Dims]], data: st.DataObject) -> None:
    subscripts, shapes = case
    try:
        unsure = einsum(subscripts, [Shape(s) for s in shapes]).open
    except ShapeError:
        unsure = False
    if unsure:  # a diagonal over sizes 1 and n: jax broadcasts it or fails inside, the rule does not say
        event("unknown")
        return
    got = agree(
        lambda: einsum(subscripts, [Shape(s) for s in shapes]),
        lambda *xs: jnp.einsum(subscripts, *xs),
        *shapes,
    )
    weaker(data, lambda *xs: einsum(subscripts, xs), got, *shapes)


# --- named dims and messages --------------------------------------------------------------


def test_named_dims_follow_the_layer_rules() -> None:
    assert broadcast("jnp.add", Shape.of(SEQ, 8), Shape.of(1, 8)) == Shape.of(SEQ, 8)
    assert matmul(Shape.of(SEQ, 8), Shape.of(8, SEQ)) == Shape.of(SEQ, SEQ)
    assert reshape(Shape.of(SEQ, 4, 8), (-1, 32)) == Shape.of(SEQ, 32)
    assert reshape(Shape.of(SEQ, 4, 8), (SEQ, 32)).open  # jnp takes ints only: unknown
    assert reduce(Shape.of(SEQ, 8), 0) == Shape.of(8)
    assert concatenate([Shape.of(SEQ, 8), Shape.of(SEQ, 4)], -1) == Shape.of(SEQ, 12)
    assert concatenate([Shape.of(SEQ, 8), Shape.of(TIME, 8)], 0).dims == (UNKNOWN, 8)
    assert pad(Shape.of(SEQ, 8), ((1, 1), (0, 0))) == Shape.of(plus(SEQ, 2), 8)  # as ZeroPadding's rule
    assert pad(Shape.of(SEQ, 8), 0) == Shape.of(SEQ, 8)
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


def test_a_reduced_batch_is_explained_where_it_is_returned(tmp_path: Path) -> None:
    """The batch reduced into a variable that is returned as a tensor: a note at the reduction says so."""
    from mypy import api  # noqa: PLC0415 - mypy is only needed here

    body = tmp_path / "body.py"
    body.write_text(
        "from typing import Literal as L\n"
        "import jax.numpy as jnp\n"
        "import typednn as tn\n"
        "def pool(x: tn.Tensor[L[4], L[8]]) -> tn.Tensor[L[8]]:\n"
        "    mean = jnp.mean(x, axis=0)\n"
        "    return mean\n"
        "def fine(x: tn.Tensor[L[4], L[8]]) -> tn.Tensor[L[4], L[8]]:\n"
        "    scale = jnp.max(x)\n"
        "    return jnp.divide(x, scale)\n"
    )
    config = tmp_path / "mypy.ini"
    config.write_text(f"[mypy]\nplugins = typednn.mypy\nstrict = True\ncache_dir = {tmp_path / 'cache'}\n")
    out, _, _ = api.run(["--config-file", str(config), "--no-error-summary", str(body)])
    lines = out.splitlines()
    assert any(
        ":5: note: jnp.mean(..., axis=0) reduces the batch axis, so `mean` is a jax.Array" in line for line in lines
    ), out
    assert any(":6: error: Incompatible return value type" in line for line in lines), out
    assert not any(":8:" in line or ":9:" in line for line in lines), out  # reducing it is legitimate jax
