"""A model's graph as plain JSON data in the vocabulary of spec files, and back.

This is the `model` section of an export's spec.json, and the format spec files use::

    {"input": [8, 8, 1],
     "layers": [
       {"conv2d": {"filters": 8, "kernel": 3, "padding": "same", "name": "stem"}},
       {"relu": {"name": "relu"}},
       {"conv2d": {"filters": 8, "kernel": 3, "padding": "same", "name": "branch"}},
       {"add": {"inputs": ["stem", "branch"], "name": "add"}},
       {"flatten": {"name": "flatten"}},
       {"dense": {"units": 10, "name": "dense"}}]}

- `input` lists one example's sizes (the batch axis is implicit): ints, or a named
  `tn.Dim`'s full name (`"myproject.dims.Seq"`). `dtype: int32` makes the input token
  ids (`tn.Tokens`, for an embedding); the default, `float32`, is features.
- Each entry of `layers` is one `{kind: options}` pair. The kinds are `KINDS` of
  `layers/_registry.py` (`dense`, `conv2d`..., and each activation by its function:
  `relu`...); the options are the fields of the layer's hyperparameter dataclass, plus:
  - `name`: the layer's name (its parameters' key), and the name of its output;
  - `inputs`: the names of the outputs it takes, where it does not take the previous
    entry's output; the model input is called `input`.
- A layer with parameters applied again (shared weights) is a `reuse` entry:
  `{"reuse": {"layer": "encoder", "inputs": ["right"], "name": "encoder_1"}}`; its
  `name` names this application's output. An export writes a parameter-free layer
  applied twice (`nn.relu` is one shared layer) as two layers instead, which computes
  the same and reads better.
- The last entry's output is the model's output; every other entry's output must be used.
- Spec files may be terser: a bare kind (`"flatten"`), one value for the kind's first
  required option (`{"dense": 10}`), and no names (the model then names the layers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._entries import expand
from .._errors import TypednnError
from .._model import Model
from .._reading import excerpt
from .._shapes import FEATURES, TOKENS, HyperparameterError, ShapeError, input_shape
from .._words import did_you_mean, no_unknown_keys, show
from ..graph import AnyLayer, AnyTensor, Graph
from ..layers import Node, Tensor, Tokens
from ..layers._registry import KINDS, Kind, kind_of
from ._options import decode_options, decode_size, encode_options, encode_size

INPUT = "input"
"""The name of the model input in `inputs`."""
REUSE = "reuse"
"""The kind of an entry that applies an earlier layer again."""

Path = tuple[str | int, ...]
Locator = Callable[[Path], str]
"""Where a part of the model section is, for messages: from its path in the section
(e.g. `("layers", 3, "dense", "units")`) to text such as `spec.json: model.layers[3]`
or, for a spec file with positions, `spec.yaml:12:9`."""


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """The model section for a graph from one input to one output.

    Every entry gets its name, so loading gives the layers (and parameters) the same names.

    Raises:
        TypednnError: for a layer that no spec kind builds, or one named `input`.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> graph_to_dict(tn.Model(x, x >> nn.Dense(3) >> nn.relu).graph)
        {'input': [4], 'layers': [{'dense': {'units': 3, 'name': 'dense'}}, {'relu': {'name': 'relu'}}]}
    """
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise TypednnError(
            f"only a model with one input and one output can be written, not {len(graph.inputs)} and"
            f" {len(graph.outputs)}",
        )
    (x,) = graph.inputs
    taken = {INPUT}
    for layer in graph.layers():
        name = graph.name(layer)
        if name == INPUT:
            raise TypednnError(
                f"a layer is named {INPUT!r}, the name a spec gives the model input",
                hint="give the layer another name",
            )
        taken.add(name)
    names: dict[int, str] = {id(x): INPUT}
    written: set[int] = set()
    previous: AnyTensor = x
    entries: list[dict[str, Any]] = []
    for node, tensor in graph.nodes():
        layer = node.layer
        assert layer is not None
        name = graph.name(layer)
        options: dict[str, Any]
        if id(layer) in written and layer.has_params:
            kind_name, options, name = REUSE, {"layer": name}, _fresh(name, taken)
        else:
            if id(layer) in written:
                name = _fresh(name, taken)
            kind = kind_of(layer)
            if kind is None:
                raise TypednnError(
                    f"{name}: {type(layer).__name__} has no kind that a spec can name",
                    hint="the layers of typednn.nn can be written, and custom layers marked with @tn.register_layer",
                )
            kind_name, options = kind.name, encode_options(kind, layer.hyper)
        written.add(id(layer))
        if len(node.inputs) != 1 or node.inputs[0] is not previous:
            options["inputs"] = [names[id(t)] for t in node.inputs]
        options["name"] = name
        names[id(tensor)] = name
        previous = tensor
        entries.append({kind_name: options})
    dtype = {"dtype": TOKENS} if x.shape.tokens else {}
    return {"input": [encode_size(size) for size in x.shape.dims], **dtype, "layers": entries}


def _fresh(base: str, taken: set[str]) -> str:
    count = 1
    while f"{base}_{count}" in taken:
        count += 1
    taken.add(f"{base}_{count}")
    return f"{base}_{count}"


def default_locator(source: str) -> Locator:
    """Locations as `source: model.layers[3]`: the entry, or the input size, of the path."""

    def locate(path: Path) -> str:
        return f"{source}: model" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path[:2])

    return locate


def graph_from_dict(
    section: object, *, source: str, name: str = "model", locate: Locator | None = None
) -> Model[Any, Any]:
    """Build and validate the model a model section describes.

    Args:
        section: The model section, as parsed from JSON or YAML.
        source: The file it comes from, for messages.
        name: The model's name.
        locate: Where a path in the section is, for messages (default: `default_locator`).

    Returns:
        The model, validated by the shape rules.

    Raises:
        TypednnError: for a malformed section, an unknown kind, name or reference.
        HyperparameterError: for hyperparameters the layer rejects.
        ShapeError: for a layer whose rule rejects its input, naming the entry.

    Example:
        >>> model = graph_from_dict({"input": [8, 8, 1], "layers": ["flatten", {"dense": 10}]}, source="spec.yaml")
        >>> model
        Model((8, 8, 1) -> (10,))
    """
    at = locate or default_locator(source)
    if not isinstance(section, dict):
        raise TypednnError(f"{at(())}: must be a mapping with 'input' and 'layers', not {show(section)}")
    no_unknown_keys(section, ("input", "dtype", "layers"), at(()))
    for key in ("input", "layers"):
        if key not in section:
            raise TypednnError(f"{at(())}: {key!r} is missing", hint="a model has 'input' and 'layers'")
    x = _input(section["input"], section.get("dtype", FEATURES), at)
    layers = section["layers"]
    if not isinstance(layers, list) or not layers:
        raise TypednnError(f"{at(('layers',))}: must be a non-empty list of layers, not {show(layers)}")
    outputs: dict[str, tuple[int, AnyTensor]] = {INPUT: (-1, x)}  # the entry and output of each name
    defined: dict[str, AnyLayer] = {}  # named layers, for `reuse`
    locations: dict[str, str] = {}
    used: set[int] = set()
    previous: AnyTensor = x
    for index, entry in enumerate(layers):
        path: Path = ("layers", index)
        kind_name, options = _entry(entry, at(path))
        entry_name = _name(options.pop("name", None), outputs, at((*path, kind_name, "name")))
        where = f"{at(path)} ({entry_name or kind_name})"
        sources = _references(options.pop("inputs", None), outputs, at((*path, kind_name, "inputs")))
        layer = _layer(kind_name, options, entry_name, defined, at, path, where)
        if entry_name is not None and kind_name != REUSE:
            defined[entry_name] = layer
            locations[entry_name] = where
        used.update(outputs[source][0] for source in sources)
        inputs = tuple(outputs[source][1] for source in sources) if sources else (previous,)
        if not sources:
            used.add(index - 1)
        try:
            previous = layer.apply_to(inputs)
        except ShapeError as error:
            raise error.at(where) from None
        if entry_name is not None:
            outputs[entry_name] = (index, previous)
    for index in range(len(layers) - 1):
        if index not in used:
            raise TypednnError(
                f"{at(('layers', index))}: the output of this layer is never used",
                hint="name it and list it in a later layer's `inputs`, or remove it",
            )
    try:
        return Model(x, previous, name=name)
    except ShapeError as error:
        # A shared layer applied to another shape than at its first use.
        raise error.at(locations.get(error.where or "", f"{source}: {error.where}")) from None


def _input(value: object, dtype: object, at: Locator) -> AnyTensor:
    if not isinstance(value, list):
        raise TypednnError(
            f"{at(('input',))}: must be a list of sizes, such as [28, 28, 1], not {show(value)}",
            hint="the batch axis is implicit",
        )
    if dtype not in (FEATURES, TOKENS):
        raise TypednnError(
            f"{at(('dtype',))}: the input dtype is {FEATURES!r} (features) or {TOKENS!r} (token ids),"
            f" not {show(dtype)}",
            hint="token ids feed an embedding layer",
        )
    try:
        shape = input_shape(tuple(decode_size(size) for size in value), dtype=dtype)
    except TypednnError as error:
        raise TypednnError(f"{at(('input',))}: {error.message}", hint=error.hint) from None
    return (Tokens if shape.tokens else Tensor)(Node(None, ()), shape)


def _entry(entry: object, where: str) -> tuple[str, dict[str, object]]:
    """An entry's kind and options, with the shorthands of spec files expanded."""
    return expand(
        entry,
        what="layer kind",
        kinds=[*KINDS, REUSE],
        main=lambda kind: "layer" if kind == REUSE else KINDS[kind].main_option(),
        at=lambda part: where,
        more="; a custom layer is a kind once its module is imported (typednn --import MODULE)",
    )


def _name(value: object, outputs: dict[str, Any], where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise TypednnError(f"{where}: a layer's name must be a non-empty string, not {show(value)}")
    if value in outputs:
        raise TypednnError(
            f"{where}: the name {excerpt(value, length=60)} is already taken"
            + (" by the model input" if value == INPUT else ""),
            hint="give each layer its own name",
        )
    return value


def _references(value: object, outputs: dict[str, Any], where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise TypednnError(f"{where}: `inputs` must be a non-empty list of names, not {show(value)}")
    for reference in value:
        if reference not in outputs:
            raise TypednnError(
                f"{where}: no earlier layer is named {excerpt(reference, length=60)}{did_you_mean(reference, outputs)}",
                hint=f"`inputs` names the model input ({INPUT!r}) or layers above this one",
            )
    return value


def _layer(
    kind_name: str,
    options: dict[str, object],
    entry_name: str | None,
    defined: dict[str, AnyLayer],
    at: Locator,
    path: Path,
    where: str,
) -> AnyLayer:
    """The layer an entry applies: a new one, or for `reuse` an earlier one."""
    if kind_name == REUSE:
        reused = options.pop("layer", None)
        if options:
            raise TypednnError(
                f"{at((*path, REUSE, next(iter(options))))}: reuse takes only layer, inputs and name,"
                f" not {', '.join(map(repr, options))}",
                hint="the reused layer keeps its own hyperparameters",
            )
        if not isinstance(reused, str) or reused not in defined:
            raise TypednnError(
                f"{at((*path, REUSE, 'layer'))}: reuse needs the name of an earlier layer,"
                f" not {show(reused)}{did_you_mean(reused, defined)}",
                hint="give the layer a name where it is defined, and reuse that name",
            )
        return defined[reused]
    kind: Kind = KINDS[kind_name]
    suffix = where[len(at(path)) :]  # the entry's name, e.g. " (dense)"
    values = decode_options(kind, options, where=where, at=lambda option: at((*path, kind_name, option)) + suffix)
    try:
        return kind.build(values, name=entry_name)
    except HyperparameterError as error:
        raise HyperparameterError(f"{where}: {error.message}", hint=error.hint) from None
