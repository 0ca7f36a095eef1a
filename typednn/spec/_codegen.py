"""Typed Python for a model: what `typednn codegen spec.yaml` writes.

The code builds the same graph as the model (layers, hyperparameters, wiring, names),
so parameters made for the model fit it, and it passes `mypy --strict` with the
typednn plugin, which then knows every shape. It assigns each variable once (one per
tensor, named after its layer), so it needs no `allow_redefinition`. Nothing here
knows a layer kind: each call is written from the layer class's constructor signature
and its hyperparameter dataclass, then checked by building the layer from the values
the code will pass.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import keyword
import math
import re
from typing import Any, cast

from .. import nn
from .._errors import TypednnError
from .._model import Model
from .._shapes import Hyper, RecurrentHyper, Shape, Symbol
from ..export._graph_json import graph_to_dict
from ..graph import AnyLayer, AnyTensor, Graph
from ..layers import Node, Tensor
from ._constructors import arguments, check_rebuilds, signatures, wrapped_layer
from ._python_text import INDENT, LINE_LENGTH, Call, Names, docstring_text, member_order, string

# ruff's PLR0915 (too-many-statements) limit; a longer function gets a noqa for it.
_MAX_STATEMENTS = 50
# Rounds that name one layer at a time, before naming every layer whose name comes out wrong.
_ROUNDS = 20


def codegen(model: Model[Any, Any], *, function: str = "build_model", source: str | None = None) -> str:
    """The source of a module whose `function()` builds the same model, as typed Python.

    Layers with parameters always get their names, so the code states the parameter
    keys; a parameter-free layer gets one only where the model would not derive the
    same name itself. Ready-made layers of `typednn.nn` read as such (`nn.relu`).

    Args:
        model: The model, e.g. from a spec's model section (`graph_from_dict`).
        function: The name of the function that builds it.
        source: The spec file the model comes from, for the module docstring.

    Returns:
        The module's source, as `ruff format` leaves it (120 columns), with each
        tensor's shape in a comment.

    Raises:
        TypednnError: for a layer that cannot be written as a `typednn.nn` call, a named
            dim whose class cannot be imported, or a function name that is not a name.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> source = codegen(tn.Model(x, x >> nn.Dense(3) >> nn.relu))
        >>> print(source[source.index("def ") :])  # doctest: +ELLIPSIS
        def build_model() -> tn.Model[tn.Tensor[L[4]], tn.Tensor[L[3]]]:
            ...
            x = tn.Input(4)
            dense = x >> nn.Dense(3, name="dense")  # (3,)
            y = dense >> nn.relu  # (3,)
            return tn.Model(x, y)
        <BLANKLINE>
    """
    if not function.isidentifier() or keyword.iskeyword(function):
        raise TypednnError(f"the function name {function!r} is not a Python name", hint="e.g. build_model")
    return _Writer(model, function).module(source)


class _Writer:
    """Writes one model: the names chosen so far and the imports they need."""

    def __init__(self, model: Model[Any, Any], function: str) -> None:
        self.model = model
        self.graph = model.graph
        self.function = function
        self.several = len(self.graph.inputs) > 1 or len(self.graph.outputs) > 1
        # Names as an export writes them; this also refuses layers that no spec kind builds.
        self.entry_names = [_entry_name(entry) for entry in graph_to_dict(self.graph)["layers"]]
        self.names = Names(function, "tn", "nn", "L", "Any", "x", "y")
        self.imported: dict[str, str] = {}  # named dims and custom layers: full name -> name here
        self.typing: set[str] = set()  # the names the annotations take from `typing`

    # --- the module -------------------------------------------------------------------

    def module(self, source: str | None) -> str:
        graph = self.graph
        # First: dims keep their own names.
        ins = [self._tensor_type(x.shape) for x in graph.inputs]
        outs = [self._tensor_type(y.shape) for y in graph.outputs]
        statements = self._body()
        signature = f"def {self.function}() -> tn.Model[{_tupled(ins)}, {_tupled(outs)}]:"
        aliases: list[str] = []
        if len(signature) > LINE_LENGTH:
            # One alias per tensor type: `DigitsInput = tn.Tensor[...]`, or by name for several.
            base = "".join(part.capitalize() for part in self.function.split("_") if part) or "Model"
            labels = [
                [f"{base}{_camel(name)}" for name in names] if len(names) > 1 else [f"{base}{part}"]
                for names, part in ((self.model.input_names, "Input"), (self.model.output_names, "Output"))
            ]
            spelled_all = [*ins, *outs]
            names = [self.names.constant(label) for label in (*labels[0], *labels[1])]
            for name, spelled in zip(names, spelled_all):
                generic, _, rest = spelled.partition("[")
                aliases += Call(f"{name} = {generic}", tuple(rest[:-1].split(", ")), "[]").lines("")
            aliases += ["", ""]
            signature = (
                f"def {self.function}() -> tn.Model[{_tupled(names[: len(ins)])}, {_tupled(names[len(ins) :])}]:"
            )
        if len(statements) > _MAX_STATEMENTS:
            signature += "  # noqa: PLR0915"
        return "\n".join(
            [
                *self._docstring(source),
                "",
                *self._imports(),
                "",
                "",
                *aliases,
                signature,
                f'{INDENT}"""Build the model; each comment gives a tensor\'s shape (the batch axis is implicit)."""',
                *(line for statement in statements for line in statement),
                "",
            ]
        )

    def _docstring(self, source: str | None) -> list[str]:
        named = f"The model {docstring_text(self.model.name)!r} as typed Python, generated by `typednn codegen`"
        summary = [f'"""{named} from {docstring_text(source)}.'] if source is not None else [f'"""{named}.']
        if len(summary[0]) > LINE_LENGTH:
            summary = [f'"""{named}.', "", "Spec file:", docstring_text(source)]
        maps = f"It maps {self.model.signature()} per example."
        return [
            *summary,
            "",
            *([maps] if len(maps) <= LINE_LENGTH else []),
            "mypy with `plugins = typednn.mypy` checks each shape; layers with parameters keep their",
            "names, so the original model's parameters fit this one.",
            '"""',
        ]

    def _imports(self) -> list[str]:
        # Sorted as ruff's isort does where typednn is installed (third-party) and the
        # dims and custom layers are the project's own (first-party).
        groups = [[f"from typing import {name}" for name in sorted(self.typing)]]
        groups.append(["import typednn as tn", "from typednn import nn"])
        modules: dict[str, list[tuple[str, str]]] = {}
        for fullname, alias in self.imported.items():
            module, _, name = fullname.rpartition(".")
            modules.setdefault(module, []).append((name, alias))
        groups.append([])
        for module in sorted(modules, key=lambda m: (m.lower(), m)):
            # One line for the names imported as themselves, one per alias, in the order of their first names.
            plain = sorted((name for name, alias in modules[module] if name == alias), key=member_order)
            lines = [
                (member_order(name), [f"from {module} import {name} as {alias}"])
                for name, alias in modules[module]
                if name != alias
            ]
            if plain:
                line = f"from {module} import {', '.join(plain)}"
                split = Call(f"from {module} import ", tuple(plain)).lines("")
                lines.append((member_order(plain[0]), [line] if len(line) <= LINE_LENGTH else split))
            groups[-1] += [line for _, group in sorted(lines) for line in group]
        return [line for group in groups if group for line in ["", *group]][1:]

    # --- the function body ------------------------------------------------------------

    def _body(self) -> list[list[str]]:
        """The function's statements (without its docstring), each as its lines."""
        graph = self.graph
        nodes = graph.nodes()
        unnamed = _unnamed_layers(graph, self.entry_names)
        applications = {id(layer): 0 for layer in graph.layers()}
        for node, _ in nodes:
            applications[id(node.layer)] += 1
        statements = []
        variables: dict[int, str] = {}
        for x, name in zip(graph.inputs, self.model.input_names):
            # One input is `x`, as in the docs; several are named, and keep their names.
            variables[id(x)] = self.names.variable(name) if self.several else "x"
            dtype = ('dtype="int32"',) if x.shape.tokens else ()
            named = (f"name={string(name)}",) if self.several or x.node.name is not None else ()
            call = Call(f"{variables[id(x)]} = tn.Input", (*map(self._literal, x.shape.dims), *dtype, *named))
            statements.append(call.lines(INDENT))
        if not self.several:
            (y,) = graph.outputs
            variables[id(y)] = "y"
        bound: dict[int, str] = {}  # the variables of layers applied more than once
        parts = _parts_of(nodes)
        for index, (node, tensor) in enumerate(entries(nodes)):
            layer = node.layer
            assert layer is not None
            ready = _ready_made(layer) if id(layer) in unnamed else None
            if id(layer) in bound or ready is not None:
                call = Call(bound.get(id(layer)) or ready or "")
            else:
                call = self._constructor(layer, named=id(layer) not in unnamed)
                if applications[id(layer)] > 1:
                    bound[id(layer)] = self.names.variable(graph.name(layer), "_layer")
                    statements.append(call.assigned(bound[id(layer)]).lines(INDENT))
                    call = Call(bound[id(layer)])
            inputs = tuple(variables[id(t)] for t in node.inputs)
            if isinstance(layer.hyper, RecurrentHyper) and len(inputs) > 1:
                # A recurrent layer's inputs after the first are its initial state.
                inputs = (inputs[0], f"initial_state=({', '.join(inputs[1:])}{',' if len(inputs) == 2 else ''})")
            if id(tensor) in parts:
                statements.append(self._unpacked(parts[id(tensor)], call, inputs, variables))
                continue
            if id(tensor) not in variables:
                # One variable per tensor, assigned once: `h = h >> ...` needs allow_redefinition
                # (h's type changes). No `a >> b >> c` chains: mypy reports their errors at the first line.
                variables[id(tensor)] = self.names.variable(self.entry_names[index])
            statements += self._application(variables[id(tensor)], call, inputs, layer, f"# {tensor.shape!r}")
        default_name = inspect.signature(Model.__init__).parameters["name"].default
        named = () if self.model.name == default_name else (f"name={string(self.model.name)}",)
        ends = [[variables[id(t)] for t in tensors] for tensors in (graph.inputs, graph.outputs)]
        returned = tuple(_tupled(names, "(") for names in ends)
        statements.append(Call("return tn.Model", (*returned, *named)).lines(INDENT))
        return statements

    def _unpacked(
        self, parts: list[AnyTensor | None], call: Call, inputs: tuple[str, ...], variables: dict[int, str]
    ) -> list[str]:
        """`encoder, encoder_h, encoder_c = nn.LSTM(..., return_state=True)(x)`; `_` for a part not used."""
        targets = []
        for picked in parts:
            if picked is None:
                targets.append("_")
                continue
            part_name = self.graph.name(cast(AnyLayer, picked.node.layer))
            variables.setdefault(id(picked), self.names.variable(part_name))
            targets.append(variables[id(picked)])
        shapes = ", ".join(repr(t.shape) for t in parts if t is not None)
        return Call(f"{', '.join(targets)} = {call.flat()}", inputs).lines(INDENT, f"# {shapes}")

    def _application(
        self, target: str, call: Call, inputs: tuple[str, ...], layer: AnyLayer, comment: str
    ) -> list[list[str]]:
        """`target = source >> layer`, or for a merge `target = layer(a, b)`."""
        if len(inputs) == 1:
            return [dataclasses.replace(call, head=f"{target} = {inputs[0]} >> {call.head}").lines(INDENT, comment)]
        statement = Call(f"{target} = {call.flat()}", inputs)
        if len(INDENT + statement.head) < LINE_LENGTH:
            return [statement.lines(INDENT, comment)]
        # The layer's own call is too long to open the line: bind it first.
        name = self.names.variable(self.graph.name(layer), "_layer")
        return [call.assigned(name).lines(INDENT), Call(f"{target} = {name}", inputs).lines(INDENT, comment)]

    def _constructor(self, layer: AnyLayer, *, named: bool, within: str | None = None) -> Call:
        """The `nn.Class(...)` (or custom `Class(...)`) call that builds `layer`, checked by building it.

        `within` names the wrapper whose hyperparameters hold `layer` (it is in no graph).
        """
        cls = type(layer)
        where = f"{within or self.graph.name(layer)}: {layer!r}"
        if getattr(nn, cls.__name__, None) is cls:
            callee = f"nn.{cls.__name__}"
        else:  # a custom layer (export has refused unregistered ones): imported from its module
            hint = "define a custom layer at the top level of a module that the code can import"
            callee = self._import(f"{cls.__module__}.{cls.__qualname__}", f"{where}: {cls.__qualname__}", hint)
        values = layer.hyper.values()
        given = {
            field.name: values[field.name]
            for field in dataclasses.fields(layer.hyper)
            if field.default is dataclasses.MISSING or values[field.name] != field.default
        }
        if named:
            given["name"] = self.graph.name(layer)
        found = ((signature, arguments(signature, given)) for signature in signatures(cls))
        signature, taken = next(((s, found_) for s, found_ in found if found_ is not None), (None, None))
        if signature is None or taken is None:
            raise TypednnError(
                f"{where}: no signature of {cls.__name__}() takes {', '.join(given) or 'no arguments'}",
                hint="a layer's constructor must take each hyperparameter under its field name",
            )
        positional, by_name = taken
        check_rebuilds(layer, signature, positional, by_name, where)
        items = [*map(self._literal, positional), *(f"{key}={self._literal(v)}" for key, v in by_name.items())]
        return Call(callee, tuple(items))

    # --- values and types -------------------------------------------------------------

    def _literal(self, value: object) -> str:
        if isinstance(value, Hyper):  # a wrapped layer: `nn.Bidirectional(nn.LSTM(64))`
            return self._constructor(wrapped_layer(value), named=False, within="a wrapped layer").flat()
        if isinstance(value, Symbol):
            return self._dim(value)
        if isinstance(value, tuple):
            items = [self._literal(item) for item in value]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, str):
            return string(value)
        if value is None or isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
            return repr(value)
        raise TypednnError(f"the value {value!r} cannot be written as Python", hint="use ints, floats and strings")

    def _dim(self, symbol: Symbol) -> str:
        hint = "define tn.Dim subclasses at the top level of a module, e.g. myproject/dims.py"
        return self._import(symbol.fullname, f"the named dim {symbol.fullname!r}", hint)

    def _import(self, fullname: str, what: str, hint: str) -> str:
        """The name under which the code refers to a class it imports (a named dim, a custom layer)."""
        if fullname not in self.imported:
            module, _, name = fullname.rpartition(".")
            if module in ("", "__main__") or not all(part.isidentifier() for part in fullname.split(".")):
                raise TypednnError(f"{what} cannot be imported, so the code cannot name it", hint=hint)
            self.imported[fullname] = self.names.constant(name)
        return self.imported[fullname]

    def _tensor_type(self, shape: Shape) -> str:
        sizes: list[str] = []
        for size in shape.dims:
            if isinstance(size, int):
                self.typing.add("Literal as L")
                sizes.append(f"L[{size}]")
            elif isinstance(size, Symbol):
                sizes.append(self._dim(size))
            else:  # what the plugin gives for a size it cannot compute
                self.typing.add("Any")
                sizes.append("Any")
        return f"tn.{'Tokens' if shape.tokens else 'Tensor'}[{', '.join(sizes) or '()'}]"


# --- names ------------------------------------------------------------------------------


def _unnamed_layers(graph: Graph, wanted: list[str]) -> set[int]:
    """The parameter-free layers that the code may leave unnamed (or write as `nn.relu`).

    That is safe where the model the code builds gives every layer application the name
    the original's export gives it: the code's model is built here (not by running the
    code), and layers whose names come out different are named, until none do. One
    wrong name shifts the derived names after it (`relu_1` becomes `relu_2`), so each
    round names only the first layer that is wrong; after `_ROUNDS`, every one.
    """
    unnamed = {id(layer) for layer in graph.layers() if not layer.has_params}
    for round_ in itertools.count():
        got = [_entry_name(entry) for entry in graph_to_dict(_rebuild(graph, unnamed))["layers"]]
        wrong = [id(node.layer) for (node, _), a, b in zip(entries(graph.nodes()), wanted, got) if a != b]
        if not wrong:
            break
        unnamed -= set(wrong) if round_ >= _ROUNDS else {wrong[0]}
    return unnamed


def _rebuild(graph: Graph, unnamed: set[int]) -> Graph:
    """The graph that the generated code builds when the layers in `unnamed` get no name."""
    copies: dict[int, AnyLayer] = {}
    for layer in graph.layers():
        ready = _ready_made(layer) if id(layer) in unnamed else None
        if ready is not None:
            copies[id(layer)] = getattr(nn, ready[len("nn.") :])
        else:
            name = None if id(layer) in unnamed else graph.name(layer)
            copies[id(layer)] = type(layer).from_hyper(layer.hyper, name=name)
    tensors: dict[int, AnyTensor] = {id(x): Tensor(Node(None, (), x.node.name), x.shape) for x in graph.inputs}
    outputs: dict[int, tuple[AnyTensor, ...]] = {}  # each node's outputs, by its tensor
    for node, tensor in graph.nodes():
        assert node.layer is not None
        if node.layer.part_of is not None:
            # A recurrent layer's output or state: its copy's, as the code unpacks them.
            tensors[id(tensor)] = outputs[id(node.inputs[0])][node.layer.part_of[1]]
            continue
        outputs[id(tensor)] = copies[id(node.layer)].outputs_of(tuple(tensors[id(t)] for t in node.inputs))
        tensors[id(tensor)] = outputs[id(tensor)][0]
    return Graph(tuple(tensors[id(x)] for x in graph.inputs), tuple(tensors[id(t)] for t in graph.outputs))


def entries(nodes: list[tuple[Node, AnyTensor]]) -> list[tuple[Node, AnyTensor]]:
    """The nodes an export writes an entry for: all but the parts of a recurrent layer's outputs."""
    return [(node, tensor) for node, tensor in nodes if node.layer is not None and node.layer.part_of is None]


def _parts_of(nodes: list[tuple[Node, AnyTensor]]) -> dict[int, list[AnyTensor | None]]:
    """For each node of a layer with several outputs, its part tensors in order (None for one not used)."""
    parts: dict[int, list[AnyTensor | None]] = {}
    for node, tensor in nodes:
        if node.layer is None or node.layer.part_of is None:
            continue
        owner, index = node.layer.part_of
        (whole,) = node.inputs
        found = parts.setdefault(id(whole), [None] * len(owner.output_parts()))
        found[index] = tensor
    return parts


def _tupled(items: list[str], bracket: str = "tuple[") -> str:
    """One item as itself; several as `tuple[a, b]` (a type) or `(a, b)` (a value)."""
    if len(items) == 1:
        return items[0]
    return f"{bracket}{', '.join(items)}{']' if bracket == 'tuple[' else ')'}"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def _ready_made(layer: AnyLayer) -> str | None:
    """The object of `typednn.nn` (`nn.relu`) that computes what this parameter-free layer does."""
    if layer.has_params:
        return None
    for attribute in nn.__all__:
        value = getattr(nn, attribute)
        if type(value) is type(layer) and value.name is None and value.hyper == layer.hyper:
            return f"nn.{attribute}"
    return None


def _entry_name(entry: dict[str, Any]) -> str:
    ((_, options),) = entry.items()
    name: str = options["name"]
    return name
