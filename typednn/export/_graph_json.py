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
- A model with several inputs names them in `inputs` instead, a mapping from each
  input's name to its sizes, or to `{shape: [...], dtype: int32}` for token ids:
  `{"inputs": {"image": [32, 32, 3], "meta": [8]}, ...}`; its layers then say which
  they take (`inputs: [image]`), the first one always.
- Each entry of `layers` is one `{kind: options}` pair. The kinds are `KINDS` of
  `layers/_registry.py` (`dense`, `conv2d`..., and each activation by its function:
  `relu`...); the options are the fields of the layer's hyperparameter dataclass, plus:
  - `name`: the layer's name (its parameters' key), and the name of its output;
  - `inputs`: the names of the outputs it takes, where it does not take the previous
    entry's output; the model input is called `input`. A recurrent layer with
    `return_state: true` named `encoder` also gives `encoder.h` (and an LSTM's
    `encoder.c`), its final state; a recurrent layer's `inputs` may list an initial
    state after its input (`inputs: [decoder_in, encoder.h, encoder.c]`).
- A layer with parameters applied again (shared weights) is a `reuse` entry:
  `{"reuse": {"layer": "encoder", "inputs": ["right"], "name": "encoder_1"}}`; its
  `name` names this application's output. An export writes a parameter-free layer
  applied twice (`nn.relu` is one shared layer) as two layers instead, which computes
  the same and reads better.
- The last entry's output is the model's output, unless `outputs` lists the names of
  the entries whose outputs are (`"outputs": ["label", "box"]`, in order); every other
  entry's output must be used.
- Spec files may be terser: a bare kind (`"flatten"`), one value for the kind's first
  required option (`{"dense": 10}`), and no names (the model then names the layers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from .._entries import expand
from .._errors import TypednnError
from .._model import Model
from .._reading import excerpt
from .._shapes import FEATURES, TOKENS, HyperparameterError, ShapeError, input_shape
from .._words import did_you_mean, no_unknown_keys, show
from ..graph import AnyLayer, AnyTensor, Graph, fresh_name
from ..layers import Node, Tensor, Tokens
from ..layers._names import NAME_HINT, name_problem
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
    """The model section for a graph: `input` for one input, `inputs` and `outputs` for several.

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
    one = len(graph.inputs) == len(graph.outputs) == 1
    input_names = (INPUT,) if one else graph.input_names
    taken = set(input_names)
    for layer in graph.layers():
        name = graph.name(layer)
        if one and name == INPUT:
            raise TypednnError(
                f"a layer is named {INPUT!r}, the name a spec gives the model input",
                hint="give the layer another name",
            )
        taken.add(name)
    names: dict[int, str] = {id(x): name for x, name in zip(graph.inputs, input_names)}
    written: set[int] = set()
    previous: AnyTensor | None = graph.inputs[0] if one else None
    entries: list[dict[str, Any]] = []
    for node, tensor in graph.nodes():
        layer = node.layer
        assert layer is not None
        name = graph.name(layer)
        if layer.part_of is not None:
            # A recurrent layer's output or state part: no entry; later ones refer to it by
            # name (`encoder`, `encoder.h`).
            names[id(tensor)] = name
            if layer.part_of[1] == 0 and node.inputs[0] is previous:
                previous = tensor
            continue
        options: dict[str, Any]
        if id(layer) in written and layer.has_params:
            kind_name, options, name = REUSE, {"layer": name}, fresh_name(name, taken, first=1)
        else:
            if id(layer) in written:
                name = fresh_name(name, taken, first=1)
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
    if one:
        (x,) = graph.inputs
        dtype = {"dtype": TOKENS} if x.shape.tokens else {}
        return {"input": [encode_size(size) for size in x.shape.dims], **dtype, "layers": entries}
    inputs = {name: _input_entry(x) for name, x in zip(input_names, graph.inputs)}
    return {"inputs": inputs, "layers": entries, "outputs": [names[id(y)] for y in graph.outputs]}


def _input_entry(x: AnyTensor) -> object:
    sizes = [encode_size(size) for size in x.shape.dims]
    return {"shape": sizes, "dtype": TOKENS} if x.shape.tokens else sizes


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
    no_unknown_keys(section, ("input", "dtype", "inputs", "layers", "outputs"), at(()))
    given = _inputs(section, at)
    if "layers" not in section:
        raise TypednnError(f"{at(())}: 'layers' is missing", hint="a model has 'input' and 'layers'")
    layers = section["layers"]
    if not isinstance(layers, list) or not layers:
        raise TypednnError(f"{at(('layers',))}: must be a non-empty list of layers, not {show(layers)}")
    outputs: dict[str, tuple[int, AnyTensor]] = {name: (-1, x) for name, x in given.items()}  # entry and output
    defined: dict[str, AnyLayer] = {}  # named layers, for `reuse`
    locations: dict[str, str] = {}
    used: set[int] = set()
    previous: AnyTensor | None = next(iter(given.values())) if len(given) == 1 else None
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
        if not sources and previous is None:
            raise TypednnError(
                f"{where}: the model has the inputs {', '.join(map(repr, given))}: say which this layer takes",
                hint=f"e.g. inputs: [{next(iter(given))}]",
            )
        inputs = tuple(outputs[source][1] for source in sources) if sources else (cast(AnyTensor, previous),)
        if not sources:
            used.add(index - 1)
        try:
            parts = layer.outputs_of(inputs)
        except ShapeError as error:
            raise error.at(where) from None
        previous = parts[0]
        if entry_name is not None:
            outputs[entry_name] = (index, previous)
            # A recurrent layer's state with return_state: `encoder.h`, `encoder.c`.
            for part_name, part in zip(layer.output_parts()[1:], parts[1:]):
                outputs[f"{entry_name}.{part_name}"] = (index, part)
    assert previous is not None
    results = _outputs(section.get("outputs"), outputs, previous, at)
    named_outputs = section.get("outputs")
    used.update(outputs[name][0] for name in named_outputs or ())
    # Without `outputs`, the last entry's output is the model's.
    for index in range(len(layers) - (named_outputs is None)):
        if index not in used:
            raise TypednnError(
                f"{at(('layers', index))}: the output of this layer is never used",
                hint="name it and list it in a later layer's `inputs` or in `outputs`, or remove it",
            )
    xs = tuple(given.values())
    try:
        return Model(xs[0] if len(xs) == 1 else xs, results[0] if len(results) == 1 else results, name=name)
    except ShapeError as error:
        # A shared layer applied to another shape than at its first use.
        raise error.at(locations.get(error.where or "", f"{source}: {error.where}")) from None


def _inputs(section: dict[str, Any], at: Locator) -> dict[str, AnyTensor]:
    """The model's inputs by name: `input` (with `dtype`), or `inputs`."""
    if ("input" in section) == ("inputs" in section):
        raise TypednnError(
            f"{at(())}: " + ("give 'input' or 'inputs', not both" if "input" in section else "'input' is missing"),
            hint="a model has 'input' (one input) or 'inputs' (several, by name), and 'layers'",
        )
    if "input" in section:
        return {INPUT: _input(section["input"], section.get("dtype", FEATURES), at, ("input",), ("dtype",))}
    if "dtype" in section:
        raise TypednnError(
            f"{at(('dtype',))}: with 'inputs', each input states its dtype",
            hint="e.g. inputs: {ids: {shape: [128], dtype: int32}}",
        )
    value = section["inputs"]
    if not isinstance(value, dict) or not value:
        raise TypednnError(
            f"{at(('inputs',))}: must be a mapping from input names to their sizes, not {show(value)}",
            hint="e.g. inputs: {image: [32, 32, 3], meta: [8]}",
        )
    inputs = {}
    for name, entry in value.items():
        where = ("inputs", name)
        problem = name_problem(name) if isinstance(name, str) and name else "an input's name must be a non-empty string"
        if problem is not None:
            raise TypednnError(f"{at(where)}: {problem}", hint=NAME_HINT)
        if isinstance(entry, dict):
            no_unknown_keys(entry, ("shape", "dtype"), at(where))
            sizes, dtype = entry.get("shape"), entry.get("dtype", FEATURES)
            inputs[name] = _input(sizes, dtype, at, (*where, "shape"), (*where, "dtype"), name=name)
        else:
            inputs[name] = _input(entry, FEATURES, at, where, where, name=name)
    return inputs


def _outputs(
    value: object, outputs: dict[str, tuple[int, AnyTensor]], last: AnyTensor, at: Locator
) -> tuple[AnyTensor, ...]:
    """The tensors `outputs` names, in order; by default the last entry's."""
    if value is None:
        return (last,)
    names = _references(value, outputs, at(("outputs",)))
    for name in names:
        if outputs[name][0] < 0:
            raise TypednnError(f"{at(('outputs',))}: {name!r} is an input; a model's outputs are layers' outputs")
        if names.count(name) > 1:
            raise TypednnError(f"{at(('outputs',))}: {name!r} is listed twice", hint="list each output once")
    return tuple(outputs[name][1] for name in names)


def _input(
    value: object, dtype: object, at: Locator, sizes_at: Path, dtype_at: Path, *, name: str | None = None
) -> AnyTensor:
    if not isinstance(value, list):
        raise TypednnError(
            f"{at(sizes_at)}: must be a list of sizes, such as [28, 28, 1], not {show(value)}",
            hint="the batch axis is implicit",
        )
    if dtype not in (FEATURES, TOKENS):
        raise TypednnError(
            f"{at(dtype_at)}: the input dtype is {FEATURES!r} (features) or {TOKENS!r} (token ids), not {show(dtype)}",
            hint="token ids feed an embedding layer",
        )
    try:
        shape = input_shape(tuple(decode_size(size) for size in value), dtype=dtype)
    except TypednnError as error:
        raise TypednnError(f"{at(sizes_at)}: {error.message}", hint=error.hint) from None
    return (Tokens if shape.tokens else Tensor)(Node(None, (), name), shape)


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
            + (" by the model input" if outputs[value][0] < 0 else ""),
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
                hint="`inputs` names the model's inputs or layers above this one",
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
