"""Verification on writing: an exported program must compute what `model.apply` computes.

Both formats run their artifact (StableHLO: deserialized and called; ONNX: in ONNX
Runtime) on seeded sample inputs of the contract's shapes, at batch sizes 1 and 3 (two
sizes prove the batch axis symbolic), and compare every output with `model.apply`.

The sample inputs: floats drawn from N(0, 1); int32 token ids drawn from {0, 1}, valid
for any embedding (a vocabulary has at least two ids, and 0 is the padding id a masked
embedding skips); a named axis (`tn.Dim`) sized `NAMED_AXIS_SIZE`.

The tolerance: the largest absolute difference must be at most `TOLERANCE` (1e-5) times
the largest magnitude of `model.apply`'s output, when that exceeds 1. Float32 rounds
relative to a value's size, and two compilers that order a sum differently differ by a
few units in the last place of the output's largest values, so a fixed 1e-5 would
refuse correct programs whose outputs are in the hundreds; for outputs of magnitude up
to 1 (probabilities, normalized features, most logits) the bound is the plain 1e-5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import TypednnError
from ..lower import Params
from ._contract import Contract, TensorSpec

if TYPE_CHECKING:
    from .._model import Model

Array = np.ndarray[Any, Any]

TOLERANCE = 1e-5
"""The largest difference allowed, relative to the output's magnitude when above 1."""
BATCH_SIZES = (1, 3)
NAMED_AXIS_SIZE = 8
"""The size every named axis (`tn.Dim`) gets in the sample inputs."""
SEED = 0


def sample_inputs(contract: Contract, batch: int, *, seed: int = SEED) -> list[Array]:
    """One seeded array per input, `(batch, *shape)`, named axes sized `NAMED_AXIS_SIZE`.

    Example:
        >>> from typednn.export._contract import Contract, TensorSpec
        >>> found = sample_inputs(Contract((TensorSpec("ids", ("Seq",), "int32"),), ()), 3)
        >>> found[0].shape, found[0].dtype, int(found[0].max()) <= 1
        ((3, 8), dtype('int32'), True)
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in contract.inputs:
        shape = (batch, *(size if isinstance(size, int) else NAMED_AXIS_SIZE for size in spec.shape))
        if spec.dtype == "int32":
            arrays.append(rng.integers(0, 2, size=shape).astype(np.int32))
        else:
            arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def verify(
    run: Callable[[list[Array]], Sequence[Any]],
    model: Model[Any, Any],
    params: Params,
    contract: Contract,
    where: str,
) -> float:
    """The largest difference between `run`'s outputs and `model.apply`'s; refuses beyond the tolerance.

    Args:
        run: Runs the artifact on the input arrays, returning its outputs in the contract's order.
        model: The model exported.
        params: Its parameters.
        contract: Its contract, for the sample inputs' shapes and the outputs' names.
        where: How messages name the export, e.g. "exporting 'mlp' to ONNX".

    Returns:
        The largest absolute difference over every output, batch size and element.

    Raises:
        TypednnError: naming the output, the batch size and the numbers, if an output
            has another shape or differs by more than the tolerance.
    """
    largest = 0.0
    for batch in BATCH_SIZES:
        inputs = sample_inputs(contract, batch)
        found: Any = model.apply(params, tuple(inputs))
        expected = found if isinstance(found, tuple) else (found,)
        actual = run(inputs)
        for spec, want, got in zip(contract.outputs, expected, actual, strict=True):
            largest = max(largest, _compare(spec, np.asarray(want), np.asarray(got), batch, where))
    return largest


def _compare(spec: TensorSpec, want: Array, got: Array, batch: int, where: str) -> float:
    hint = "the converter computes this model differently; export the other format, or report the model"
    if want.shape != got.shape:
        raise TypednnError(
            f"{where}: the exported program's output {spec.name!r} has shape {got.shape} at batch size {batch},"
            f" but model.apply gives {want.shape}",
            hint=hint,
        )
    if not np.array_equal(np.isfinite(want), np.isfinite(got)):
        raise TypednnError(
            f"{where}: the exported program's output {spec.name!r} is not finite where model.apply's is"
            f" (or the other way round) at batch size {batch}",
            hint=hint,
        )
    finite = np.isfinite(want)
    if not finite.any():
        return 0.0
    diff = float(np.max(np.abs(want[finite].astype(np.float64) - got[finite].astype(np.float64))))
    scale = max(1.0, float(np.max(np.abs(want[finite]))))
    allowed = TOLERANCE * scale
    if not diff <= allowed:
        raise TypednnError(
            f"{where}: the exported program's output {spec.name!r} differs from model.apply by up to {diff:.3g}"
            f" at batch size {batch}, more than the {allowed:.3g} allowed ({TOLERANCE:g} x max(1, largest |output|"
            f" {scale:.3g}))",
            hint=hint,
        )
    return diff
