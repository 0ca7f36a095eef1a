"""Cases of any layer class, drawn from its hyperparameters' field types.

A layer kind that has no hand-written strategy in `_kinds.py` (a new layer of typednn, a
custom one passed to `check_layer` without `hyper_strategy`) still gets a property test:
each field is drawn from its annotation (sizes 1 to 5, booleans, the choices of a
`Literal`, rates and epsilons in (0, 1), tuples, `None` and nested hyperparameters where
the type allows them, the default where it says too little), and the inputs are random
shapes, chosen among several draws for being shapes the rule accepts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias, cast

from hypothesis import reject
from hypothesis import strategies as st

from .._errors import TypednnError
from .._shapes import Hyper, Shape, ShapeError, holds_any_layer
from ..layers._registry import KINDS, Kind
from ._case import AnyLayer, Case
from ._sizes import Dims, mutated, shapes, small

Inputs: TypeAlias = Dims | tuple[Dims, ...]
"""One input's dims, or a tuple of them for a layer with several inputs."""

_TRIES = 24
"""How many input shapes a case draws, at most, looking for one that the rule accepts."""


def derived_cases(
    cls: type[AnyLayer],
    *,
    fixed: Mapping[str, Any] | None = None,
    hyper: st.SearchStrategy[Any] | None = None,
    inputs: st.SearchStrategy[Inputs] | None = None,
    accepted: bool = False,
) -> st.SearchStrategy[Case]:
    """Cases of `cls`: its hyperparameters from `hyper` (by default, from the field types) and inputs.

    Args:
        cls: The layer class.
        fixed: Hyperparameters that stay as given (what a kind such as ``relu`` fixes).
        hyper: A strategy of `cls.hyper_type` instances, or of `cls` layers.
        inputs: A strategy of input dims; by default shapes of rank 0 to 4 (several inputs
            mostly share one shape), preferring ones the rule accepts.
        accepted: Only inputs the rule accepts. Drawn from nothing but the types, a case
            cannot tell a rule that is stricter than JAX on purpose (a declared input
            size is a contract) from a wrong one, so the derived strategy of a kind
            checks accepted inputs only; a hand-written one checks rejections too.

    Raises:
        TypednnError: when a field's type says nothing a strategy can draw and it has no
            default (a nested layer's hyperparameters, a free string).
    """
    drawn = hyper if hyper is not None else _hyperparameters(cls.hyper_type, fixed or {})
    return _cases(cls, drawn, inputs, accepted)


@st.composite
def _cases(
    draw: st.DrawFn,
    cls: type[AnyLayer],
    hyper: st.SearchStrategy[Any],
    inputs: st.SearchStrategy[Inputs] | None,
    accepted: bool,
) -> Case:
    drawn = draw(hyper, label="hyperparameters")
    if isinstance(drawn, cls):
        layer = drawn
    elif type(drawn) is cls.hyper_type:
        layer = cls.from_hyper(drawn)
    else:
        raise TypednnError(
            f"check_layer({cls.__qualname__}): hyper_strategy gave {drawn!r}, which is neither"
            f" a {cls.hyper_type.__qualname__} nor a {cls.__qualname__}",
            hint=f"draw the hyperparameters with st.builds({cls.hyper_type.__qualname__}, ...)",
        )
    if inputs is not None:
        dims = draw(inputs, label="inputs")
        # One input's dims are ints; several inputs' are a tuple of tuples. `()` is one rank-0 input.
        several = bool(dims) and all(isinstance(d, tuple) for d in dims)
        shapes_in = cast("tuple[Dims, ...]", dims) if several else (cast(Dims, dims),)
    else:
        shapes_in = _accepted_mostly(draw, layer, only=accepted)
    return Case(layer, shapes_in, training=draw(st.booleans(), label="training"))


def _accepted_mostly(draw: st.DrawFn, layer: AnyLayer, *, only: bool) -> tuple[Dims, ...]:
    """Input shapes of the layer's arity: among some draws, the first the rule accepts, mostly (or `only`)."""
    arity = layer.hyper.arity
    candidates = []
    for _ in range(_TRIES if only else _TRIES // 3):
        if arity == 1:
            candidate: tuple[Dims, ...] = (draw(shapes(0, 4), label="input"),)
        else:
            candidate = draw(_related(st.just(arity) if arity is not None else st.integers(2, 3)))
        candidates.append(candidate)
        if accepts(Case(layer, candidate)) and (only or draw(st.integers(0, 4), label="keep") > 0):
            return candidate
    if only:
        reject()
    return candidates[-1]


def accepts(case: Case) -> bool:
    """Whether the layer's rule accepts the case's input shapes."""
    tokens = case.layer.hyper.takes_tokens
    try:
        case.layer.output_shape(*(Shape.of(*dims, tokens=tokens) for dims in case.inputs))
    except ShapeError:
        return False
    return True


@st.composite
def _related(draw: st.DrawFn, count: st.SearchStrategy[int]) -> tuple[Dims, ...]:
    """Several inputs, mostly of one shape: what merges and other multi-input layers take."""
    base = draw(shapes(0, 3), label="base")
    n = draw(count, label="inputs")
    return tuple(draw(mutated(base)) if draw(st.integers(0, 2)) == 0 else base for _ in range(n))


def _hyperparameters(hyper_type: type[Hyper], fixed: Mapping[str, Any]) -> st.SearchStrategy[Hyper]:
    hints = typing.get_type_hints(hyper_type)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in dataclasses.fields(hyper_type):
        if field.name in fixed:
            fields[field.name] = st.just(fixed[field.name])
            continue
        values = _values(hints[field.name])
        has_default = field.default is not dataclasses.MISSING
        if values is None and not has_default:
            raise TypednnError(
                f"typednn.testing cannot draw {hyper_type.__qualname__}.{field.name}"
                f" (a {hints[field.name]}) and it has no default",
                hint=f"pass check_layer a hyper_strategy, e.g. st.builds({hyper_type.__qualname__}, ...)",
            )
        if values is None:
            values = st.just(field.default)
        elif has_default:
            values = st.one_of(st.just(field.default), values)
        fields[field.name] = values
    return _built(hyper_type, st.fixed_dictionaries(fields))


def _any_layer() -> list[Kind]:
    """The kinds a field holding any layer may draw: those whose fields can be drawn, no such holder itself."""
    drawable = []
    for kind in KINDS.values():
        if holds_any_layer(kind.layer.hyper_type):
            continue  # it would draw without end
        try:
            _hyperparameters(kind.layer.hyper_type, kind.fixed)
        except TypednnError:
            continue
        drawable.append(kind)
    return drawable


@st.composite
def _built(draw: st.DrawFn, hyper_type: type[Hyper], fields: st.SearchStrategy[dict[str, Any]]) -> Hyper:
    try:
        return hyper_type(**draw(fields, label="fields"))
    except TypednnError:  # values that validate against each other (groups dividing filters)
        reject()


def _values(hint: Any) -> st.SearchStrategy[Any] | None:
    """What a field of this type may hold, drawn small; None where the type says too little."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return small
    if hint is float:
        return st.floats(0.05, 0.95)
    if origin is Literal:
        return st.sampled_from(args)
    if hint is Hyper:  # any layer's (TimeDistributed's): the kinds whose fields can be drawn
        return st.sampled_from(_any_layer()).flatmap(lambda kind: _hyperparameters(kind.layer.hyper_type, kind.fixed))
    if isinstance(hint, type) and issubclass(hint, Hyper):  # a wrapped layer's (Bidirectional's)
        return _hyperparameters(hint, {})
    if origin in (typing.Union, types.UnionType):
        # `Size` is `int | Symbol | Affine | Unknown`: the int part is what a user writes.
        options = [s for a in args if a is not type(None) and (s := _values(a)) is not None]
        if type(None) in args:
            options.append(st.none())
        return st.one_of(options) if options else None
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _values(args[0])
            return None if item is None else st.lists(item, min_size=1, max_size=3).map(tuple)
        items = [_values(a) for a in args]
        return None if any(s is None for s in items) else st.tuples(*cast("list[st.SearchStrategy[Any]]", items))
    return None
