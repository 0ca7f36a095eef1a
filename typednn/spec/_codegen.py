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

import builtins
import dataclasses
import inspect
import itertools
import keyword
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import nn
from .._errors import TypednnError
from .._model import Model
from .._shapes import Dim, HyperparameterError, Params, Shape, Symbol
from ..export._graph_json import graph_to_dict
from ..export._options import params_kind
from ..graph import AnyLayer, AnyTensor, Graph
from ..layers import Node, Tensor

LINE_LENGTH = 120
"""The longest line written (the project's ruff setting); a longer call gets one argument per line."""
_INDENT = "    "
# ruff's PLR0915 (too-many-statements) limit; a longer function gets a noqa for it.
_MAX_STATEMENTS = 50
# Rounds that name one layer at a time, before naming every layer whose name comes out wrong.
_ROUNDS = 20
# Variables named after long layer names are cut, so `a = b >> c` (each maybe with `_12`) fits.
_MAX_VARIABLE = 30


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


@dataclass(frozen=True)
class _Call:
    """A statement that ends in a bracketed list, which may be split one item per line."""

    head: str
    items: tuple[str, ...] | None = None  # None: no brackets
    brackets: str = "()"

    def flat(self) -> str:
        if self.items is None:
            return self.head
        return f"{self.head}{self.brackets[0]}{', '.join(self.items)}{self.brackets[1]}"

    def lines(self, indent: str, comment: str | None = None) -> list[str]:
        """As `ruff format` writes it: one line, then the comment above it, then one item per line."""
        flat = indent + self.flat()
        if comment is not None and len(flat) + 2 + len(comment) <= LINE_LENGTH:
            return [f"{flat}  {comment}"]
        above = [] if comment is None else [indent + comment]
        if len(flat) <= LINE_LENGTH or not self.items:
            return [*above, flat]
        # The trailing comma keeps ruff from joining the lines again (its "magic trailing comma").
        inner = [_fitted(f"{indent}{_INDENT}{item},") for item in self.items]
        return [*above, f"{indent}{self.head}{self.brackets[0]}", *inner, indent + self.brackets[1]]

    def assigned(self, target: str) -> _Call:
        return dataclasses.replace(self, head=f"{target} = {self.head}")


class _Names:
    """Python names, each used once: valid, not a keyword or builtin, lowercase for variables."""

    def __init__(self, *taken: str) -> None:
        self.taken = set(taken)

    def variable(self, wanted: str, suffix: str = "") -> str:
        """`wanted` as a variable.

        >>> names = _Names("x")
        >>> [names.variable(n) for n in ["Dense", "dense", "class", "x", "3x3"]] + [names.variable("a b", "_layer")]
        ['dense', 'dense_out', 'class_out', 'x_out', 't_3x3', 'a_b_layer']
        """
        base = re.sub(r"[^0-9a-z_]+", "_", wanted.lower()).strip("_")[: _MAX_VARIABLE - len(suffix)] or "t"
        base = f"t_{base}" if base[0].isdigit() else base
        first = [base + suffix] if suffix else [base, f"{base}_out"]
        return self._first(itertools.chain(first, (f"{base}{suffix}_{n}" for n in itertools.count(2))))

    def constant(self, wanted: str) -> str:
        return self._first(itertools.chain([wanted], (f"{wanted}{n}" for n in itertools.count(2))))

    def _first(self, candidates: typing.Iterable[str]) -> str:
        for name in candidates:
            if name not in self.taken and not keyword.iskeyword(name) and not hasattr(builtins, name):
                self.taken.add(name)
                return name
        raise AssertionError("unreachable: the candidates never end")


class _Writer:
    """Writes one model: the names chosen so far and the imports they need."""

    def __init__(self, model: Model[Any, Any], function: str) -> None:
        self.model = model
        self.graph = model.graph
        self.function = function
        if len(self.graph.inputs) != 1 or len(self.graph.outputs) != 1:
            raise TypednnError("only a model with one input and one output can be written as Python")
        # Names as an export writes them; this also refuses layers that no spec kind builds.
        self.entry_names = [_entry_name(entry) for entry in graph_to_dict(self.graph)["layers"]]
        self.names = _Names(function, "tn", "nn", "L", "Any", "x", "y")
        self.imported: dict[str, str] = {}  # named dims and custom layers: full name -> name here
        self.typing: set[str] = set()  # the names the annotations take from `typing`

    # --- the module -------------------------------------------------------------------

    def module(self, source: str | None) -> str:
        (x,), (y,) = self.graph.inputs, self.graph.outputs
        types = (self._tensor_type(x.shape), self._tensor_type(y.shape))  # first: dims keep their own names
        statements = self._body()
        signature = f"def {self.function}() -> tn.Model[{types[0]}, {types[1]}]:"
        aliases: list[str] = []
        if len(signature) > LINE_LENGTH:
            base = "".join(part.capitalize() for part in self.function.split("_") if part) or "Model"
            names = (self.names.constant(f"{base}Input"), self.names.constant(f"{base}Output"))
            for name, spelled in zip(names, types):
                generic, _, rest = spelled.partition("[")
                aliases += _Call(f"{name} = {generic}", tuple(rest[:-1].split(", ")), "[]").lines("")
            aliases += ["", ""]
            signature = f"def {self.function}() -> tn.Model[{names[0]}, {names[1]}]:"
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
                f'{_INDENT}"""Build the model; each comment gives a tensor\'s shape (the batch axis is implicit)."""',
                *(line for statement in statements for line in statement),
                "",
            ]
        )

    def _docstring(self, source: str | None) -> list[str]:
        named = f"The model {_text(self.model.name)!r} as typed Python, generated by `typednn codegen`"
        summary = [f'"""{named} from {_text(source)}.'] if source is not None else [f'"""{named}.']
        if len(summary[0]) > LINE_LENGTH:
            summary = [f'"""{named}.', "", "Spec file:", _text(source)]
        maps = f"It maps {self.graph.inputs[0].shape!r} -> {self.graph.outputs[0].shape!r} per example."
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
            plain = sorted((name for name, alias in modules[module] if name == alias), key=_member_order)
            lines = [
                (_member_order(name), [f"from {module} import {name} as {alias}"])
                for name, alias in modules[module]
                if name != alias
            ]
            if plain:
                line = f"from {module} import {', '.join(plain)}"
                split = _Call(f"from {module} import ", tuple(plain)).lines("")
                lines.append((_member_order(plain[0]), [line] if len(line) <= LINE_LENGTH else split))
            groups[-1] += [line for _, group in sorted(lines) for line in group]
        return [line for group in groups if group for line in ["", *group]][1:]

    # --- the function body ------------------------------------------------------------

    def _body(self) -> list[list[str]]:
        """The function's statements (without its docstring), each as its lines."""
        graph = self.graph
        (x,), (y,) = graph.inputs, graph.outputs
        nodes = graph.nodes()
        unnamed = _unnamed_layers(graph, self.entry_names)
        applications = {id(layer): 0 for layer in graph.layers()}
        for node, _ in nodes:
            applications[id(node.layer)] += 1
        variables = {id(x): "x", id(y): "y" if y is not x else "x"}
        dtype = ('dtype="int32"',) if x.shape.tokens else ()
        statements = [_Call("x = tn.Input", (*map(self._literal, x.shape.dims), *dtype)).lines(_INDENT)]
        bound: dict[int, str] = {}  # the variables of layers applied more than once
        for index, (node, tensor) in enumerate(nodes):
            layer = node.layer
            assert layer is not None
            ready = _ready_made(layer) if id(layer) in unnamed else None
            if id(layer) in bound or ready is not None:
                call = _Call(bound.get(id(layer)) or ready or "")
            else:
                call = self._constructor(layer, named=id(layer) not in unnamed)
                if applications[id(layer)] > 1:
                    bound[id(layer)] = self.names.variable(graph.name(layer), "_layer")
                    statements.append(call.assigned(bound[id(layer)]).lines(_INDENT))
                    call = _Call(bound[id(layer)])
            if id(tensor) not in variables:
                # One variable per tensor, assigned once: `h = h >> ...` needs allow_redefinition
                # (h's type changes). No `a >> b >> c` chains: mypy reports their errors at the first line.
                variables[id(tensor)] = self.names.variable(self.entry_names[index])
            inputs = tuple(variables[id(t)] for t in node.inputs)
            statements += self._application(variables[id(tensor)], call, inputs, layer, f"# {tensor.shape!r}")
        default_name = inspect.signature(Model.__init__).parameters["name"].default
        named = () if self.model.name == default_name else (f"name={_string(self.model.name)}",)
        statements.append(_Call("return tn.Model", ("x", variables[id(y)], *named)).lines(_INDENT))
        return statements

    def _application(
        self, target: str, call: _Call, inputs: tuple[str, ...], layer: AnyLayer, comment: str
    ) -> list[list[str]]:
        """`target = source >> layer`, or for a merge `target = layer(a, b)`."""
        if len(inputs) == 1:
            return [dataclasses.replace(call, head=f"{target} = {inputs[0]} >> {call.head}").lines(_INDENT, comment)]
        statement = _Call(f"{target} = {call.flat()}", inputs)
        if len(_INDENT + statement.head) < LINE_LENGTH:
            return [statement.lines(_INDENT, comment)]
        # The layer's own call is too long to open the line: bind it first.
        name = self.names.variable(self.graph.name(layer), "_layer")
        return [call.assigned(name).lines(_INDENT), _Call(f"{target} = {name}", inputs).lines(_INDENT, comment)]

    def _constructor(self, layer: AnyLayer, *, named: bool, within: str | None = None) -> _Call:
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
        values = layer.params.values()
        given = {
            field.name: values[field.name]
            for field in dataclasses.fields(layer.params)
            if field.default is dataclasses.MISSING or values[field.name] != field.default
        }
        if named:
            given["name"] = self.graph.name(layer)
        found = (_arguments(signature, given) for signature in _signatures(cls))
        arguments = next((found_ for found_ in found if found_ is not None), None)
        if arguments is None:
            raise TypednnError(
                f"{where}: no signature of {cls.__name__}() takes {', '.join(given) or 'no arguments'}",
                hint="a layer's constructor must take each hyperparameter under its field name",
            )
        positional, by_name = arguments
        _check_rebuilds(layer, positional, by_name, where)
        items = [*map(self._literal, positional), *(f"{key}={self._literal(v)}" for key, v in by_name.items())]
        return _Call(callee, tuple(items))

    # --- values and types -------------------------------------------------------------

    def _literal(self, value: object) -> str:
        if isinstance(value, Params):  # a wrapped layer: `nn.Bidirectional(nn.LSTM(64))`
            return self._constructor(_wrapped_layer(value), named=False, within="a wrapped layer").flat()
        if isinstance(value, Symbol):
            return self._dim(value)
        if isinstance(value, tuple):
            items = [self._literal(item) for item in value]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, str):
            return _string(value)
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
        wrong = [id(node.layer) for (node, _), a, b in zip(graph.nodes(), wanted, got) if a != b]
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
            copies[id(layer)] = type(layer).from_params(layer.params, name=name)
    (x,) = graph.inputs
    tensors: dict[int, AnyTensor] = {id(x): Tensor(Node(None, ()), x.shape)}
    for node, tensor in graph.nodes():
        assert node.layer is not None
        tensors[id(tensor)] = copies[id(node.layer)].apply_to(tuple(tensors[id(t)] for t in node.inputs))
    return Graph((tensors[id(x)],), tuple(tensors[id(t)] for t in graph.outputs))


def _ready_made(layer: AnyLayer) -> str | None:
    """The object of `typednn.nn` (`nn.relu`) that computes what this parameter-free layer does."""
    if layer.has_params:
        return None
    for attribute in nn.__all__:
        value = getattr(nn, attribute)
        if type(value) is type(layer) and value.name is None and value.params == layer.params:
            return f"nn.{attribute}"
    return None


def _entry_name(entry: dict[str, Any]) -> str:
    ((_, options),) = entry.items()
    name: str = options["name"]
    return name


# --- constructor calls ------------------------------------------------------------------


def _signatures(cls: type[AnyLayer]) -> list[inspect.Signature]:
    """The constructor's signatures: each overload (`Dense(units)`, `Dense(in, units)`), else the one."""
    functions: list[Callable[..., Any]] = list(typing.get_overloads(cls.__init__)) or [cls.__init__]
    return [inspect.signature(function) for function in functions]


def _arguments(signature: inspect.Signature, given: dict[str, Any]) -> tuple[list[Any], dict[str, Any]] | None:
    """How a signature takes these values: required ones positionally, the rest by keyword.

    Returns None when it cannot take them all: a parameter it lacks, a required one
    without a value, or one it takes only by position.
    """
    parameters = list(signature.parameters.values())[1:]  # without self
    if not set(given) <= {p.name for p in parameters if p.kind is not p.VAR_KEYWORD}:
        return None
    positional: list[Any] = []
    by_name: dict[str, Any] = {}
    for parameter in parameters:
        required = parameter.default is parameter.empty
        if parameter.name not in given:
            if required and parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                return None
            continue
        value = given[parameter.name]
        if parameter.kind is parameter.VAR_POSITIONAL:  # Reshape(*shape)
            if by_name or not isinstance(value, tuple):
                return None
            positional.extend(value)
        elif parameter.kind is parameter.POSITIONAL_OR_KEYWORD and required and not by_name:
            positional.append(value)
        elif parameter.kind is parameter.POSITIONAL_ONLY:
            return None
        else:
            by_name[parameter.name] = value
    return positional, by_name


def _wrapped_layer(params: Params) -> AnyLayer:
    """The layer that a wrapper's hyperparameter field stands for, to write its constructor."""
    kind = params_kind(params)
    if kind is None:
        raise TypednnError(f"{params.describe()} has no kind, so the code cannot build it")
    return kind.layer.from_params(params)


def _check_rebuilds(layer: AnyLayer, positional: list[Any], by_name: dict[str, Any], where: str) -> None:
    """Build the layer from the values the code passes, so a call that differs is caught here."""

    def real(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(real(item) for item in value)
        if isinstance(value, Symbol):  # a stand-in class with the dim's full name
            module, _, name = value.fullname.rpartition(".")
            return type(name, (Dim,), {"__module__": module, "__qualname__": name})
        return _wrapped_layer(value) if isinstance(value, Params) else value

    cls = type(layer)
    call = f"{cls.__name__}({', '.join([*map(repr, positional), *(f'{k}={v!r}' for k, v in by_name.items())])})"
    try:
        rebuilt = cls(*map(real, positional), **{key: real(value) for key, value in by_name.items()})
    except (HyperparameterError, TypeError) as error:
        raise TypednnError(
            f"{where}: the code would call {call}, which fails: {error}",
            hint="a spec can give this value, but the Python constructor does not take it",
        ) from None
    if rebuilt.params != layer.params:
        raise TypednnError(
            f"{where}: the code would call {call}, which builds {rebuilt!r} instead",
            hint="a layer's constructor must take each hyperparameter under its field name",
        )


# --- text -------------------------------------------------------------------------------


def _string(text: str) -> str:
    """A string literal in double quotes, as ruff format writes it."""
    spelled = repr(text)
    if spelled.startswith("'") and '"' not in text:
        spelled = '"' + spelled[1:-1].replace("\\'", "'") + '"'
    return spelled


def _text(value: str | None) -> str:
    """Text that can stand in a docstring: no backslashes, double quotes or control characters."""
    text = (value or "").replace("\\", "/").replace('"', "'")
    return "".join(c if c.isprintable() else "?" for c in text)


def _fitted(line: str) -> str:
    """The line, with a noqa where ruff would find it too long (a long name in quotes).

    ruff's E501 spares a line of one word, which no split can shorten; so must this.
    """
    return f"{line}  # noqa: E501" if len(line) > LINE_LENGTH and len(line.split()) > 1 else line


def _member_order(name: str) -> tuple[int, str, str]:
    """The order of imported names in ruff's isort: constants, then classes, then the rest."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name
