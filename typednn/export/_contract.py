"""A model's serving contract: each input's and output's name, shape and dtype, from its types.

The one source for everything that hands a model to another runtime or serves it: the
StableHLO and ONNX exports write it beside the program, and `typednn serve` makes its
request and response schemas from it. Shapes are one example's (the batch axis is
never listed; exports make it symbolic); a named axis (`tn.Dim`, or a size computed
from one, `Seq - 4`) is its name as the types spell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._shapes import Shape

if TYPE_CHECKING:
    from .._model import Model

DTYPES = ("float32", "int32")


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a model.

    Attributes:
        name: The input's name (`tn.Input(..., name=)`), or the output's (the layer that computes it).
        shape: One example's shape: an int per fixed axis, a name per named axis.
        dtype: "float32" for features and outputs, "int32" for token ids.
    """

    name: str
    shape: tuple[int | str, ...]
    dtype: str

    @property
    def fixed(self) -> bool:
        """Whether every axis but the batch has a fixed size."""
        return all(isinstance(size, int) for size in self.shape)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}

    @classmethod
    def from_json(cls, data: object, where: str) -> TensorSpec:
        """A spec read back from JSON, every field checked; `where` names it in errors."""
        if not isinstance(data, dict) or set(data) != {"name", "shape", "dtype"}:
            raise TypednnError(
                f"{where}: expected an object with the keys name, shape and dtype, found {data!r:.80}",
                hint="write the file with typednn export",
            )
        name, shape, dtype = data["name"], data["shape"], data["dtype"]
        sizes_ok = isinstance(shape, list) and all(
            (isinstance(size, int) and not isinstance(size, bool) and size > 0) or (isinstance(size, str) and size)
            for size in shape
        )
        if not isinstance(name, str) or not name or not sizes_ok or dtype not in DTYPES:
            raise TypednnError(
                f"{where}: expected a name, a list of positive sizes or axis names and a dtype in"
                f" {', '.join(DTYPES)}, found {data!r:.120}",
                hint="write the file with typednn export",
            )
        return cls(name, tuple(shape), dtype)


@dataclass(frozen=True)
class Contract:
    """A model's inputs and outputs, in order."""

    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]

    def to_json(self) -> dict[str, Any]:
        return {"inputs": [s.to_json() for s in self.inputs], "outputs": [s.to_json() for s in self.outputs]}

    @classmethod
    def from_json(cls, data: object, where: str) -> Contract:
        """A contract read back from JSON, every field checked; `where` names it in errors."""
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("inputs"), list)
            or not isinstance(data.get("outputs"), list)
        ):
            raise TypednnError(
                f"{where}: expected an object with the lists inputs and outputs, found {data!r:.80}",
                hint="write the file with typednn export",
            )
        return cls(
            tuple(TensorSpec.from_json(s, f"{where}: inputs[{i}]") for i, s in enumerate(data["inputs"])),
            tuple(TensorSpec.from_json(s, f"{where}: outputs[{i}]") for i, s in enumerate(data["outputs"])),
        )


def contract(model: Model[Any, Any]) -> Contract:
    """`model`'s contract, from the shapes its graph's types give each input and output.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> ids = tn.Input(16, dtype="int32", name="ids")
        >>> found = contract(tn.Model(ids, nn.Embedding(100, 8)(ids) >> nn.Flatten() >> nn.Dense(16 * 8, 2)))
        >>> found.inputs, [spec.to_json() for spec in found.outputs]
        ((TensorSpec(name='ids', shape=(16,), dtype='int32'),), [{'name': 'dense', 'shape': [2], 'dtype': 'float32'}])
    """
    graph = model.graph
    return Contract(
        tuple(_spec(name, tensor.shape) for name, tensor in zip(model.input_names, graph.inputs)),
        tuple(_spec(name, tensor.shape) for name, tensor in zip(model.output_names, graph.outputs)),
    )


def _spec(name: str, shape: Shape) -> TensorSpec:
    return TensorSpec(
        name,
        tuple(size if isinstance(size, int) else repr(size) for size in shape.dims),
        "int32" if shape.tokens else "float32",
    )
