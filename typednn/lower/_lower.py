"""A validated graph as two pure functions: `init(key)` and `apply(params, *xs)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax

from .._shapes import Shape, ShapeError, Symbol
from ..graph import Graph

Params = dict[str, dict[str, jax.Array]]


@dataclass(frozen=True)
class Lowered:
    """The pure functions of a model.

    Attributes:
        init: `init(key) -> params`, a dict from layer name to that layer's arrays.
        apply: `apply(params, *xs, key=None, training=False) -> outputs`, on arrays of
            shape `(batch, *input_dims)`; one output comes back as an array, several as
            a tuple.
    """

    init: Callable[[jax.Array], Params]
    apply: Callable[..., Any]


def check_inputs(graph: Graph, xs: tuple[jax.Array, ...]) -> None:
    """Check arrays against the model's input shapes (named dims bound consistently)."""
    if len(xs) != len(graph.inputs):
        raise ShapeError("the model", f"{len(graph.inputs)} input array(s)", f"{len(xs)}")
    bound: dict[Symbol, int] = {}
    for position, (tensor, x) in enumerate(zip(graph.inputs, xs)):
        want = tensor.shape.dims
        got = tuple(x.shape[1:])
        ok = len(got) == len(want)
        for size, actual in zip(want, got):
            if isinstance(size, Symbol):
                ok = ok and bound.setdefault(size, actual) == actual
            elif isinstance(size, int):
                ok = ok and size == actual
        if not ok:
            raise ShapeError(
                f"the model's input {position}",
                f"arrays of shape (batch, {', '.join(map(repr, want))})",
                f"an array of shape {tuple(x.shape)}",
                hint="the first axis is the batch; the others must match tn.Input",
            )


def lower(graph: Graph) -> Lowered:
    """Turn a validated graph into pure `init` and `apply` functions (not yet jitted)."""
    nodes = graph.nodes()
    layers = graph.layers()
    first_inputs: dict[int, tuple[Shape, ...]] = {}
    for node, _ in nodes:
        assert node.layer is not None
        first_inputs.setdefault(id(node.layer), tuple(t.shape for t in node.inputs))

    def init(key: jax.Array) -> Params:
        params: Params = {}
        keys = jax.random.split(key, max(len(layers), 1))
        for layer_key, layer in zip(keys, layers):
            arrays = layer.init(layer_key, *first_inputs[id(layer)])
            if arrays:
                params[graph.name(layer)] = arrays
        return params

    def apply(params: Params, *xs: jax.Array, key: jax.Array | None = None, training: bool = False) -> Any:
        check_inputs(graph, xs)
        values: dict[int, jax.Array] = {id(t): x for t, x in zip(graph.inputs, xs)}
        for step, (node, tensor) in enumerate(nodes):
            layer = node.layer
            assert layer is not None
            layer_key = jax.random.fold_in(key, step) if key is not None and layer.stochastic else None
            values[id(tensor)] = layer.apply(
                params.get(graph.name(layer), {}),
                *(values[id(x)] for x in node.inputs),
                key=layer_key,
                training=training,
            )
        outputs = tuple(values[id(t)] for t in graph.outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    return Lowered(init=init, apply=apply)
