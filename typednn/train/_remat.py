"""Rematerialisation for training: `Trainer(..., remat=[...])`.

A rematerialised group of layers keeps only its inputs for the backward pass and
recomputes the activations inside it while the gradient is taken (`jax.checkpoint`):
more compute, less memory. Only the training step's forward pass changes; `predict`
and exports run the model as it is, and the numbers are the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fnmatch import fnmatchcase

from .._errors import TypednnError
from .._words import did_you_mean, given
from ..graph import Graph
from ..lower import Lowered, lower
from ._frozen import _InferenceView, graph_label

Remat = bool | Sequence[str]
"""`Trainer(remat=...)`: False, True (each layer application on its own), or layer names and patterns."""


def remat_spans(graph: Graph, remat: Remat) -> tuple[range, ...]:
    """The spans of layer applications (ranges of `graph.nodes()`) that `remat` asks to rematerialise.

    Args:
        graph: The model's graph.
        remat: False (none); True, every layer application on its own; or entries that
            each name a layer or match several with a shell pattern (`"block1_*"`). An
            entry is one block: the applications from the first layer it matches to
            the last, with every layer that runs between them (the activations of a
            chain of Dense layers), recomputed together. Blocks that overlap become one.

    Raises:
        TypednnError: for an entry that is not a string, or that names no layer (with the
            closest name).
    """
    nodes = graph.nodes()
    applied = [graph.name(node.layer) for node, _ in nodes if node.layer is not None]
    if remat is True:
        return tuple(range(i, i + 1) for i in range(len(applied)))
    if remat is False:
        return ()
    if isinstance(remat, str):
        remat = [remat]  # `remat="block1_*"`: one pattern, not its letters
    if not isinstance(remat, Sequence):
        raise TypednnError(
            f"Trainer: remat= takes True, False or a list of layer names, not {given(remat)}",
            hint='e.g. remat=["block1_*", "block2_*"] or remat=True',
        )
    names = list(dict.fromkeys(applied))
    spans: list[range] = []
    for entry in remat:
        if not isinstance(entry, str):
            raise TypednnError(
                f"Trainer: remat= takes layer names or patterns, not {given(entry)}",
                hint='e.g. remat=["dense_1", "block2_*"]',
            )
        matched = [i for i, name in enumerate(applied) if fnmatchcase(name, entry)]
        if not matched:
            shown = ", ".join(names[:40]) + (", ..." if len(names) > 40 else "")
            raise TypednnError(
                f"Trainer: remat= names {entry!r}, which is no layer of the model {graph_label(graph)}"
                f"{did_you_mean(entry, names)}",
                hint=f"its layers are {shown}; a pattern such as 'block1_*' rematerialises every layer it matches",
            )
        spans.append(range(matched[0], matched[-1] + 1))
    merged: list[range] = []
    for span in sorted(spans, key=lambda span: span.start):
        if merged and span.start < merged[-1].stop:
            merged[-1] = range(merged[-1].start, max(merged[-1].stop, span.stop))
        else:
            merged.append(span)
    return tuple(merged)


def rematerialise(lowered: Lowered, graph: Graph, spans: tuple[range, ...], frozen: frozenset[str]) -> Lowered:
    """`lowered` (as `freeze` made it) with a forward pass that rematerialises `spans`.

    Args:
        lowered: The trainer's lowered functions.
        graph: The model's graph.
        spans: From `remat_spans`.
        frozen: The frozen layers: the stateful ones among them still run in inference mode.

    Returns:
        `lowered` itself without spans; else the same functions with a new `forward`.
    """
    if not spans:
        return lowered
    inference = {graph.name(layer) for layer in graph.layers() if layer.has_state} & frozen
    view = _InferenceView(graph, inference) if inference else graph
    return dataclasses.replace(lowered, forward=lower(view, remat=spans).forward)
