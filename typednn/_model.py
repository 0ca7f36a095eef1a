"""Model: a validated graph from inputs to outputs, lowered and jit-compiled."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Generic, TypeAlias, TypeVar, overload

import jax
from jax.typing import ArrayLike

from ._errors import TypednnError
from ._summary import summary, summary_html
from ._words import given
from .graph import AnyTensor, Graph
from .layers import Tensor
from .lower import Params, lower

In = TypeVar("In", bound=Tensor[*tuple[Any, ...]] | tuple[Tensor[*tuple[Any, ...]], ...])
Out = TypeVar("Out", bound=Tensor[*tuple[Any, ...]] | tuple[Tensor[*tuple[Any, ...]], ...])

Batch: TypeAlias = ArrayLike | tuple[ArrayLike, ...] | list[ArrayLike] | Mapping[str, ArrayLike]
"""What `Model.apply` takes: one array per input, by position or by the input's name."""


class Model(Generic[In, Out]):
    """A model from its input tensors to its output tensors, validated when built.

    Its type, `Model[Tensor[L[28], L[28], L[1]], Tensor[L[10]]]`, spells what goes in
    and what comes out; `tn.Trainer` uses it to check the data at check time. A model
    with several inputs or outputs (Keras's functional API) takes and gives tuples:
    `tn.Model((image, meta), (label, box))` is a `Model[tuple[Tensor[...], Tensor[...]],
    tuple[Tensor[...], Tensor[...]]]`.

    Args:
        inputs: The tensor made by `tn.Input`, or a tuple of them.
        outputs: The tensor the model computes from them, or a tuple of them.
        name: The model's name in summaries and errors.

    Attributes:
        input_names: Each input's name (`tn.Input(..., name=)`, else `input`, `input_1`...).
        output_names: Each output's name: the name of the layer that computes it.

    Raises:
        ShapeError: if a layer's rule rejects what it receives (sizes from runtime ints
            are checked here, before any JAX tracing).
        TypednnError: for inputs that are not `tn.Input` tensors, an output computed from
            an input that is not listed, or a name given twice.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
        >>> params = model.init(jax.random.key(0))
        >>> model.apply(params, jnp.ones((2, 4))).shape
        (2, 3)
    """

    def __init__(self, inputs: In, outputs: Out, *, name: str = "model") -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
        self.graph = Graph(_tensors(inputs, "inputs"), _tensors(outputs, "outputs"))
        self.input_names = self.graph.input_names
        self.output_names = self.graph.output_names
        self.graph.validate()
        self.lowered = lower(self.graph)
        self._apply = jax.jit(self.lowered.apply, static_argnames=("training",))

    def init(self, key: jax.Array) -> Params:
        """Fresh parameters: a dict from layer name to that layer's arrays."""
        return self.lowered.init(key)

    @overload
    def apply(
        self: Model[Any, Tensor[*tuple[Any, ...]]],
        params: Params,
        x: Batch,
        *,
        key: jax.Array | None = ...,
        training: bool = ...,
    ) -> jax.Array: ...
    @overload
    def apply(
        self, params: Params, x: Batch, *, key: jax.Array | None = ..., training: bool = ...
    ) -> tuple[jax.Array, ...]: ...
    def apply(self, params: Params, x: Batch, *, key: jax.Array | None = None, training: bool = False) -> Any:
        """The outputs for a batch, jit-compiled: one array, or a tuple of them for several outputs.

        Args:
            params: From `init` (or training).
            x: The input batch, of shape `(batch, *input_dims)`; for several inputs, a
                tuple of such arrays in the order of `inputs`, or a dict by input name.
            key: Randomness for stochastic layers (Dropout) while training.
            training: Whether stochastic layers are active.
        """
        return self._apply(params, *self.arrays(x), key=key, training=training)

    def arrays(self, x: Batch) -> tuple[ArrayLike, ...]:
        """One array per input, in the order of `inputs`, from a batch as `apply` takes it.

        Raises:
            TypednnError: for a batch with another number of arrays, or a dict whose keys
                are not the input names.
        """
        names = self.input_names
        if isinstance(x, Mapping):
            if set(x) != set(names):
                raise TypednnError(
                    f"{self!r} takes arrays for the inputs {', '.join(map(repr, names))},"
                    f" but the dict has {', '.join(map(repr, x)) or 'no keys'}",
                    hint="key the dict by the inputs' names (tn.Input(..., name=))",
                )
            return tuple(x[name] for name in names)
        # One input takes any array-like, a nested list too, or a tuple of one array (Keras
        # takes `[x]`); several take one per input.
        if isinstance(x, (tuple, list)) and (len(names) > 1 or (len(x) == 1 and hasattr(x[0], "shape"))):
            arrays: tuple[Any, ...] = tuple(x)
        else:
            arrays = (x,)
        if len(arrays) != len(names):
            raise TypednnError(
                f"{self!r} takes {len(names)} input arrays ({', '.join(names)}), but is given {len(arrays)}",
                hint="pass a tuple with one array per input, in order, or a dict by input name",
            )
        return arrays

    def param_shapes(self) -> dict[str, dict[str, jax.ShapeDtypeStruct]]:
        """The shape and dtype of each parameter `init` makes, without making them."""
        shapes: dict[str, dict[str, jax.ShapeDtypeStruct]] = jax.eval_shape(self.init, jax.random.key(0))
        return shapes

    def count_params(self) -> int:
        """How many numbers `init` makes (Keras's `count_params`); shared layers count once.

        As in Keras, non-trainable state (BatchNorm's running mean and variance) counts
        too; `summary` shows the trainable and non-trainable parts of a model with state.

        Example:
            >>> import typednn as tn
            >>> from typednn import nn
            >>> tn.Model(x := tn.Input(4), x >> nn.Dense(3)).count_params()
            15
        """
        shapes = self.param_shapes()
        return sum(math.prod(array.shape) for arrays in shapes.values() for array in arrays.values())

    def summary(self, *, batch_size: int | None = None) -> str:
        """A Keras-style table: each layer, its output shape and parameter count.

        A model that is not a chain (several inputs or outputs, merges, shared layers)
        also gets Keras's "Connected to" column: what each layer takes.

        Args:
            batch_size: Add the memory the model takes, from its shapes: the parameters',
                the activations' per example and at this batch size, and training's.
        """
        return summary(self, batch_size=batch_size)

    def plot(self, path: str | os.PathLike[str]) -> Path:
        """Draw the model's graph into an SVG or PNG file, as Keras's `plot_model` does.

        One box per layer application (its name, what it is, its output shape), inputs and
        outputs marked, an arrow per connection: merges have several arrows in, and a
        shared layer's boxes are named by application (`tower`, `tower[1]`). The file is
        written atomically; an existing file is replaced only if it is a picture.

        Args:
            path: The file; its suffix, `.svg` or `.png`, picks the format.

        Returns:
            The path written.

        Raises:
            TypednnError: for another suffix, a missing folder, a path that holds something
                other than a picture, or a file that cannot be written.

        Example:
            >>> import tempfile
            >>> import typednn as tn
            >>> from typednn import nn
            >>> model = tn.Model(x := tn.Input(4), x >> nn.Dense(3, name="scores"))
            >>> path = model.plot(Path(tempfile.mkdtemp()) / "model.svg")
            >>> "scores" in path.read_text()
            True
        """
        from ._plot_draw import plot  # noqa: PLC0415 - matplotlib takes a second to import

        return plot(self, Path(path))

    def _repr_html_(self) -> str:
        """The summary as an HTML table, for Jupyter."""
        return summary_html(self)

    def signature(self) -> str:
        """The input shapes and the output shapes: `(8, 8, 3), (5,) -> (10,), (4,)`."""
        shown = [", ".join(repr(t.shape) for t in tensors) for tensors in (self.graph.inputs, self.graph.outputs)]
        return f"{shown[0]} -> {shown[1]}"

    def __repr__(self) -> str:
        return f"Model({self.signature()})"


def _tensors(value: object, what: str) -> tuple[AnyTensor, ...]:
    """The tensors of `Model(inputs, outputs)`'s argument: one tensor, or a tuple (or list) of them."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not items or not all(isinstance(item, Tensor) for item in items):
        raise TypednnError(
            f"tn.Model takes a tensor or a tuple of tensors as its {what}, not {given(value)}",
            hint="e.g. tn.Model(x, y), or tn.Model((image, meta), (label, box)) for several",
        )
    return items
