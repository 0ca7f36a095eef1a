"""Sizes computed from a named dim: canonical forms, exact arithmetic, sound comparisons.

The arithmetic is checked against plain integers: whatever a named size is bound to,
a computed size evaluates to what the same operations give on that int, or it is
unknown; `same_size` never says True or False where some binding says otherwise.
The run-time checker reads the same spellings (`tn.Minus[Seq, L[4]]`) in annotations.
"""

from __future__ import annotations

from typing import Literal as L
from typing import TypeVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typeguard import TypeCheckError

import typednn as tn
from typednn import nn
from typednn._shapes import UNKNOWN, Affine, Shape, Symbol
from typednn._shapes._arithmetic import combine, spelling
from typednn._shapes._dims import Size, affine, ceil_div, exact_div, floor_div, plus, product, same_size, times

SEQ = Symbol("tests.Seq")
TIME = Symbol("tests.Time")
H = Symbol("tests.H", variable=True)
N = TypeVar("N")


class Seq(tn.Dim):
    """Tokens in a sequence."""


class Time(tn.Dim):
    """Steps in a series."""


# ---------------------------------------------------------------------------- canonical forms


def test_a_computed_size_is_spelled_one_way() -> None:
    assert plus(plus(SEQ, -4), 4) == SEQ
    assert exact_div(times(SEQ, 4), 4) == SEQ
    assert plus(SEQ, SEQ) == times(SEQ, 2)
    assert exact_div(plus(SEQ, -4), 2) == plus(exact_div(SEQ, 2), -2) == Affine(SEQ, 1, -4, 2)
    assert affine(SEQ, 6, 4, 2) == Affine(SEQ, 3, 2)  # common factors cancel
    assert affine(SEQ, 1) is SEQ
    assert affine(SEQ, 0) is UNKNOWN


def test_a_computed_size_reads_as_python() -> None:
    assert repr(plus(SEQ, -4)) == "Seq - 4"
    assert repr(plus(times(SEQ, 2), 1)) == "Seq * 2 + 1"
    assert repr(exact_div(SEQ, 2)) == "Seq // 2"
    assert repr(exact_div(plus(SEQ, -4), 2)) == "(Seq - 4) // 2"
    assert repr(Shape.of(plus(SEQ, -4), 64)) == "(Seq - 4, 64)"


def test_spelling_and_combine_are_inverse() -> None:
    size = exact_div(plus(times(SEQ, 3), -4), 2)
    assert isinstance(size, Affine)
    assert spelling(size) == [("Times", 3), ("Minus", 4), ("Div", 2)]
    rebuilt: Size = SEQ
    for operation, operand in spelling(size):
        found = combine(operation, rebuilt, operand)
        assert found is not None
        rebuilt = found
    assert rebuilt == size


@pytest.mark.parametrize(
    ("operation", "a", "b", "expected"),
    [
        ("Minus", SEQ, 4, plus(SEQ, -4)),
        ("Plus", SEQ, TIME, None),  # two named dims: no affine size
        ("Times", SEQ, SEQ, None),
        ("Div", SEQ, 0, None),
        ("Div", 7, 2, None),  # not whole
        ("Minus", 3, 4, None),  # below 1
        ("Minus", SEQ, UNKNOWN, UNKNOWN),
        ("Div", times(SEQ, 4), 2, times(SEQ, 2)),
    ],
)
def test_combine_refuses_what_is_no_size(operation: str, a: Size, b: Size, expected: Size | None) -> None:
    assert combine(operation, a, b) == expected


def test_products_keep_one_named_size() -> None:
    assert product((3, SEQ, 4)) == times(SEQ, 12)
    assert product((SEQ, TIME)) is UNKNOWN
    assert product((SEQ, UNKNOWN)) is UNKNOWN
    assert product(()) == 1


# ---------------------------------------------------------------------------- divisions


def test_divisions_keep_a_form_only_where_it_holds_for_every_size() -> None:
    assert floor_div(SEQ, 2) is UNKNOWN  # depends on whether Seq is even
    assert floor_div(plus(times(SEQ, 2), 1), 2) == SEQ
    assert floor_div(plus(times(SEQ, 2), -1), 2) == plus(SEQ, -1)
    assert ceil_div(plus(times(SEQ, 2), -1), 2) == SEQ
    assert ceil_div(SEQ, 2) is UNKNOWN
    assert floor_div(7, 2) == 3 and ceil_div(7, 2) == 4
    assert exact_div(times(SEQ, 4), 8) == exact_div(SEQ, 2)
    assert exact_div(12, 8) is UNKNOWN


# ---------------------------------------------------------------------------- against plain ints


@st.composite
def computed(draw: st.DrawFn, symbol: Symbol = SEQ) -> Size:
    """A size over `symbol` as rules make them: scaled, shifted, maybe divided."""
    size: Size = symbol
    for _ in range(draw(st.integers(0, 3))):
        step = draw(st.sampled_from(["plus", "times", "exact", "floor", "ceil"]))
        operand = draw(st.integers(-6, 6) if step == "plus" else st.integers(1, 4))
        made = {
            "plus": plus,
            "times": times,
            "exact": exact_div,
            "floor": floor_div,
            "ceil": ceil_div,
        }[step](size, operand)
        if made is not UNKNOWN:
            size = made
    return size


def value(size: Size, bound: int) -> int | None:
    """`size` with its symbol bound: an int, or None where that is no whole size (no claim)."""
    if isinstance(size, int):
        return size
    if isinstance(size, Symbol):
        return bound
    if isinstance(size, Affine):
        found = size.at(bound)
        return found if isinstance(found, int) else None
    return None


@given(size=computed(), bound=st.integers(1, 60), operand=st.integers(1, 5), shift=st.integers(-8, 8))
def test_arithmetic_agrees_with_ints_for_every_binding(size: Size, bound: int, operand: int, shift: int) -> None:
    n = value(size, bound)
    if n is None:
        return
    for made, expected in [
        (plus(size, shift), n + shift),
        (times(size, operand), n * operand),
        (floor_div(size, operand), n // operand),
        (ceil_div(size, operand), -(-n // operand)),
        (plus(size, size), 2 * n),
    ]:
        assert made is UNKNOWN or value(made, bound) == expected, (size, bound, made)
    divided = exact_div(size, operand)
    if n % operand == 0:
        assert divided is UNKNOWN or value(divided, bound) == n // operand
    if isinstance(size, Affine):
        assert size.solve(n) == bound


@given(a=computed(), b=computed(), bounds=st.lists(st.integers(1, 80), min_size=1, max_size=20))
def test_same_size_is_sound_for_every_binding(a: Size, b: Size, bounds: list[int]) -> None:
    verdict = same_size(a, b)
    for bound in bounds:
        x, y = value(a, bound), value(b, bound)
        if x is None or y is None or x < 1 or y < 1:
            continue
        if verdict is True:
            assert x == y, (a, b, bound)
        if verdict is False:
            assert x != y, (a, b, bound)


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        (plus(SEQ, -4), SEQ, False),  # a constant apart
        (times(SEQ, 2), SEQ, False),  # equal only at Seq = 0
        (times(SEQ, 3), plus(SEQ, 1), False),  # equal only at Seq = 1/2
        (times(SEQ, 2), plus(SEQ, 4), None),  # equal at Seq = 4
        (plus(SEQ, -4), 16, False),  # a named size is no fixed size
        (plus(SEQ, -4), plus(TIME, -4), False),  # two named axes
        (H, 16, None),  # a type variable may be any size
        (H, SEQ, None),
        (plus(H, -2), H, False),
        (UNKNOWN, SEQ, None),
    ],
)
def test_same_size_examples(a: Size, b: Size, verdict: bool | None) -> None:
    assert same_size(a, b) is verdict
    assert same_size(b, a) is verdict


# ---------------------------------------------------------------------------- rules and the graph


def test_graph_validation_keeps_computed_sizes() -> None:
    seq = Symbol.of(Seq)
    tokens = tn.Input(Seq, 16)
    short = tokens >> nn.Conv1D(16, kernel=3, dilation=2)
    assert short.shape == Shape.of(plus(seq, -4), 16)
    with pytest.raises(
        tn.ShapeError, match=r"Add expects inputs of equal shape, but receives \(Seq, 16\) and \(Seq - 4"
    ):
        _ = tokens + short  # type: ignore[typednn-shape]
    out = short >> nn.Conv1D(8, kernel=3, padding="same")
    assert out.shape == Shape.of(plus(seq, -4), 8)
    tn.Model(tokens, out)  # validates the graph: the same rules, on the same sizes


# ---------------------------------------------------------------------------- run-time checks
# mypy reads `tn.Tensor` as the graph tensor, not an array (docs/typeguard.md, "Limitation"): passing
# arrays and indexing annotated arguments are errors to it, ignored here on purpose.


@tn.checked
def shorten(x: tn.Tensor[Seq, L[8]]) -> tn.Tensor[tn.Minus[Seq, L[4]], L[8]]:
    return x[:, 2:]  # type: ignore[index, no-any-return]  # wrong on purpose: crops 2, not 4


@tn.checked
def halves(x: tn.Tensor[tn.Times[Seq, L[2]], L[8]], y: tn.Tensor[Seq, L[8]]) -> None:
    pass


@tn.checked
def generic_trim(x: tn.Tensor[N, L[8]]) -> tn.Tensor[tn.Minus[N, L[2]], L[8]]:
    return x >> nn.Conv1D(8, kernel=3)


@tn.checked
def takes_short(x: tn.Tensor[tn.Minus[Seq, L[4]], L[8]]) -> None:
    pass


@tn.checked
def no_size(x: tn.Tensor[tn.Times[Seq, Time]]) -> None:  # type: ignore[typednn-shape]
    pass


def test_checked_arrays_bind_the_dim_a_size_is_computed_from() -> None:
    halves(np.zeros((1, 6, 8)), np.zeros((1, 3, 8)))  # type: ignore[arg-type]
    with pytest.raises(TypeCheckError, match=r"axis 1 is 7, but Seq \* 2 is never 7"):
        halves(np.zeros((1, 7, 8)), np.zeros((1, 3, 8)))  # type: ignore[arg-type]
    with pytest.raises(TypeCheckError, match=r'Seq is bound to 3 by argument "x", but axis 1 is 4'):
        halves(np.zeros((1, 6, 8)), np.zeros((1, 4, 8)))  # type: ignore[arg-type]
    with pytest.raises(TypeCheckError, match=r'Seq is bound to 10 by argument "x", so Seq - 4 is 6, but axis 1 is 8'):
        shorten(np.zeros((2, 10, 8)))  # type: ignore[arg-type]


def test_checked_symbolic_tensors_compare_computed_sizes() -> None:
    takes_short(tn.Input(Seq, 8) >> nn.Conv1D(8, kernel=5))
    with pytest.raises(TypeCheckError, match=r"axis 1 is Seq, but Seq - 4 is never Seq"):
        takes_short(tn.Input(Seq, 8))  # type: ignore[arg-type]
    with pytest.raises(TypeCheckError, match=r"axis 1 is Time - 4, but Seq - 4 is never Time - 4"):
        takes_short(tn.Input(Time, 8) >> nn.Conv1D(8, kernel=5))  # type: ignore[arg-type]
    assert generic_trim(tn.Input(Seq, 8)).shape == Shape.of(plus(Symbol.of(Seq), -2), 8)
    assert generic_trim(tn.Input(10, 8)).shape == Shape.of(8, 8)


def test_an_annotation_that_computes_no_size_is_a_typednn_error() -> None:
    with pytest.raises(tn.TypednnError, match=r"tn.Times\[Seq, Time\] is not a size"):
        no_size(np.zeros((1, 3)))  # type: ignore[arg-type]
