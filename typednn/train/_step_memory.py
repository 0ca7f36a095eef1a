"""A training step's peak memory, from XLA's memory analysis of the compiled step (nothing runs).

`_memory.estimate` adds up shapes; this asks the compiler: `Trainer.memory(batch_size)`
compiles the trainer's own one-step program for that batch size on the current backend
(with its `remat`, `accumulate` and optimizer) and reads `memory_analysis()`: the
bytes of the arguments (parameters, optimizer state, the batch), of the outputs, and of
the temporaries XLA's buffer assignment needs (activations kept for the gradient
among them). Compiling takes seconds; nothing is allocated on the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from .._errors import TypednnError
from .._reading import size
from .._shapes import Symbol

if TYPE_CHECKING:
    from ._trainer import Trainer


@dataclass(frozen=True)
class StepMemory:
    """The bytes of one compiled training step, as XLA's memory analysis gives them.

    Attributes:
        batch_size: The batch size it was compiled for.
        arguments: Parameters, optimizer state, metric states and the batch.
        outputs: What the step returns (the new parameters and optimizer state).
        temporaries: What XLA allocates while the step runs: the activations kept for
            the gradient, the gradients, workspace.
        aliased: Outputs that reuse their arguments' buffers (the donated parameters).
        sized: False when a named dim of an input or output was taken as 1.
    """

    batch_size: int
    arguments: int
    outputs: int
    temporaries: int
    aliased: int
    sized: bool = True

    @property
    def peak(self) -> int:
        """Arguments, outputs and temporaries, counting a donated buffer once."""
        return self.arguments + self.outputs + self.temporaries - self.aliased

    def line(self) -> str:
        """`summary`'s line for it."""
        at_least = "" if self.sized else "at least "
        return (
            f"Peak memory of one training step: {at_least}{size(self.peak)} at batch size {self.batch_size:,}"
            f" (XLA's memory analysis: arguments {size(self.arguments)}, outputs {size(self.outputs)},"
            f" temporaries {size(self.temporaries)})"
        )


def step_memory(trainer: Trainer[Any, Any], batch_size: int) -> StepMemory:
    """Compile (not run) `trainer`'s training step for `batch_size` and read XLA's memory analysis.

    Raises:
        TypednnError: for a batch size that is not a positive int, or when the backend
            gives no memory analysis.
    """
    if type(batch_size) is not int or batch_size < 1:
        raise TypednnError(
            f"Trainer.memory: batch_size must be a positive int, not {batch_size!r}",
            hint="e.g. trainer.memory(32)",
        )
    graph = trainer.model.graph
    sized = all(not isinstance(d, Symbol) for t in (*graph.inputs, *graph.outputs) for d in t.shape.dims)

    def batch(tensor: Any, dtype: Any) -> jax.ShapeDtypeStruct:
        dims = tuple(d if isinstance(d, int) else 1 for d in tensor.shape.dims)
        return jax.ShapeDtypeStruct((1, batch_size, *dims), dtype)

    x = tuple(batch(t, np.int32 if t.shape.tokens else np.float32) for t in graph.inputs)
    y = tuple(batch(t, np.float32) for t in graph.outputs)  # targets shaped as the outputs (one-hot, values)
    compiled = trainer._compiled
    steps = jax.ShapeDtypeStruct((1,), np.int32)
    weights = jax.ShapeDtypeStruct((1, batch_size), np.float32)
    arguments = (
        trainer.params,
        trainer.opt_state,
        compiled.init_metrics(),
        x[0] if len(x) == 1 else x,
        y[0] if len(y) == 1 else y,
        weights,
        steps,
        trainer._key,
    )
    analysis = compiled.train_fed.lower(*arguments).compile().memory_analysis()
    if analysis is None:
        raise TypednnError(
            f"Trainer.memory: the {jax.default_backend()} backend gives no memory analysis of compiled programs",
            hint="the shape-based estimate (`typednn check`, `Model.summary(batch_size=...)`) still applies",
        )
    return StepMemory(
        batch_size,
        int(analysis.argument_size_in_bytes),
        int(analysis.output_size_in_bytes),
        int(analysis.temp_size_in_bytes),
        int(analysis.alias_size_in_bytes),
        sized,
    )


EXPORT_ASSUMPTIONS = "mean squared error on every output, Adam"
"""What `export_trainer` assumes, for `typednn summary DIR`'s line."""


def export_trainer(model: Any) -> Trainer[Any, Any]:
    """A trainer for the step memory of an exported model (`typednn summary DIR --batch-size N`).

    An export holds the model and its parameters, not the loss or the optimizer it was
    trained with: this takes mean squared error on every output (as a spec without a
    loss does: the cross-entropy of class outputs is not known from an export; a loss
    adds next to nothing to a step's memory) and Adam (spec files' default optimizer,
    two float32 moments per parameter), in float32. Its parameters are freshly
    initialised: the step's memory depends on their shapes, not their values.

    Args:
        model: The exported model (`tn.load(directory)[0]`).
    """
    import optax  # noqa: PLC0415 - only the summary of an export needs it

    from ._losses import mean_squared_error  # noqa: PLC0415
    from ._trainer import Trainer  # noqa: PLC0415 - the trainer imports this module

    return Trainer(model, loss=mean_squared_error, optimizer=optax.adam(1e-3))
