"""Steps per dispatch for convolutions on CPU: one step, then eight once they compiled beside the training.

On XLA:CPU a convolution's gradient inside a loop runs several times slower, so such a
model's chunks are unrolled (`_steps.Compiled.unroll`), and an unrolled program takes
longer to compile the more steps it holds. One step per dispatch compiles fastest, so
the first epoch starts soonest; eight unrolled steps run faster once compiled.

So such a model trains one step per dispatch, and when the fit has enough left to gain
from it, a thread compiles the `WIDE`-step program (`jax.jit(...).lower(...).compile()`)
beside the training: when its remaining steps, at the measured time per step, take at
least `PAYBACK` times the one-step program's compile. Epochs that start once it is
ready run `WIDE` steps per dispatch, a ragged last batch and the remainder one by one
(the 1-step programs); after such an epoch, the chunking measured faster per step is
kept. A run that names `steps_per_dispatch` gets exactly that.

Measured on the benchmark CNN (8 batches of 128 an epoch, 2 cores, no compilation
cache): the one-step program compiles in 1.3-1.5 s, the 8-step one in 2.8 s; an epoch
takes 0.37 s (median) at one step per dispatch and 0.32 s at eight. Compiling beside
the training slowed the epochs it overlapped by about 2.4 s in all, so it pays for
itself after about 37 epochs, 13 s of training: ten times the one-step compile.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Callable
from typing import Any, cast

import jax

WIDE = 8
# The fit's remaining time at one step per dispatch, over the one-step program's compile,
# from which compiling the wide program beside the training pays (see above).
PAYBACK = 10


class Widening:
    """One trainer's choice between one and `WIDE` steps per dispatch, with the wide program once compiled."""

    def __init__(self) -> None:
        self._compiling: threading.Thread | None = None
        self._program: Any = None  # jax.stages.Compiled: the training step over WIDE steps
        self._abstract: Any = None  # the shapes and dtypes it was compiled for
        self._seconds: dict[int, float] = {}  # the best measured run time per step, by chunk length
        self._unit_compile: float | None = None

    def steps_per_chunk(self, steps_per_epoch: int) -> int:
        """`WIDE` when its program is ready and not measured slower than one step; else 1."""
        if self._program is None or steps_per_epoch < WIDE:
            return 1
        wide, unit = self._seconds.get(WIDE), self._seconds.get(1)
        return 1 if wide is not None and unit is not None and wide >= unit else WIDE

    def measured(self, per_chunk: int, *, steps: int, seconds: float, compile_seconds: float) -> None:
        """Record an epoch's run time per step (its compile taken out) at `per_chunk` steps per dispatch."""
        if not steps:
            return
        if per_chunk == 1 and compile_seconds and self._unit_compile is None:
            self._unit_compile = compile_seconds
        per_step = (seconds - compile_seconds) / steps
        self._seconds[per_chunk] = min(per_step, self._seconds.get(per_chunk, per_step))

    def maybe_compile(
        self, train: Callable[..., Any], args: tuple[Any, ...], per_step: tuple[int, ...], *, left: int
    ) -> None:
        """Start compiling the wide program beside the training, when `left` steps at one per dispatch pay for it.

        Args:
            train: The jitted chunk function that took `args` on one step.
            args: Its positional arguments (the static `padded` is False).
            per_step: The positions in `args` of the arrays whose leading axis is the chunk's steps.
            left: Optimizer steps this fit has still to run.
        """
        if self._compiling is not None or self._unit_compile is None or 1 not in self._seconds:
            return
        if left < WIDE or left * self._seconds[1] < PAYBACK * self._unit_compile:
            return
        abstract = _wide(args, per_step)

        def compile_wide() -> None:
            # A compile that fails here (it would fail as the 1-step one did not) leaves one step per dispatch.
            with contextlib.suppress(Exception):
                program = train.lower(*abstract, padded=False).compile()  # type: ignore[attr-defined]
                self._abstract = abstract
                self._program = program

        self._compiling = threading.Thread(target=compile_wide, name="typednn-widen", daemon=True)
        self._compiling.start()
        # A compile still running when Python exits would race XLA's own teardown.
        atexit.register(self._compiling.join)

    def call(self, train: Callable[..., Any], args: tuple[Any, ...], per_step: tuple[int, ...]) -> Any:
        """Run a chunk of `WIDE` steps: the wide program when `args` match it, else `train` (which compiles)."""
        if self._program is not None and _same(_wide(args, per_step), self._abstract):
            return self._program(*args)
        return train(*args, padded=False)


def _wide(args: tuple[Any, ...], per_step: tuple[int, ...]) -> tuple[Any, ...]:
    """The shapes of a chunk's `args` over `WIDE` steps (`per_step`: the positions whose leading axis is the steps)."""
    return tuple(
        jax.tree.map(lambda a, steps=WIDE if i in per_step else None: _abstract(a, steps), arg)
        for i, arg in enumerate(args)
    )


def _abstract(array: Any, steps: int | None) -> jax.ShapeDtypeStruct:
    """`array`'s shape and dtype (its leading axis `steps` when given), placed where it is."""
    shape = array.shape if steps is None else (steps, *array.shape[1:])
    sharding = getattr(array, "sharding", None)
    return jax.ShapeDtypeStruct(shape, array.dtype, sharding=sharding, weak_type=getattr(array, "weak_type", False))


def _same(a: Any, b: Any) -> bool:
    left, left_tree = jax.tree.flatten(a)
    right, right_tree = jax.tree.flatten(b)
    same_tree: bool = cast(Any, left_tree) == right_tree  # PyTreeDef's stub declares no __eq__
    return same_tree and all(
        (x.shape, x.dtype, x.weak_type) == (y.shape, y.dtype, y.weak_type) for x, y in zip(left, right)
    )
