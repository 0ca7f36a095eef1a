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

    Attributes:
        input_names: Each input's name (`tn.Input(..., name=)`, else `input`, `input_1`...).
        output_names: Each output's name: the name of the layer that computes it.

    Raises:
        TypednnError: if an input is not a `tn.Input` or is listed twice, an output
            depends on an input that is not listed, or two layers or inputs share a name.
    """

    def __init__(self, inputs: tuple[AnyTensor, ...], outputs: tuple[AnyTensor, ...]) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.order: list[AnyTensor] = []
        seen: set[int] = set()
        for output in outputs:
            self._visit(output, seen)
        for tensor in inputs:
            if tensor.node.layer is not None:
                raise TypednnError(
                    f"a model input must be a tn.Input, but one is the output of {tensor.node.layer!r}",
                    hint="list the tn.Input tensors the outputs are computed from",
                )
        given = {id(t) for t in inputs}
        if len(given) < len(inputs):
            raise TypednnError("the model's inputs list one tensor twice", hint="list each tn.Input once")
        for tensor in self.order:
            if tensor.node.layer is None and id(tensor) not in given:
                raise TypednnError(
                    f"the model's outputs depend on Input{tensor.shape!r}, which is not among its inputs",
                    hint="pass every tn.Input the outputs are computed from to tn.Model",
                )
        self.names = self._name_layers()
        self.input_names = self._name_inputs()
        self.output_names = self._name_outputs()

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
        inputs = [t.node.name for t in self.inputs if t.node.name is not None]
        for name in inputs:
            if inputs.count(name) > 1:
                raise TypednnError(f"two inputs are named {name!r}", hint="give each input its own name")
        taken: set[str] = set(inputs)
        counts: dict[str, int] = {}
        for layer in self.layers():
            if layer.name is not None:
                if layer.name in taken:
                    if layer.name in inputs:
                        raise TypednnError(
                            f"an input and a layer are named {layer.name!r}", hint="give each its own name"
                        )
                    raise TypednnError(f"two layers are named {layer.name!r}", hint="give each layer its own name")
                names[id(layer)] = layer.name
                taken.add(layer.name)
        parts = []
        for layer in self.layers():
            if id(layer) in names:
                continue
            if layer.part_of is not None:
                parts.append(layer)
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
        for layer in parts:
            # `encoder` for a recurrent layer's output, `encoder.h` for its state's part.
            owner, index = layer.part_of or (layer, 0)
            part = owner.output_parts()[index]
            names[id(layer)] = names[id(owner)] + (f".{part}" if part else "")
            if part and names[id(layer)] in taken:
                raise TypednnError(
                    f"a layer is named {names[id(layer)]!r}, the name of {names[id(owner)]!r}'s state {part}",
                    hint="give the layer another name",
                )
        return names

    def _name_inputs(self) -> tuple[str, ...]:
        """Each input's name: its own (`tn.Input(..., name=)`), else `input`, `input_1`..."""
        taken = set(self.names.values()) | {t.node.name for t in self.inputs if t.node.name is not None}
        names = []
        for tensor in self.inputs:
            name = tensor.node.name
            if name is None:
                name = fresh_name("input", taken)
            names.append(name)
        return tuple(names)

    def _name_outputs(self) -> tuple[str, ...]:
        """Each output's name: the layer that computes it (Keras's), numbered when a layer gives two."""
        names: list[str] = []
        for tensor in self.outputs:
            layer = tensor.node.layer
            if layer is None:
                raise TypednnError(
                    f"an output of the model is its input {self.input_names[self._input_index(tensor)]!r} itself",
                    hint="a model's outputs are computed by layers",
                )
            base = self.name(layer)
            names.append(fresh_name(base, set(names)))
        return tuple(names)

    def _input_index(self, tensor: AnyTensor) -> int:
        return next(i for i, t in enumerate(self.inputs) if t is tensor)

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


def fresh_name(base: str, taken: set[str], *, first: int = 0) -> str:
    """`base`, else `base_1`, `base_2`...: the first not in `taken`, which it is added to.

    `first=1` starts at `base_1` (a second application of a layer named `base`).
    """
    count = first
    while (name := base if count == 0 else f"{base}_{count}") in taken:
        count += 1
    taken.add(name)
    return name
