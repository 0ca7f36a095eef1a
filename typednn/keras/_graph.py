"""A Keras config as a typednn graph, built with typednn's own functional API.

Each Keras layer becomes its twin (`_layers.LAYERS`), made once, so a layer that Keras
calls twice is one typednn layer applied twice: its weights are shared, and typednn's
rules check both uses. Sequential and functional models nest: a nested model's layers
are inlined under names `outer/inner`, and its weights are read from its own group.
Every shape is checked by the same rules as a hand-written `tn.Model`.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeGuard

from .._errors import TypednnError
from .._reading import excerpt
from .._shapes import Dtype
from ..layers import Input, Tensor
from ._layers import LAYERS, Arrays, Converted, NeedsWeights
from ._options import Options
from ._weights import Slots

AnyTensor = Tensor[*tuple[Any, ...]]
Ref = tuple[str, int, int]
Reader = Callable[[str, tuple[str, ...], str], Arrays]
"""Reads a layer's variables from the weights file: `(h5 path, variable names, where) -> arrays`."""

MODELS: Final = ("Sequential", "Functional")
MASK: Final = "NotEqual"
"""The op Keras puts in a functional config for `Embedding(mask_zero=True)`'s padding mask
(`ids != 0`), passed to later calls as `mask=`. typednn's tensors carry that mask
themselves, so the op makes no tensor: a call given it is checked to receive a masked one."""
_PASSED_KWARGS: Final = {
    "training": (False,),
    "mask": (),
    "use_causal_mask": (False,),
    "return_attention_scores": (False,),
}
"""Call arguments typednn computes the same way with these values (None always passes)."""
_TENSOR_KWARGS: Final = ("key",)
"""Call arguments that are inputs: appended to the call's tensors (MultiHeadAttention's key)."""
_FEATURE_DTYPES: Final[dict[str, Dtype]] = {"float32": "float32", "int32": "int32", "int64": "int32"}
MAX_LAYERS: Final = 100_000
"""The most layers a model (its nested models included) may list; the largest Keras zoo model has ~800."""
MAX_SIZE: Final = 2**31 - 1
"""The largest size of an input's axis: an int32, as XLA's shapes are."""
_NO_TWIN_HINT: Final = "typednn imports these Keras classes: {}"


@dataclass
class Entry:
    """One Keras layer of a model: its twin, or the nested model it is."""

    name: str
    class_name: str
    config: dict[str, Any]
    h5_path: str
    converted: Converted | None = None
    model: KerasModel | None = None


@dataclass
class KerasModel:
    """A Sequential or Functional config, its layers converted (not yet applied)."""

    name: str
    class_name: str
    config: dict[str, Any]
    entries: dict[str, Entry] = field(default_factory=dict)


class Builder:
    """Converts a config, then applies it to tensors; `converted` lists every twin made.

    Args:
        source: The file named, for messages.
        read: Reads a layer's variables, for the converters whose twin is built from
            them (`NeedsWeights`: an adapted Normalization); called only for those.
    """

    def __init__(self, source: str, read: Reader) -> None:
        self.source = source
        self.read = read
        self.converted: list[tuple[Entry, str]] = []
        self._count = 0

    def model(self, spec: object, *, prefix: str, h5_prefix: str) -> KerasModel:
        """Convert a model config `{"class_name": ..., "config": {...}}` and its layers."""
        class_name, config = self._object(spec, prefix.rstrip("/") or "the model")
        if class_name not in MODELS:
            raise TypednnError(
                f"{self.source}: the model is a {excerpt(class_name)}, not a Sequential or Functional model",
                hint="a subclassed Keras model holds Python code, which is never loaded; "
                "rebuild it with the functional API",
            )
        name = str(config.get("name", "model"))
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise TypednnError(f"{self.source}: model {name!r} has no list of layers", hint="was the config edited?")
        self._count += len(layers)
        if self._count > MAX_LAYERS:
            raise TypednnError(
                f"{self.source}: model {name!r} lists {self._count:,} layers (nested models included), more than "
                f"the {MAX_LAYERS:,} typednn imports",
                hint="was the config generated or edited? Keras models hold a few thousand layers at most",
            )
        result = KerasModel(name, class_name, config)
        slots = Slots(h5_prefix)
        for index, layer in enumerate(layers):
            entry = self._entry(layer, prefix, slots, sequential=class_name == "Sequential", first=index == 0)
            if entry.name in result.entries:
                raise TypednnError(f"{self.source}: model {name!r} has two layers named {entry.name!r}")
            result.entries[entry.name] = entry
        return result

    def _object(self, spec: object, where: str) -> tuple[str, dict[str, Any]]:
        if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
            raise TypednnError(f"{self.source}: {where} is not a Keras object config", hint="was the config edited?")
        class_name = spec.get("class_name")
        module = spec.get("module", "keras")
        registered = spec.get("registered_name")
        name = spec["config"].get("name", where)
        if (
            not isinstance(module, str)
            or not (module == "keras" or module.startswith("keras."))
            or (registered not in (None, class_name))
        ):
            raise TypednnError(
                f"{self.source}: layer {excerpt(name)} is the custom class {excerpt(registered or class_name)} "
                f"of module {excerpt(module)}, which is Python code and never loaded",
                hint="write it as a custom typednn layer (docs/custom-layers.md)",
            )
        return str(class_name), spec["config"]

    def _entry(self, spec: object, prefix: str, slots: Slots, *, sequential: bool, first: bool) -> Entry:
        class_name, config = self._object(spec, "a layer")
        name = config.get("name")
        if not isinstance(name, str):
            raise TypednnError(f"{self.source}: a {excerpt(class_name)} layer has no name", hint="was it edited?")
        # Sequential.layers leaves out its InputLayer, so it takes no group in the weights file.
        skips_slot = sequential and first and class_name == "InputLayer"
        entry = Entry(
            name, class_name, spec if isinstance(spec, dict) else {}, "" if skips_slot else slots.next(class_name)
        )
        if class_name == MASK and sequential:
            raise TypednnError(
                f"{self.source}: layer {name!r} ({MASK}) lies in a Sequential model; typednn imports {MASK} only as "
                "the padding mask of a functional model's Embedding(mask_zero=True)",
                hint="compute it in a custom typednn layer",
            )
        if class_name in ("InputLayer", MASK):
            return entry
        if class_name in MODELS:
            entry.model = self.model(spec, prefix=f"{prefix}{name}/", h5_prefix=f"{entry.h5_path}/")
            return entry
        options = Options(config, name=f"{prefix}{name}", class_name=class_name, source=self.source)
        if class_name == "Lambda":
            raise options.fail("holds Python code, which is never loaded", hint="write it as a custom typednn layer")
        convert = LAYERS.get(class_name)
        if convert is None:
            raise options.fail("has no typednn twin yet", hint=_NO_TWIN_HINT.format(", ".join(sorted(LAYERS))))
        try:
            converted = convert(options)
            if isinstance(converted, NeedsWeights):
                converted = converted.build(self.read(entry.h5_path, converted.variables, options.where))
            entry.converted = dataclasses.replace(converted, convert=_guarded(converted.convert, options))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            # An option of the wrong type (a list where a number belongs): a hand-made or
            # corrupted config, which Keras itself would not have written.
            raise options.fail(
                f"has an option typednn cannot read ({type(error).__name__}: {error})", hint="was the config edited?"
            ) from None
        options.finish()
        self.converted.append((entry, options.where))
        return entry

    def inputs(self, model: KerasModel) -> list[AnyTensor]:
        """A `tn.Input` for each input of the outermost model, named as Keras names it."""
        return [self._input(entry.config.get("config", {}), entry.name) for entry in self._input_entries(model)]

    def _input_entries(self, model: KerasModel) -> list[Entry]:
        if model.class_name == "Sequential":
            first = next(iter(model.entries.values()), None)
            if first is None or first.class_name != "InputLayer":
                shape = model.config.get("build_input_shape")
                config = {"batch_shape": shape, "dtype": "float32"}
                return [Entry("input", "InputLayer", {"config": config}, "")]
            return [first]
        return [self._entries(model)[ref[0]] for ref in self._refs(model, "input_layers")]

    def _input(self, config: dict[str, Any], name: str) -> AnyTensor:
        shape = config.get("batch_shape")
        if not isinstance(shape, list) or len(shape) < 2 or not all(_is_size(size) for size in shape[1:]):
            if isinstance(shape, list) and all(_is_int(size) for size in shape[1:]):
                raise TypednnError(
                    f"{self.source}: input {name!r} has the shape {excerpt(shape)}, but every size but the batch's "
                    f"must be a whole number from 1 to {MAX_SIZE:,}",
                    hint="was the config edited? give keras.Input a full shape, e.g. keras.Input((32, 32, 3))",
                )
            raise TypednnError(
                f"{self.source}: input {name!r} has the shape {excerpt(shape)}, but typednn needs every size but "
                "the batch's",
                hint="give keras.Input a full shape, e.g. keras.Input((32, 32, 3))",
            )
        dtype = _FEATURE_DTYPES.get(str(config.get("dtype", "float32")))
        if dtype is None:
            raise TypednnError(
                f"{self.source}: input {name!r} has dtype {excerpt(config.get('dtype'))}; typednn reads float32 "
                "features or int32 token ids",
                hint="make the input float32",
            )
        try:
            tensor: AnyTensor = Input(*shape[1:], dtype=dtype, name=name)
        except TypednnError as error:
            raise TypednnError(f"{self.source}: input {name!r}: {error.message}", hint=error.hint) from None
        return tensor

    def _entries(self, model: KerasModel) -> dict[str, Entry]:
        return model.entries

    def _refs(self, model: KerasModel, key: str) -> list[Ref]:
        value = model.config.get(key)
        refs = [value] if _is_ref(value) else value if isinstance(value, list) else None
        if refs is None or not refs or not all(_is_ref(ref) for ref in refs):
            raise TypednnError(f"{self.source}: model {model.name!r} has no valid {key}", hint="was it edited?")
        for ref in refs:
            if ref[0] not in model.entries:
                raise TypednnError(f"{self.source}: model {model.name!r} names an unknown layer {excerpt(ref[0])}")
        # A nested Functional model's first node is its own (Keras skips it in these lists).
        return [(ref[0], ref[1] - (model.entries[ref[0]].class_name == "Functional"), ref[2]) for ref in refs]

    def call(self, model: KerasModel, arguments: list[AnyTensor]) -> list[AnyTensor]:
        """The model's outputs for these input tensors."""
        if model.class_name == "Sequential":
            return [self._sequential(model, arguments)]
        return self._functional(model, arguments)

    def _sequential(self, model: KerasModel, arguments: list[AnyTensor]) -> AnyTensor:
        if len(arguments) != 1:
            raise TypednnError(f"{self.source}: Sequential model {model.name!r} is given {len(arguments)} inputs")
        (tensor,) = arguments
        for entry in model.entries.values():
            if entry.class_name == "InputLayer":
                self._check_argument(entry, tensor)
                continue
            tensor = self._apply(entry, [tensor])[0]
        return tensor

    def _functional(self, model: KerasModel, arguments: list[AnyTensor]) -> list[AnyTensor]:
        inputs = self._input_entries(model)
        if len(arguments) != len(inputs):
            raise TypednnError(
                f"{self.source}: model {model.name!r} takes {len(inputs)} inputs, but is given {len(arguments)}"
            )
        made: dict[tuple[str, int], list[AnyTensor]] = {}
        for entry, tensor in zip(inputs, arguments, strict=True):
            self._check_argument(entry, tensor)
            made[(entry.name, 0)] = [tensor]
        # Each call waits on the calls that make its inputs; a call runs once none is left
        # (Kahn's algorithm), the earliest listed first, so any order of the layers is
        # sorted in O(n log n) (a layer shared at two depths has calls on both sides of another's).
        calls: list[tuple[Entry, int, list[Ref], bool]] = []
        waiting_on: dict[tuple[str, int], list[int]] = {}
        unmet: list[int] = []
        for entry in model.entries.values():
            if entry.class_name in ("InputLayer", MASK):
                continue
            for index, node in enumerate(self._nodes(entry)):
                refs, masked = self._node_refs(entry, node, model)
                needed = {(ref[0], ref[1]) for ref in refs} - made.keys()
                for key in needed:
                    waiting_on.setdefault(key, []).append(len(calls))
                unmet.append(len(needed))
                calls.append((entry, index, refs, masked))
        ready = [position for position, count in enumerate(unmet) if count == 0]
        heapq.heapify(ready)
        done = 0
        while ready:
            position = heapq.heappop(ready)
            entry, index, refs, masked = calls[position]
            tensors = [self._tensor(made, ref, model) for ref in refs]
            made[(entry.name, index)] = self._apply(entry, tensors, masked=masked)
            done += 1
            for later in waiting_on.pop((entry.name, index), []):
                unmet[later] -= 1
                if unmet[later] == 0:
                    heapq.heappush(ready, later)
        if done < len(calls):
            stuck = next(calls[position][0] for position, count in enumerate(unmet) if count > 0)
            raise TypednnError(
                f"{self.source}: model {model.name!r}: the calls of layer {stuck.name!r} wait on "
                "tensors no layer makes",
                hint="the graph has a loop or a missing layer; was the config edited?",
            )
        return [self._tensor(made, ref, model) for ref in self._refs(model, "output_layers")]

    def _tensor(self, made: dict[tuple[str, int], list[AnyTensor]], ref: Ref, model: KerasModel) -> AnyTensor:
        outputs = made.get((ref[0], ref[1]))
        if outputs is None or not 0 <= ref[2] < len(outputs):
            raise TypednnError(f"{self.source}: model {model.name!r} names a tensor {list(ref)} no layer makes")
        return outputs[ref[2]]

    def _nodes(self, entry: Entry) -> list[dict[str, Any]]:
        nodes = entry.config.get("inbound_nodes")
        if not isinstance(nodes, list) or not all(isinstance(node, dict) for node in nodes):
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} has no inbound_nodes in Keras 3's format",
                hint="save the model with Keras 3 (a Keras 2 config is not read)",
            )
        return nodes

    def _node_refs(self, entry: Entry, node: dict[str, Any], model: KerasModel) -> tuple[list[Ref], bool]:
        """The tensors a call reads (its arguments, then tensor keywords) and whether Keras passes it a mask."""
        kwargs = node.get("kwargs", {})
        if not isinstance(kwargs, dict):
            kwargs = {"kwargs": kwargs}
        masked = False
        extra: list[object] = []
        for key, value in kwargs.items():
            if key == "mask" and value is not None:
                masked = True
                self._mask_ref(entry, value, model)
            elif key in _TENSOR_KWARGS and value is not None:
                extra.append(value)
            # Keras records `training=False` (inference) on a Dropout's call; typednn, as
            # Keras by default, lets the Trainer say whether it trains.
            elif value is not None and not any(value is choice for choice in _PASSED_KWARGS.get(key, ())):
                raise TypednnError(
                    f"{self.source}: layer {entry.name!r} ({entry.class_name}) is called with {key}="
                    f"{excerpt(value)}, which typednn has no twin for",
                    hint="call the layer on its inputs alone in Keras",
                )
        args = node.get("args")
        items = args[0] if isinstance(args, list) and len(args) == 1 and isinstance(args[0], list) else args
        if not isinstance(items, list) or not items:
            raise TypednnError(f"{self.source}: layer {entry.name!r} has a call with no inputs")
        refs = [self._ref(entry, item, model) for item in [*items, *extra]]
        return refs, masked

    def _ref(self, entry: Entry, item: object, model: KerasModel) -> Ref:
        inner = item.get("config") if isinstance(item, dict) else None
        history = inner.get("keras_history") if isinstance(inner, dict) else None
        if not isinstance(item, dict) or item.get("class_name") != "__keras_tensor__" or not _is_ref(history):
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} ({entry.class_name}) is called with "
                f"{excerpt(item)}, which is not a tensor of the model",
                hint="typednn imports calls on tensors only",
            )
        source = model.entries.get(history[0])
        if source is not None and source.class_name == MASK:
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} ({entry.class_name}) is called on the output of "
                f"{history[0]!r} ({MASK}), an op typednn imports only as an Embedding's padding mask",
                hint="compute it in a custom typednn layer",
            )
        return (history[0], history[1], history[2])

    def _mask_ref(self, entry: Entry, value: object, model: KerasModel) -> None:
        """A `mask=` argument must be an Embedding's padding mask (a NotEqual op), which typednn carries."""
        inner = value.get("config") if isinstance(value, dict) else None
        history = inner.get("keras_history") if isinstance(inner, dict) else None
        source = model.entries.get(history[0]) if _is_ref(history) else None
        if source is None or source.class_name != MASK:
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} ({entry.class_name}) is called with mask={excerpt(value)}, "
                "which is not an Embedding's padding mask",
                hint="typednn's masks come from Embedding(mask_zero=True)",
            )

    def _apply(self, entry: Entry, tensors: list[AnyTensor], *, masked: bool = False) -> list[AnyTensor]:
        if masked and not tensors[0].masked:
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} ({entry.class_name}): Keras passes it a padding mask, "
                "but its input carries none in typednn",
                hint="typednn's masks come from Embedding(mask_zero=True) and pass through the layers after it",
            )
        if entry.model is not None:
            return self.call(entry.model, tensors)
        assert entry.converted is not None  # every entry but an InputLayer has one or the other
        try:
            result: AnyTensor = entry.converted.call(entry.converted.layer, tensors)
        except TypednnError as error:
            raise TypednnError(
                f"{self.source}: layer {entry.name!r} ({entry.class_name}): {error.message}", hint=error.hint
            ) from None
        return [result]

    def _check_argument(self, entry: Entry, tensor: AnyTensor) -> None:
        shape = entry.config.get("config", {}).get("batch_shape")
        if isinstance(shape, list) and tuple(shape[1:]) != tensor.shape.dims:
            raise TypednnError(
                f"{self.source}: input {entry.name!r} expects {tuple(shape[1:])}, but receives {tensor.shape.dims}"
            )


def _guarded(convert: Callable[[Arrays], Arrays], options: Options) -> Callable[[Arrays], Arrays]:
    """`convert`, refusing by name weights whose shapes it cannot take (a config and weights apart)."""
    where = options.where

    def guarded(arrays: Arrays) -> Arrays:
        try:
            return convert(arrays)
        except (IndexError, ValueError, KeyError, TypeError) as error:  # numpy's AxisError is both of the first
            shapes = ", ".join(f"{name} {tuple(array.shape)}" for name, array in arrays.items())
            raise TypednnError(
                f"{where}: config and weights disagree: its weights ({shapes}) do not fit the layer "
                f"({type(error).__name__}: {error})",
                hint="the config and the weights file disagree; save the model again with Keras",
            ) from None

    return guarded


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


def _is_ref(value: object) -> TypeGuard[list[Any]]:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value[1:])
    )
