"""Running the model on a batch: padded up to a compiled batch size, cut back to the real rows.

One jitted `model.apply` program per batch size (jit's cache keeps them); padding a
batch of 5 to 8 rows costs little next to compiling a program for every size a burst
of requests happens to make. Rows are independent at inference (no layer mixes
examples unless training), so the padding rows change nothing in the real ones.
"""

from __future__ import annotations

import bisect
from typing import Any

import jax
import numpy as np

from .._model import Model
from ..export._contract import Contract, contract
from ..lower import Params

Array = np.ndarray[Any, Any]


class Runner:
    """A model, its parameters on the device, and its compiled batch sizes.

    Args:
        model: The model.
        params: Its parameters.
        sizes: The batch sizes to compile, ascending; a batch runs at the smallest that holds it.
    """

    def __init__(self, model: Model[Any, Any], params: Params, sizes: tuple[int, ...]) -> None:
        self.model = model
        self.params = jax.device_put(params)
        self.sizes = sizes
        self.contract: Contract = contract(model)
        self.dtypes = tuple(np.dtype(spec.dtype) for spec in self.contract.inputs)

    def compile_all(self) -> None:
        """Run every batch size once on zeros, so that no request waits for a compilation.

        A model with a named axis (`tn.Input(Seq, 4)`) compiles each length when it
        first meets it: its lengths are not known before requests give them.
        """
        if not all(spec.fixed for spec in self.contract.inputs):
            return
        for size in self.sizes:
            zeros = tuple(
                np.zeros((size, *(n for n in spec.shape if isinstance(n, int))), dtype)  # every size is one
                for spec, dtype in zip(self.contract.inputs, self.dtypes)
            )
            self.run(zeros)

    def padded_size(self, rows: int) -> int:
        """The compiled size a batch of `rows` runs at (rows itself above the largest)."""
        index = bisect.bisect_left(self.sizes, rows)
        return self.sizes[index] if index < len(self.sizes) else rows

    def run(self, xs: tuple[Array, ...]) -> tuple[Array, ...]:
        """The outputs for one batch (one array per input, rows first), one array per output.

        Runs outside the event loop (a worker thread): JAX releases the GIL while it computes.
        """
        rows = len(xs[0])
        size = self.padded_size(rows)
        if size > rows:
            xs = tuple(np.concatenate([x, np.zeros((size - rows, *x.shape[1:]), x.dtype)]) for x in xs)
        found: Any = self.model.apply(self.params, xs if len(xs) > 1 else xs[0])
        outputs = found if isinstance(found, tuple) else (found,)
        return tuple(np.asarray(y)[:rows] for y in outputs)
