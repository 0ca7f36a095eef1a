"""Gradient accumulation: `Trainer(..., accumulate=N)`, one update every N batches.

The update is `optax.MultiSteps`: it keeps the running mean of N batches' gradients in
the optimizer state and hands it to the optimizer on every N-th batch (and a zero
update on the others). A step's loss is `sum(weight * loss) / batch size`, so for N
full batches of B examples that mean is the gradient of one batch of N*B examples:
the same update, to float32 rounding. The accumulator is optimizer state, so
checkpoints and `resume` carry it.
"""

from __future__ import annotations

import optax

from .._errors import TypednnError
from .._shapes._dims import MAX_SIZE
from .._words import given


def check_accumulate(accumulate: object) -> int:
    """`accumulate`, an int from 1 to 2**31 - 1.

    Raises:
        TypednnError: for anything else.
    """
    if type(accumulate) is not int or not 1 <= accumulate <= MAX_SIZE:
        raise TypednnError(
            f"Trainer: accumulate must be an int from 1 to 2**31 - 1, not {given(accumulate)}",
            hint="accumulate=4 applies the mean gradient of 4 batches at once; 1 (the default) updates every batch",
        )
    return accumulate


def accumulating(optimizer: optax.GradientTransformation, accumulate: int) -> optax.GradientTransformation:
    """`optimizer`, updating once every `accumulate` batches with the mean of their gradients.

    Args:
        optimizer: The optax optimizer.
        accumulate: Batches per update; 1 returns `optimizer` itself (the programs are
            those without accumulation).
    """
    if accumulate == 1:
        return optimizer
    return optax.MultiSteps(optimizer, every_k_schedule=accumulate).gradient_transformation()
