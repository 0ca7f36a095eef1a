"""Model: a validated graph from inputs to outputs, lowered and jit-compiled."""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

import jax
import numpy as np
from jax.typing import ArrayLike

from ._memory import estimate
from .graph import Graph
from .layers import Tensor
from .lower import Params, lower

In = TypeVar("In", bound=Tensor[*tuple[Any, ...]])
Out = TypeVar("Out", bound=Tensor[*tuple[Any, ...]])


class Model(Generic[In, Out]):
    """A model from an input tensor to an output tensor, validated when built.

    Its type, `Model[Tensor[L[28], L[28], L[1]], Tensor[L[10]]]`, spells what goes in
    and what comes out; `tn.Trainer` uses it to check the data at check time.

    Args:
        inputs: The tensor made by `tn.Input`.
        outputs: The tensor the model computes from it.
        name: The model's name in summaries and errors.

    Raises:
        ShapeError: if a layer's rule rejects what it receives (sizes from runtime ints
            are checked here, before any JAX tracing).

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
        self.graph = Graph((inputs,), (outputs,))
        self.graph.validate()
        self.lowered = lower(self.graph)
        self._apply = jax.jit(self.lowered.apply, static_argnames=("training",))

    def init(self, key: jax.Array) -> Params:
        """Fresh parameters: a dict from layer name to that layer's arrays."""
        return self.lowered.init(key)

    def apply(self, params: Params, x: ArrayLike, *, key: jax.Array | None = None, training: bool = False) -> jax.Array:
        """The outputs for a batch `x` of shape `(batch, *input_dims)`, jit-compiled.

        Args:
            params: From `init` (or training).
            x: The input batch.
            key: Randomness for stochastic layers (Dropout) while training.
            training: Whether stochastic layers are active.
        """
        result: jax.Array = self._apply(params, x, key=key, training=training)
        return result

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

        Args:
            batch_size: Add the memory the model takes, from its shapes: the parameters',
                the activations' per example and at this batch size, and training's.
        """
        shapes = self.param_shapes()
        rows = [("Input", "input", repr(self.inputs.shape), 0)]
        counted: set[str] = set()  # a layer applied twice shares its parameters: count them once
        for node, tensor in self.graph.nodes():
            assert node.layer is not None
            name = self.graph.name(node.layer)
            arrays = {} if name in counted else shapes.get(name, {})
            counted.add(name)
            count = sum(int(np.prod(a.shape)) for a in arrays.values())
            rows.append((repr(node.layer), name, repr(tensor.shape), count))
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        header = ("Layer", "Name", "Output shape", "Params")
        widths = [max(w, len(h)) for w, h in zip(widths, header)]

        def line(row: tuple[Any, ...]) -> str:
            return "  ".join(str(v).ljust(w) if i < 3 else str(v).rjust(w) for i, (v, w) in enumerate(zip(row, widths)))

        total = sum(r[3] for r in rows)
        rule = "-" * len(line(header))
        body = [line(r) for r in rows]
        footer = [f"Total params: {total:,}"]
        if self.lowered.has_state:  # Keras's split, shown only where there is something to split
            names = self.lowered.state_names
            fixed = sum(math.prod(shapes[layer][n].shape) for layer in names for n in names[layer])
            footer += [f"Trainable params: {total - fixed:,}", f"Non-trainable params: {fixed:,}"]
        if batch_size is not None:
            footer += estimate(self).lines(batch_size)
        return "\n".join([f"Model {self.name!r}", line(header), rule, *body, rule, *footer])

    def __repr__(self) -> str:
        return f"Model({self.inputs.shape!r} -> {self.outputs.shape!r})"
