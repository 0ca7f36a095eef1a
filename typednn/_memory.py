"""How much memory a model takes to train, from its shapes alone: nothing is allocated.

`typednn check` and `summary` report it, and `Trainer` refuses a model that cannot fit
its device before it makes a single array. A dense layer of 10**6 -> 10**6 asks for
4 TB of parameters; allocating them failed deep in XLA, or took the machine's memory.

Every figure comes from shapes: the parameters' from `jax.eval_shape` of the model's
`init` (and the optimizer's state from `eval_shape` of its `init`), the activations'
from each layer's output shape. The activations are a lower bound: what a layer keeps
inside itself for its gradient (an LSTM's gates, attention's scores) is not counted.
"""

from __future__ import annotations

import math
import os
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from ._errors import TypednnError
from ._reading import size
from ._shapes._dims import MAX_SIZE

if TYPE_CHECKING:
    import optax

    from ._model import Model


def _nbytes(tree: Any) -> int:
    """The bytes of every array in a tree of arrays or `ShapeDtypeStruct`s."""
    leaves = jax.tree_util.tree_leaves(tree)
    return sum(math.prod(leaf.shape) * np.dtype(leaf.dtype).itemsize for leaf in leaves if hasattr(leaf, "shape"))


@dataclass(frozen=True)
class Memory:
    """The bytes a model takes, found from its shapes.

    Attributes:
        parameters: The parameters, with the state (BatchNorm's statistics).
        trainable: The trainable parameters; their gradients take as much again.
        optimizer: The optimizer's state (Adam's is twice the trainable parameters);
            None when no optimizer is given, and then estimated as Adam's.
        activations: One example's layer outputs (and input), which training keeps
            for the backward pass.
        sized: False when a named dim (`Seq`) leaves an axis's size open: it counts as 1,
            so the activations are a lower bound.
    """

    parameters: int
    trainable: int
    optimizer: int | None
    activations: int
    sized: bool = True

    @property
    def optimizer_state(self) -> int:
        """The optimizer's state, or Adam's (two arrays per parameter) when not known."""
        return 2 * self.trainable if self.optimizer is None else self.optimizer

    def training(self, batch_size: int, *, devices: int = 1, sharded: bool = False) -> int:
        """The bytes one device holds for training steps of `batch_size` examples.

        Args:
            batch_size: Examples per step, split over `devices`.
            devices: The devices a batch is split over.
            sharded: Whether parameters, gradients and optimizer state are split over
                them too (`shard_params`); else every device holds them all.
        """
        state = self.parameters + self.trainable + self.optimizer_state
        return (state // devices if sharded else state) + self.activations * -(-batch_size // devices)

    def lines(self, batch_size: int | None = None) -> list[str]:
        """The figures as `summary` shows them: one line each for parameters, activations, training."""
        at_least = "" if self.sized else "at least "
        activations = f"{at_least}{size(self.activations)} per example"
        lines = [f"Parameter memory: {size(self.parameters)}"]
        if batch_size is None:
            return [*lines, f"Activation memory: {activations}"]
        optimizer = "the optimizer's state" if self.optimizer is not None else "an Adam-like optimizer's state"
        return [
            *lines,
            f"Activation memory: {activations}, {at_least}{size(self.activations * batch_size)}"
            f" at batch size {batch_size:,}",
            f"Training memory: about {size(self.training(batch_size))}"
            f" (parameters, gradients, {optimizer} and activations)",
        ]


def estimate(model: Model[Any, Any], optimizer: optax.GradientTransformation | None = None) -> Memory:
    """The memory `model` takes, from shapes only (`jax.eval_shape`: nothing is allocated).

    Args:
        model: The model.
        optimizer: Its optimizer, whose state is sized exactly; else it is estimated as Adam's.

    Raises:
        TypednnError: if JAX cannot even trace the model's `init` at these sizes.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(784)
        >>> memory = estimate(tn.Model(x, x >> nn.Dense(1000) >> nn.Dense(10)))
        >>> size(memory.parameters), size(memory.activations)
        ('3.0 MiB', '7.0 KiB')
    """
    try:
        shapes = model.param_shapes()
        trainable = model.lowered.split(typing.cast(Any, shapes))[0]  # `split` only sorts the entries
        state = None if optimizer is None else jax.eval_shape(optimizer.init, trainable)
    except OverflowError as error:  # a size past what JAX indexes, if some rule let one through
        raise TypednnError(
            f"model {model.name!r}: its parameters are too large for JAX to shape ({error})",
            hint=f"every axis holds at most {MAX_SIZE:,} (2**31 - 1) values; use smaller layers",
        ) from None
    tensors = [*model.graph.inputs, *(tensor for _, tensor in model.graph.nodes())]
    activations = 0
    sized = True
    for tensor in tensors:
        shape = tensor.shape
        sizes = [d for d in shape.dims if isinstance(d, int)]
        sized = sized and not shape.open and len(sizes) == len(shape.dims)
        activations += math.prod(sizes) * 4  # float32 features, or int32 token ids
    return Memory(_nbytes(shapes), _nbytes(trainable), None if state is None else _nbytes(state), activations, sized)


def available() -> tuple[int, str] | None:
    """The memory of the device training runs on, and where the figure comes from; None if unknown.

    An accelerator reports its allocator's limit (`memory_stats()["bytes_limit"]`); the
    CPU reports nothing, and shares the host's physical memory.
    """
    device = jax.local_devices()[0]
    try:
        stats = device.memory_stats()
    except Exception:  # a backend without the call: the host's memory stands in
        stats = None
    if stats and stats.get("bytes_limit"):
        return int(stats["bytes_limit"]), f"the memory limit of {device.platform.upper()} {device.id}"
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows): nothing to compare with
        return None
    return physical, "this machine's physical memory, which the CPU device uses"


def require(
    model: Model[Any, Any],
    optimizer: optax.GradientTransformation,
    *,
    batch_size: int | None = None,
    devices: int = 1,
    sharded: bool = False,
) -> None:
    """Refuse, before anything is allocated, a model that cannot fit the device.

    Args:
        model: The model.
        optimizer: Its optimizer.
        batch_size: Training's batch size; None checks only what `init` makes (the
            parameters and the optimizer's state, on one device).
        devices: The devices a batch is split over.
        sharded: Whether the parameters and optimizer state are split over them.

    Raises:
        TypednnError: saying how much it needs and how much the device has.
    """
    if batch_size is not None and batch_size > MAX_SIZE:
        raise TypednnError(
            f"fit: batch_size must be at most {MAX_SIZE:,} (2**31 - 1), but is {batch_size:,}",
            hint="the batch is an axis of every array a step makes, and JAX indexes an axis with 32-bit ints",
        )
    found = available()
    if found is None:
        return
    limit, where = found
    memory = estimate(model, optimizer)
    if batch_size is None:
        need = memory.parameters + memory.optimizer_state
        doing = "to make its parameters and optimizer state"
        parts = f"parameters {size(memory.parameters)}, optimizer state {size(memory.optimizer_state)}"
    else:
        need = memory.training(batch_size, devices=devices, sharded=sharded)
        doing = f"to train at batch size {batch_size:,}" + (f" on each of {devices} devices" if devices > 1 else "")
        parts = (
            f"parameters {size(memory.parameters)}, gradients {size(memory.trainable)},"
            f" optimizer state {size(memory.optimizer_state)},"
            f" activations {size(memory.activations * -(-batch_size // devices))}"
        )
    if need > limit:
        raise TypednnError(
            f"model {model.name!r} needs {size(need)} {doing} ({parts}), but the device has {size(limit)} ({where})",
            hint="use fewer or smaller layers, or a smaller batch size; `typednn check` reports a spec's memory",
        )
