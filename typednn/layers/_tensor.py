"""Symbolic tensors: what `Input` and layer calls return while a model is being wired."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, overload

from typing_extensions import TypeVarTuple

from .._shapes import FEATURES, Dim, Dtype, Shape, ShapeError, Size, Symbol, input_shape
from .._words import given
from ._names import check_name

if TYPE_CHECKING:
    from ._base import Layer
    from ._block import Block

Dims = TypeVarTuple("Dims")


class Node:
    """One application of a layer (or an input) in the graph.

    Attributes:
        layer: The layer applied, or None for a model input.
        inputs: The tensors the layer was applied to.
        name: A model input's name, when it was given one (`tn.Input(8, name="meta")`).
    """

    __slots__ = ("inputs", "layer", "name")

    def __init__(
        self,
        layer: Layer[*tuple[Any, ...]] | None,
        inputs: tuple[Tensor[*tuple[Any, ...]], ...],
        name: str | None = None,
    ):
        self.layer = layer
        self.inputs = inputs
        self.name = name


class Tensor(Generic[*Dims]):
    """A symbolic tensor whose type spells its shape (the batch axis is implicit).

    `Tensor[L[28], L[28], L[1]]` is a batch of 28x28 single-channel images. Apply a
    layer with `layer(t)` or `t >> layer`; add equal shapes with `a + b`.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> (tn.Input(28, 28, 1) >> nn.Conv2D(32, kernel=3)).shape
        (26, 26, 32)
    """

    __slots__ = ("masked", "node", "shape")

    def __init__(self, node: Node, shape: Shape, *, masked: bool = False) -> None:
        self.node = node
        self.shape = shape
        # Whether a padding mask travels with the tensor (`nn.Embedding(mask_zero=True)`).
        self.masked = masked

    def __rshift__(self, layer: Block[Any, Any]) -> Tensor[*tuple[Any, ...]]:
        # Any layer is a `Block`; so is a helper's result typed `nn.Block[In, Out]`.
        result: Tensor[*tuple[Any, ...]] = layer(self)
        return result

    def __add__(self, other: Tensor[*Dims]) -> Tensor[*Dims]:
        from ._merge import Add  # noqa: PLC0415 - _merge builds on this module

        received: object = other  # the annotation is what mypy checks; the run time sees anything
        if not isinstance(received, Tensor):
            raise ShapeError(
                "Add (a + b)",
                "two tensors of equal shape",
                f"{self!r} + {given(received)}",
                hint="`+` joins two tensors of the model (a residual); a constant offset is a layer's bias",
            )
        return Add()(self, other)

    def __repr__(self) -> str:
        return f"Tensor{self.shape!r}"


class Tokens(Tensor[*Dims]):
    """A symbolic tensor of integer token ids: what `tn.Input(..., dtype="int32")` gives.

    Only a layer that takes tokens accepts one (`nn.Embedding`); it gives float
    features. The model then takes int32 arrays.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> ids = tn.Input(128, dtype="int32")
        >>> ids, (ids >> nn.Embedding(1000, 64)).shape
        (Tokens(128,), (128, 64))
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Tokens{self.shape!r}"


@overload
def size_of(value: int | type[Dim]) -> Size: ...
@overload
def size_of(value: object) -> object: ...
def size_of(value: object) -> object:
    """A size as the rules see it: a `tn.Dim` subclass becomes its `Symbol`; anything else is itself.

    Validation is the business of whoever takes the size (`Hyper`, `Input`).
    """
    return Symbol.of(value) if isinstance(value, type) and issubclass(value, Dim) else value


@overload
def Input(
    *dims: int | type[Dim], dtype: Literal["float32"] = ..., name: str | None = ...
) -> Tensor[*tuple[Any, ...]]: ...
@overload
def Input(*dims: int | type[Dim], dtype: Literal["int32"], name: str | None = ...) -> Tokens[*tuple[Any, ...]]: ...
def Input(  # noqa: N802 - reads as a type, as in Keras
    *dims: int | type[Dim], dtype: Dtype = FEATURES, name: str | None = None
) -> Tensor[*tuple[Any, ...]]:
    """A model input: a symbolic tensor of one example's shape.

    Args:
        *dims: The size of each axis: an int, or a `tn.Dim` subclass for an axis whose
            size varies with the data. The batch axis is implicit.
        dtype: ``"float32"`` for features, ``"int32"`` for token ids (a `Tokens`
            tensor, for `nn.Embedding`).
        name: The input's name, for a model with several inputs: its key in a dict of
            arrays, in summaries and in exports (by default ``input``, ``input_1``...).

    Returns:
        A `Tensor` of that shape. Under the mypy plugin, `Input(28, 28, 1)` has type
        `Tensor[L[28], L[28], L[1]]`, and `Input(128, dtype="int32")` `Tokens[L[128]]`.

    Raises:
        TypednnError: for a size that is not a positive int or a `tn.Dim`, or another dtype.

    Example:
        >>> import typednn as tn
        >>> tn.Input(28, 28, 1)
        Tensor(28, 28, 1)
    """
    check_name(name)
    shape = input_shape(tuple(size_of(d) for d in dims), dtype=dtype)
    return (Tokens if shape.tokens else Tensor)(Node(None, (), name), shape)
