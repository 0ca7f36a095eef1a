"""The inputs of a model section: `input` (with `dtype`) for one, `inputs` by name for several."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._errors import TypednnError
from .._shapes import FEATURES, TOKENS, input_shape
from .._words import no_unknown_keys, show
from ..graph import AnyTensor
from ..layers import Node, Tensor, Tokens
from ..layers._names import NAME_HINT, name_problem
from ._options import decode_size

INPUT = "input"
"""The name of the model input in `inputs`."""

Path = tuple[str | int, ...]
Locator = Callable[[Path], str]
"""Where a part of the model section is, for messages: from its path in the section
(e.g. `("layers", 3, "dense", "units")`) to text such as `spec.json: model.layers[3]`
or, for a spec file with positions, `spec.yaml:12:9`."""


def read_inputs(section: dict[str, Any], at: Locator) -> dict[str, AnyTensor]:
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
