"""`check_model`: a model's output shape, as `model.apply` computes it, against its rules."""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from .._model import Model
from .._shapes import UNKNOWN, Shape, ShapeError, Symbol
from .._shapes._bindings import Bindings
from .._shapes._dims import Size, linear
from ..graph import Graph
from ._inputs import DIM_SIZES, Batch, DimSizes, inputs
from ._sizes import compatible

# Small batches: each new shape compiles the model again.
_BATCH_SIZES = st.integers(1, 4)


def check_model(
    model: Model[Any, Any],
    *,
    batch: st.SearchStrategy[int] = _BATCH_SIZES,
    dims: DimSizes = DIM_SIZES,
    max_examples: int = 10,
    run: bool = True,
) -> None:
    """Check that `model.apply` gives the output shape the rules give, for generated inputs.

    For each batch that `inputs(model, batch=batch, dims=dims)` draws, and both with
    and without `training`, the output of `model.apply` must have shape
    ``(batch, *output_dims)``: the model's output shape (the one mypy shows) with each
    named dim bound to the size drawn, and what the layers' rules give for the drawn
    sizes. The rules must also accept every size drawn: a model whose named dim cannot
    take some sizes fails here (choose its sizes with `dims`).

    Call it from a plain test function (not from inside another `@given` test).

    Args:
        model: The model.
        batch: The batch sizes to draw.
        dims: The sizes of the named dims: one strategy, or one per `tn.Dim` class.
        max_examples: How many batches hypothesis tries.
        run: Whether to run the model on the arrays (parameters made once by
            `model.init`); with False only `jax.eval_shape` runs, which costs no
            computation however large the model.

    Raises:
        AssertionError: naming the model, the input shapes, the named dims' sizes and
            both output shapes, when they differ.

    Example:
        >>> from typednn import zoo
        >>> check_model(zoo.mlp(), max_examples=2)
    """
    key = jax.random.key(0)
    params = model.init(key) if run else jax.eval_shape(model.init, key)
    graph = model.graph
    symbols = _symbols(graph)
    dropout_key = jax.random.key(1)

    def apply(x: Any, training: bool) -> Any:
        if run:
            return model.apply(params, x, key=dropout_key, training=training)
        return jax.eval_shape(lambda p, x: model.apply(p, x, key=dropout_key, training=training), params, x)

    # One failure, as one AssertionError: what a user's test reports (not an ExceptionGroup).
    @settings(max_examples=max_examples, deadline=None, report_multiple_bugs=False)
    @given(x=inputs(model, batch=batch, dims=dims), training=st.booleans())
    def output_shape_is_the_rules(x: Batch, training: bool) -> None:
        arrays = x if isinstance(x, tuple) else (x,)
        bound = _binding(graph, arrays)
        named = ", ".join(f"{s.name}={bound.value(s)}" for s in symbols)
        where = (
            f"model {model.name!r}: for input(s) of shape {', '.join(str(a.shape) for a in arrays)}"
            f" ({named or 'no named dims'}, training={training}):"
        )
        try:
            concrete = tuple(
                dataclasses.replace(t.shape, dims=tuple(a.shape[1:])) for t, a in zip(graph.inputs, arrays)
            )
            rules = _rule_outputs(graph, concrete)
        except ShapeError as error:
            raise AssertionError(
                f"{where} the rules reject the sizes drawn: {error}. The model cannot take every"
                " size its input type allows; choose the named dims' sizes with check_model(..., dims=...)"
            ) from None
        result = apply(x, training)
        outputs = result if isinstance(result, tuple) else (result,)
        n = arrays[0].shape[0]
        for tensor, rule, out in zip(graph.outputs, rules, outputs):
            got = tuple(np.shape(out))
            declared = _bind(tensor.shape, bound)
            assert got == (n, *rule.dims) and compatible(declared, Shape.of(*got[1:])), (
                f"{where} model.apply gives an output of shape {got}, but the rules give"
                f" {(n, *rule.dims)} (batch {n}; the model's output shape is {tensor.shape!r})"
            )

    output_shape_is_the_rules()


def _symbols(graph: Graph) -> list[Symbol]:
    """The named dims of the model's inputs, in the order they first appear."""
    return list(dict.fromkeys(d for t in graph.inputs for d in t.shape.dims if isinstance(d, Symbol)))


def _binding(graph: Graph, arrays: tuple[np.ndarray[Any, Any], ...]) -> Bindings:
    """The size each named dim of the model's inputs has in these arrays."""
    bound = Bindings()
    for tensor, array in zip(graph.inputs, arrays):
        # The arrays are drawn for these inputs, so they match (and give each dim one size).
        bound.match(tensor.shape, Shape.of(*(int(n) for n in array.shape[1:])), "inputs")
    return bound


def _bind(shape: Shape, bound: Bindings) -> Shape:
    """`shape` with each named dim, and each size computed from one (`Seq - 4`), at its bound size."""
    return dataclasses.replace(shape, dims=tuple(_bound_size(d, bound) for d in shape.dims))


def _bound_size(size: Size, bound: Bindings) -> Size:
    value = bound.value(size)
    named = linear(value)
    # Still named though its dim is bound: the bound size gives no whole size here.
    return UNKNOWN if named is not None and linear(bound.value(named[0])) is None else value


def _rule_outputs(graph: Graph, shapes_in: tuple[Shape, ...]) -> tuple[Shape, ...]:
    """The output shapes the layers' rules give for these input shapes, layer by layer."""
    shapes = {id(t): s for t, s in zip(graph.inputs, shapes_in)}
    for node, tensor in graph.nodes():
        assert node.layer is not None
        try:
            shapes[id(tensor)] = node.layer.hyper.output_shape(*(shapes[id(x)] for x in node.inputs))
        except ShapeError as error:
            raise error.at(graph.name(node.layer)) from None
    return tuple(shapes[id(t)] for t in graph.outputs)
