"""The graph IR that layer calls and `>>` build, and its validation by the shared rules."""

from __future__ import annotations

from typing import Any

from ._errors import TypednnError
from ._shapes import Shape, ShapeError, check_reuse
from .layers import Layer, Node, Tensor

AnyTensor = Tensor[*tuple[Any, ...]]
AnyLayer = Layer[*tuple[Any, ...]]


class Graph:
    """The layers between some input tensors and some output tensors, in run order.

    Args:
        inputs: The model's input tensors (made by `tn.Input`).
        outputs: The tensors the model returns.

    Raises:
        TypednnError: if an output depends on an input that is not listed, or two
            layers share a name.
    """

    def __init__(self, inputs: tuple[AnyTensor, ...], outputs: tuple[AnyTensor, ...]) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.order: list[AnyTensor] = []
        seen: set[int] = set()
        for output in outputs:
            self._visit(output, seen)
        given = {id(t) for t in inputs}
        for tensor in self.order:
            if tensor.node.layer is None and id(tensor) not in given:
                raise TypednnError(
                    f"the model's outputs depend on Input{tensor.shape!r}, which is not among its inputs",
                    hint="pass every tn.Input the outputs are computed from to tn.Model",
                )
        self.names = self._name_layers()

    def _visit(self, tensor: AnyTensor, seen: set[int]) -> None:
        # Iterative depth-first post-order, so deep models do not hit the recursion limit.
        stack: list[tuple[AnyTensor, bool]] = [(tensor, False)]
        while stack:
            current, expanded = stack.pop()
            if id(current) in seen:
                continue
            if expanded:
                seen.add(id(current))
                self.order.append(current)
                continue
            stack.append((current, True))
            stack.extend((parent, False) for parent in reversed(current.node.inputs) if id(parent) not in seen)

    def _name_layers(self) -> dict[int, str]:
        names: dict[int, str] = {}
        taken: set[str] = set()
        counts: dict[str, int] = {}
        for layer in self.layers():
            if layer.name is not None:
                if layer.name in taken:
                    raise TypednnError(f"two layers are named {layer.name!r}", hint="give each layer its own name")
                names[id(layer)] = layer.name
                taken.add(layer.name)
        for layer in self.layers():
            if id(layer) in names:
                continue
            base = layer.default_name()
            while True:
                count = counts.get(base, 0)
                counts[base] = count + 1
                candidate = base if count == 0 else f"{base}_{count}"
                if candidate not in taken:
                    break
            names[id(layer)] = candidate
            taken.add(candidate)
        return names

    def layers(self) -> list[AnyLayer]:
        """Each layer once, in run order (a layer applied twice shares its parameters)."""
        found: dict[int, AnyLayer] = {}
        for tensor in self.order:
            layer = tensor.node.layer
            if layer is not None:
                found.setdefault(id(layer), layer)
        return list(found.values())

    def name(self, layer: AnyLayer) -> str:
        return self.names[id(layer)]

    def nodes(self) -> list[tuple[Node, AnyTensor]]:
        """Each layer application with the tensor it produced, in run order."""
        return [(t.node, t) for t in self.order if t.node.layer is not None]

    def validate(self) -> None:
        """Re-run every layer's shape rule on its inputs' shapes, in run order.

        Raises:
            ShapeError: naming the layer, the expected and the actual shape.
        """
        shapes = {id(t): t.shape for t in self.inputs}
        first_use: dict[int, tuple[Shape, ...]] = {}
        for node, tensor in self.nodes():
            layer = node.layer
            assert layer is not None
            received = tuple(shapes[id(x)] for x in node.inputs)
            try:
                shape = layer.hyper.output_shape(*received)
            except ShapeError as error:
                raise error.at(self.name(layer)) from None
            first = first_use.setdefault(id(layer), received)
            if layer.has_params:
                check_reuse(repr(layer), first, received, where=self.name(layer))
            shapes[id(tensor)] = shape
