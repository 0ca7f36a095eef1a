"""Steps per dispatch for convolutions on CPU: one step, or eight in a fit long enough to pay for compiling them.

On XLA:CPU a convolution's gradient inside a loop runs several times slower, so such a
model's chunks are unrolled (`_steps.Compiled.unroll`), and an unrolled program takes
longer to compile the more steps it holds. One step per dispatch compiles fastest, so
the first epoch starts soonest; eight unrolled steps run faster once compiled.

So such a model's first epoch runs one step per dispatch, and the later ones `WIDE`
steps (a ragged last batch and the remainder one by one) when the fit's work after its
first epoch, in FLOPs by XLA's cost analysis of the model's forward pass (times 3 for
the backward pass), is at least `WIDEN_FLOPS`. The choice is a function of the model,
the batch size and the fit's planned epochs only, never of a timing: a fit is
bit-identical run after run, and a resumed fit chunks each epoch as the uninterrupted
one did. A fit that names `steps_per_dispatch` gets exactly that.

Measured on the benchmark CNN (8 batches of 128 an epoch, 0.64 GFLOP a step, 2 cores, no
compilation cache): the 8-step program compiles in 2.8 s, the one-step one in 1.3-1.5 s;
an epoch takes 0.37 s (median) at one step per dispatch and 0.30 s at eight. The extra
compile pays after about 40 epochs, 205 GFLOP; `WIDEN_FLOPS` asks half as much again.
"""

from __future__ import annotations

from typing import Any

import jax

from ..lower import Lowered, Params
from ._inference import inputs

WIDE = 8
WIDEN_FLOPS = 3e11


class Widening:
    """One trainer's choice between one and `WIDE` steps per dispatch; it keeps the FLOPs per step it measured."""

    def __init__(self, lowered: Lowered) -> None:
        self._lowered = lowered
        self._flops: dict[tuple[Any, ...], float] = {}

    def steps_per_chunk(
        self, epoch: int, *, epochs: int, steps_per_epoch: int, params: Params, features: Any, batch_size: int
    ) -> int:
        """`WIDE` for `epoch` (0-based) of a fit of `epochs` whose work after its first epoch pays for it; else 1.

        Args:
            epoch: The epoch about to run.
            epochs: The fit's last epoch (exclusive), as `fit(epochs=)`: the same in a resumed fit.
            steps_per_epoch: Optimizer steps in an epoch.
            params: The model's parameters (their shapes are read).
            features: The dataset's features (their per-example shapes and dtypes are read).
            batch_size: Examples per step.
        """
        later = (epochs - 1) * steps_per_epoch
        if epoch < 1 or steps_per_epoch < WIDE or later < 4 * WIDE:
            return 1
        return WIDE if later * self.flops(params, features, batch_size) >= WIDEN_FLOPS else 1

    def flops(self, params: Params, features: Any, batch_size: int) -> float:
        """A training step's FLOPs: 3 times the forward pass's, by XLA's cost analysis (no compile)."""
        xs = tuple(jax.ShapeDtypeStruct((batch_size, *x.shape[1:]), x.dtype) for x in inputs(features))
        key = tuple((x.shape, str(x.dtype)) for x in xs)
        if key not in self._flops:
            shapes = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), params)
            cost = jax.jit(self._lowered.apply).lower(shapes, *xs).cost_analysis()
            found = cost[0] if isinstance(cost, list) else cost
            self._flops[key] = 3 * float((found or {}).get("flops", 0.0))
        return self._flops[key]
