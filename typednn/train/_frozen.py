"""Frozen layers for transfer learning: `Trainer(..., frozen=[...])`.

A frozen layer's arrays join the model's state: `Lowered.split` hands them to the
train step as constants, so the optimizer never sees them (no gradient, no optimizer
state), exactly as BatchNorm's running statistics already travel. A frozen layer that
keeps state (BatchNorm) runs in inference mode, as Keras runs a BatchNormalization
layer whose `trainable` is False: it normalises with its moving statistics and keeps
them.

`lower` has one `training` flag for the whole model; the frozen stateful layers get
their own through a view of the graph whose nodes hold a thin proxy of each: the same
layer, its arrays and name, that always applies itself with `training=False`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any, cast

import jax

from .._errors import TypednnError
from .._words import given
from ..graph import AnyLayer, AnyTensor, Graph
from ..layers import Node
from ..lower import Lowered, Params, lower


def frozen_layers(graph: Graph, frozen: Sequence[str]) -> frozenset[str]:
    """The names of the layers `frozen` names: each entry a layer's name or a pattern (`"conv2d*"`).

    Raises:
        TypednnError: for an entry that is not a string, or that names no layer (listing them).
    """
    if isinstance(frozen, str):
        frozen = [frozen]  # `frozen="conv2d*"`: one pattern, not its letters
    names = [graph.name(layer) for layer in graph.layers()]
    found: set[str] = set()
    for entry in frozen:
        if not isinstance(entry, str):
            raise TypednnError(
                f"Trainer: frozen= takes layer names or patterns, not {given(entry)}",
                hint='e.g. frozen=["conv2d", "batch_norm*"]',
            )
        matched = [name for name in names if fnmatchcase(name, entry)]
        if not matched:
            shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
            raise TypednnError(
                f"Trainer: frozen= names {entry!r}, which is no layer of the model {graph_label(graph)}",
                hint=f"its layers are {shown}; a pattern such as 'conv2d*' freezes every layer it matches",
            )
        found.update(matched)
    return frozenset(found)


def graph_label(graph: Graph) -> str:
    """How a message names the model: by its output layers."""
    return "(outputs " + ", ".join(repr(name) for name in graph.output_names) + ")"


def freeze(lowered: Lowered, graph: Graph, frozen: frozenset[str]) -> Lowered:
    """`lowered` for training with the layers named in `frozen` held fixed.

    Args:
        lowered: The model's lowered functions.
        graph: Its graph.
        frozen: Layer names (from `frozen_layers`).

    Returns:
        `lowered` itself when nothing is frozen; else one whose `state_names` take in every
        array of the frozen layers, and whose `forward` runs the frozen stateful layers in
        inference mode.
    """
    if not frozen:
        return lowered
    params = jax.eval_shape(lowered.init, jax.random.key(0))
    state_names = dict(lowered.state_names)
    for name in frozen:
        if params.get(name):  # a layer without arrays (relu) has nothing to hold
            state_names[name] = tuple(params[name])
    inference = {graph.name(layer) for layer in graph.layers() if layer.has_state} & frozen
    forward = lower(_InferenceView(graph, inference)).forward if inference else lowered.forward
    return dataclasses.replace(lowered, forward=forward, state_names=state_names)


def keep_frozen(state: Params, updated: Params) -> Params:
    """The state after a step: the forward pass's `updated` state over the state it started from.

    Per layer, so a frozen BatchNorm keeps its scale and bias beside its statistics.
    """
    kept = {layer: dict(arrays) for layer, arrays in state.items()}
    for layer, arrays in updated.items():
        kept.setdefault(layer, {}).update(arrays)
    return kept


class _Inference:
    """A layer that applies itself in inference mode, whatever the pass; the rest is the layer's."""

    def __init__(self, layer: AnyLayer) -> None:
        self._layer = layer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._layer, name)

    def apply(self, params: Any, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        return self._layer.apply(params, *xs, key=key, training=False)

    def apply_masked(self, params: Any, *xs: jax.Array, masks: Any, key: jax.Array | None, training: bool) -> jax.Array:
        return self._layer.apply_masked(params, *xs, masks=masks, key=key, training=False)

    def apply_with_state(
        self, params: Any, state: Any, *xs: jax.Array, key: jax.Array | None, training: bool, mask: Any = None
    ) -> tuple[jax.Array, Any]:
        return self._layer.apply_with_state(params, state, *xs, key=key, training=False, mask=mask)


class _InferenceView(Graph):
    """`graph` with the layers named in `inference` replaced by `_Inference` proxies of them.

    It is not validated again (`Graph.__init__`): it is the graph, already validated.
    """

    def __init__(self, graph: Graph, inference: set[str]) -> None:
        self.inputs, self.outputs, self.order = graph.inputs, graph.outputs, graph.order
        self.input_names, self.output_names = graph.input_names, graph.output_names
        self.names = dict(graph.names)
        self._proxies: dict[int, AnyLayer] = {}
        for layer in graph.layers():
            if graph.name(layer) in inference:
                proxy = cast("AnyLayer", _Inference(layer))
                self._proxies[id(layer)] = proxy
                self.names[id(proxy)] = graph.name(layer)

    def layers(self) -> list[AnyLayer]:
        return [self._proxies.get(id(layer), layer) for layer in super().layers()]

    def nodes(self) -> list[tuple[Node, AnyTensor]]:
        found = []
        for node, tensor in super().nodes():
            layer = node.layer
            proxied = layer is not None and id(layer) in self._proxies
            found.append((Node(self._proxies[id(layer)], node.inputs, node.name) if proxied else node, tensor))
        return found
