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

from typing import Any, cast

from .._entries import expand
from .._errors import TypednnError, all_errors
from .._model import Model
from .._reading import excerpt
from .._shapes import TOKENS, HyperparameterError, ShapeError
from .._words import did_you_mean, no_unknown_keys, show
from ..graph import AnyLayer, AnyTensor, Graph, fresh_name
from ..layers._registry import KINDS, Kind, kind_of
from ._graph_inputs import INPUT, Locator, Path, read_inputs
from ._options import decode_options, encode_options, encode_size

REUSE = "reuse"
"""The kind of an entry that applies an earlier layer again."""


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """The model section for a graph: `input` for one input of the default name, else `inputs` and `outputs`.

    Every entry gets its name, so loading gives the layers (and parameters) the same names.

    Raises:
        TypednnError: for a layer that no spec kind builds.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> graph_to_dict(tn.Model(x, x >> nn.Dense(3) >> nn.relu).graph)
        {'input': [4], 'layers': [{'dense': {'units': 3, 'name': 'dense'}}, {'relu': {'name': 'relu'}}]}
    """
    # The short form (`input`, as spec files write one input) only for an input of the
    # default name: a named one (`tn.Input(4, name="x")`) keeps its name through `inputs`.
    one = len(graph.inputs) == len(graph.outputs) == 1 and graph.input_names == (INPUT,)
    input_names = (INPUT,) if one else graph.input_names
    # Graph names are unique, so no layer is named `input` when the input is.
    taken = set(input_names) | {graph.name(layer) for layer in graph.layers()}
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
            owner, index = layer.part_of
            part = owner.output_parts()[index]
            # After the application it picks from: `encoder_1.h` for a shared layer's second.
            names[id(tensor)] = names[id(node.inputs[0])] + (f".{part}" if part else "")
            if index == 0 and node.inputs[0] is previous:
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

        Where several layer entries are wrong, one TypednnError lists them all, a line
        (and a hint) each: after the first bad entry, each later one's kind and options
        are still checked, but not its names, `inputs` or shapes, which depend on the
        entries above it (they are checked once those are fixed).

    Example:
        >>> model = graph_from_dict({"input": [8, 8, 1], "layers": ["flatten", {"dense": 10}]}, source="spec.yaml")
        >>> model
        Model((8, 8, 1) -> (10,))
    """
    at = locate or default_locator(source)
    section, given, layers = _parts(section, at)
    outputs: dict[str, tuple[int, AnyTensor]] = {name: (-1, x) for name, x in given.items()}  # entry and output
    defined: dict[str, AnyLayer] = {}  # named layers, for `reuse`
    locations: dict[str, str] = {}
    used: set[int] = set()
    previous: AnyTensor | None = next(iter(given.values())) if len(given) == 1 else None
    problems: list[TypednnError] = []
    for index, entry in enumerate(layers):
        path: Path = ("layers", index)
        if problems:
            # Past a bad entry the shapes that flow on are unknown: each later entry's own
            # kind and options are still checked, so that one run reports every typo.
            _check_alone(entry, at, path, problems)
            continue
        try:
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
            parts = _outputs_of(layer, inputs, where)
            previous = parts[0]
        except TypednnError as error:
            problems.append(error)
            continue
        if entry_name is not None:
            outputs[entry_name] = (index, previous)
            # A recurrent layer's state with return_state: `encoder.h`, `encoder.c`.
            for part_name, part in zip(layer.output_parts()[1:], parts[1:]):
                outputs[f"{entry_name}.{part_name}"] = (index, part)
    if problems:
        raise all_errors(problems)
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


def _parts(section: object, at: Locator) -> tuple[dict[str, Any], dict[str, AnyTensor], list[Any]]:
    """The section as a mapping, its inputs by name, and its layer entries: checked for their form."""
    if not isinstance(section, dict):
        raise TypednnError(f"{at(())}: must be a mapping with 'input' and 'layers', not {show(section)}")
    no_unknown_keys(section, ("input", "dtype", "inputs", "layers", "outputs"), at(()))
    given = read_inputs(section, at)
    if "layers" not in section:
        raise TypednnError(f"{at(())}: 'layers' is missing", hint="a model has 'input' and 'layers'")
    layers = section["layers"]
    if not isinstance(layers, list) or not layers:
        raise TypednnError(f"{at(('layers',))}: must be a non-empty list of layers, not {show(layers)}")
    return section, given, layers


def _outputs_of(layer: AnyLayer, inputs: tuple[AnyTensor, ...], where: str) -> tuple[AnyTensor, ...]:
    """The layer's outputs for these inputs; a shape error names the entry."""
    try:
        return layer.outputs_of(inputs)
    except ShapeError as error:
        raise error.at(where) from None


def _check_alone(entry: object, at: Locator, path: Path, problems: list[TypednnError]) -> None:
    """Check an entry's kind and options on their own, adding what is wrong to `problems`.

    For the entries after a bad one: their input is unknown, so their names, `inputs`
    and shapes wait; a `reuse` entry has nothing of its own to check.
    """
    try:
        kind_name, options = _entry(entry, at(path))
        if kind_name == REUSE:
            return
        options.pop("inputs", None)
        name = options.pop("name", None)
        entry_name = name if isinstance(name, str) and name else None
        _layer(kind_name, options, entry_name, {}, at, path, f"{at(path)} ({entry_name or kind_name})")
    except TypednnError as error:
        problems.append(error)


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
