"""One case of a layer against its lowering: the property every layer's rule must have.

The convention (design.md section 1, "test time"):

* **Accept.** When a layer's rule accepts input shapes, the lowered layer (`init`, then
  `apply`) runs on arrays of shape ``(batch, *dims)`` and gives exactly
  ``(batch, *rule_output)``, and every output size is a positive int.
* **Reject.** When the rule raises `ShapeError` (naming the layer), the lowering cannot
  run the input: JAX raises, or the output would be empty (a zero-size axis: XLA slides
  a window larger than its input and quietly returns nothing), or the lowering would
  reach into the batch axis. Parameters are made from what the layer *declares*
  (`Dense(in, out)`'s ``in``): a declared size is a contract. A layer that refuses
  broadcasting (`Add`) may also reject inputs JAX runs only by broadcasting.
* **No false positives on less knowledge.** Replacing sizes by unknowns, or leading axes
  by an open ``...``, never turns an accepted input into a rejected one, and the answer
  stays compatible with the concrete one.

Nothing is computed: shapes go through `jax.eval_shape` on `jax.ShapeDtypeStruct`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st

from .._errors import TypednnError
from .._shapes import Shape, ShapeError
from ..layers import Layer
from ._sizes import Dims, compatible, weakened

BATCH = 13
"""The batch size of the abstract arrays: larger than any size the strategies draw."""

KEY = jax.random.key(0)

CANNOT_RUN = (TypeError, ValueError, IndexError, ZeroDivisionError, TypednnError)
"""What JAX raises for shapes it cannot run, and what `init` raises for a size it lacks."""

AnyLayer = Layer[*tuple[Any, ...]]


@dataclass(frozen=True)
class Case:
    """A layer and the shapes of the examples it is applied to.

    Attributes:
        layer: The layer, with its hyperparameters.
        inputs: One example's dims for each input (the batch axis is implicit).
        param_inputs: The input dims parameters are made for, when the layer declares
            them (`Dense(in, out)`); None to make them for `inputs`.
        training: Whether to apply the layer as while training (dropout active).
        refuses_broadcasting: Whether the rule may reject inputs JAX runs only by
            broadcasting one to another (`Add` wants equal shapes).

    Example:
        >>> from typednn import nn
        >>> check_case(Case(nn.Dense(4), ((3, 5),)))
        (3, 4)
    """

    layer: AnyLayer
    inputs: tuple[Dims, ...]
    param_inputs: tuple[Dims, ...] | None = None
    training: bool = False
    refuses_broadcasting: bool = False


def lowered_shape(
    layer: AnyLayer,
    inputs: tuple[Dims, ...],
    param_inputs: tuple[Dims, ...] | None = None,
    training: bool = False,
    *,
    batch: int = BATCH,
) -> Dims:
    """The output shape of `layer`'s lowering on arrays of shape ``(batch, *dims)``, abstractly.

    A layer that takes token ids (`Embedding`) gets int32 arrays, any other float32.

    Example:
        >>> from typednn import nn
        >>> lowered_shape(nn.Conv2D(8, kernel=3), ((10, 10, 1),))
        (13, 8, 8, 8)
    """
    return lowered_shapes(layer, inputs, param_inputs, training, batch=batch)[0]


def lowered_shapes(
    layer: AnyLayer,
    inputs: tuple[Dims, ...],
    param_inputs: tuple[Dims, ...] | None = None,
    training: bool = False,
    *,
    batch: int = BATCH,
) -> tuple[Dims, ...]:
    """Like `lowered_shape`, for every output: a recurrent layer with `return_state` gives several.

    Example:
        >>> from typednn import nn
        >>> lowered_shapes(nn.GRU(4, return_state=True), ((6, 3),))
        ((13, 6, 4), (13, 4))
    """
    tokens = layer.hyper.takes_tokens
    init_shapes = tuple(Shape.of(*d, tokens=tokens) for d in (inputs if param_inputs is None else param_inputs))
    params = jax.eval_shape(lambda key: layer.init(key, *init_shapes) | layer.init_state(*init_shapes), KEY)
    dtype = jnp.int32 if tokens else jnp.float32
    arrays = [jax.ShapeDtypeStruct((batch, *d), dtype) for d in inputs]
    out = jax.eval_shape(lambda p, key, *xs: layer.apply(p, *xs, key=key, training=training), params, KEY, *arrays)
    return tuple(tuple(part.shape) for part in (out if isinstance(out, tuple) else (out,)))


def describe(layer: AnyLayer) -> str:
    """The layer as written, its kind and every hyperparameter: what a failure names."""
    kind = vars(type(layer)).get("kind", type(layer).__name__)
    values = ", ".join(f"{name}={value!r}" for name, value in layer.hyper.values().items())
    return f"{layer!r} (kind {kind!r}; hyperparameters: {values or 'none'})"


def check_case(case: Case, data: st.DataObject | None = None) -> Shape | None:
    """Assert the rule-versus-lowering convention for one case; return the rule's answer.

    Args:
        case: The layer and its input shapes.
        data: Hypothesis's `st.data()`, to also check the rule on less known versions
            of the inputs (sizes unknown, leading axes open); None to skip that.

    Returns:
        The output shape the rule gives, or None when it rejects the inputs.

    Raises:
        AssertionError: naming the layer, its hyperparameters and the shapes, when the
            rule and the lowering disagree.
    """
    layer = case.layer
    tokens = layer.hyper.takes_tokens
    shapes_in = tuple(Shape.of(*d, tokens=tokens) for d in case.inputs)
    shown = ", ".join(map(repr, shapes_in))
    # The batch axis must never pass for an example axis, whatever sizes a user draws.
    batch = max([BATCH, *(d + 1 for dims in case.inputs for d in dims)])
    try:
        rule = layer.output_shape(*shapes_in)
    except ShapeError as error:
        _event("rejected")
        assert layer.hyper.describe() in str(error), (
            f"{describe(layer)}: the rule's ShapeError should name the layer, but says: {error}"
        )
        try:
            out = lowered_shape(layer, case.inputs, case.param_inputs, case.training, batch=batch)
        # lax.conv_transpose checks ranks with `assert`: that, too, is JAX refusing the input.
        except (AssertionError, *CANNOT_RUN):
            return None
        empty = 0 in out
        batch_touched = not out or out[0] != batch
        broadcast = case.refuses_broadcasting and any(d != out[1:] for d in case.inputs)
        assert empty or batch_touched or broadcast, (
            f"{describe(layer)}: the rule rejects input(s) {shown}, but the lowering runs them"
            f" and gives {Shape.of(*out[1:])!r} (batch {batch}). The rule said: {error}"
        )
        return None
    _event("accepted")
    assert layer.hyper.output_shape(*shapes_in) == rule, f"{describe(layer)}: the layer's rule is not its hyper's rule"
    assert not rule.open and all(isinstance(d, int) and d > 0 for d in rule.dims), (
        f"{describe(layer)}: for input(s) {shown} the rule gives {rule!r}; every output size must be a positive int"
    )
    try:
        out, *more = lowered_shapes(layer, case.inputs, case.param_inputs, case.training, batch=batch)
    except Exception as error:  # any failure of the lowering is the finding
        raise AssertionError(
            f"{describe(layer)}: the rule accepts input(s) {shown} and gives {rule!r},"
            f" but the lowering cannot run them: {type(error).__name__}: {error}"
        ) from error
    others = [(batch, *shape.dims) for shape in layer.hyper.output_shapes(*shapes_in)[1:]]
    assert more == others, (
        f"{describe(layer)}: for input(s) {shown} the rule's other outputs are {others}, but the lowering's {more}"
    )
    assert out == (batch, *rule.dims), (
        f"{describe(layer)}: for input(s) {shown} the rule gives {rule!r}, but jax.eval_shape of the lowering"
        f" gives {Shape.of(*out[1:])!r} after the batch axis (full shape {out}, batch {batch})"
    )
    if data is not None:
        weak = tuple(data.draw(weakened(s), label="weakened") for s in shapes_in)
        try:
            answer = layer.output_shape(*weak)
        except ShapeError as error:
            raise AssertionError(
                f"{describe(layer)}: the rule accepts {shown} but rejects the less known"
                f" {', '.join(map(repr, weak))}: {error}"
            ) from None
        assert compatible(answer, rule), (
            f"{describe(layer)}: for the less known input(s) {', '.join(map(repr, weak))} the rule gives"
            f" {answer!r}, which contradicts {rule!r}, its answer for {shown}"
        )
    return rule


def _event(name: str) -> None:
    # Hypothesis counts events in its statistics; outside a test (a doctest) there are none.
    if currently_in_test_context():
        event(name)
