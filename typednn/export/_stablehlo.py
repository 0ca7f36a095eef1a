"""The StableHLO export: `jax.export` of a model's inference, runnable from plain JAX without typednn.

The export is a directory:

- `model.stablehlo`: the bytes of `jax.export.Exported.serialize()`: the program with
  the parameters baked in as constants (see `typednn.export._portable` for why), the
  batch axis symbolic (`batch`) and every named axis (`tn.Dim`) symbolic under its name;
- `signature.json`: the contract (each input's and output's name, shape and dtype), the
  batch axis's name, the JAX and typednn versions, the verification's max abs diff, and
  the fitted preprocessing (column transforms), if any.

Running it needs JAX and NumPy only; the call returns a tuple with one array per output,
in the contract's order:

    import jax, numpy as np
    with open("mlp.stablehlo/model.stablehlo", "rb") as file:
        program = jax.export.deserialize(bytearray(file.read()))
    (scores,) = program.call(np.zeros((5, 784), np.float32))
    print(scores.shape)  # (5, 10)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from .._errors import TypednnError
from ..lower import Params
from ._contract import Contract, contract
from ._portable import BATCH_AXIS, ExportReport, first_line, inference, preprocessing, publish, typednn_version
from ._verify import BATCH_SIZES, NAMED_AXIS_SIZE, TOLERANCE, verify

if TYPE_CHECKING:
    from .._model import Model
    from ..data.transforms import Columns

PROGRAM_FILE = "model.stablehlo"
SIGNATURE_FILE = "signature.json"
FORMAT = "typednn-stablehlo"


def stablehlo(
    model: Model[Any, Any],
    params: Params,
    out: str | os.PathLike[str],
    *,
    transform: Columns | None = None,
) -> ExportReport:
    """Export `model`'s inference as a StableHLO artifact directory, verified against `model.apply`.

    Args:
        model: The model.
        params: Its parameters (`model.init`, training, or `tn.load`).
        out: The directory to write; it must not exist (nothing is ever replaced).
        transform: The fitted column transforms that make the model's features from
            raw rows (`tn.load(DIR).transform`): described in signature.json, applied
            by the caller before the program.

    Returns:
        The report: the path, the format, the max abs diff of the verification, the contract.

    Raises:
        TypednnError: if `out` exists, JAX cannot export the model, or the artifact's
            outputs differ from `model.apply`'s (nothing is written then).

    Example:
        >>> import jax, tempfile
        >>> import typednn as tn
        >>> from typednn import nn
        >>> from typednn.export import stablehlo
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     report = stablehlo(model, model.init(jax.random.key(0)), f"{folder}/net")
        >>> report.format, report.max_abs_diff <= 1e-5
        ('stablehlo', True)
    """
    target = Path(os.path.abspath(out))
    where = f"exporting {model.name!r} to StableHLO"
    found = contract(model)
    program = _export(model, params, found, where)
    data = bytes(program.serialize())

    def run(inputs: list[Any]) -> tuple[Any, ...]:
        outputs: tuple[Any, ...] = jax.export.deserialize(bytearray(data)).call(*inputs)
        return outputs

    diff = verify(run, model, params, found, where)
    signature = {
        "format": FORMAT,
        "program": PROGRAM_FILE,
        "contract": found.to_json(),
        "inputs": [spec.name for spec in found.inputs],
        "outputs": [spec.name for spec in found.outputs],
        "batch_axis": BATCH_AXIS,
        "jax": jax.__version__,
        "typednn": typednn_version(),
        "calling": "jax.export.deserialize(bytes).call(*inputs) -> a tuple, one array per output",
        "verification": {
            "max_abs_diff": diff,
            "tolerance": TOLERANCE,
            "batch_sizes": list(BATCH_SIZES),
            "named_axis_size": NAMED_AXIS_SIZE,
        },
        "preprocessing": preprocessing(model, transform),
    }

    def write(folder: Path) -> None:
        folder.mkdir()
        (folder / PROGRAM_FILE).write_bytes(data)
        (folder / SIGNATURE_FILE).write_text(json.dumps(signature, indent=2) + "\n", encoding="utf-8")

    publish(target, write, "StableHLO directory")
    return ExportReport(target, "stablehlo", None, diff, found)


def _export(model: Model[Any, Any], params: Params, found: Contract, where: str) -> jax.export.Exported:
    """`jax.export` of the inference, the batch axis and every named axis symbolic."""
    named = sorted({size for spec in found.inputs for size in spec.shape if isinstance(size, str)})
    bad = [name for name in named if not name.isidentifier() or name == BATCH_AXIS]
    if bad:
        raise TypednnError(
            f"{where}: the input axis {bad[0]!r} cannot be a symbolic dimension",
            hint="give the model's inputs fixed sizes or plain tn.Dim axes",
        )
    symbols = jax.export.symbolic_shape(", ".join([BATCH_AXIS, *named]))
    sizes = dict(zip([BATCH_AXIS, *named], symbols))
    arguments = [
        jax.ShapeDtypeStruct(
            (sizes[BATCH_AXIS], *(sizes[s] if isinstance(s, str) else s for s in spec.shape)), np.dtype(spec.dtype)
        )
        for spec in found.inputs
    ]
    try:
        return jax.export.export(jax.jit(inference(model, params)))(*arguments)
    except Exception as error:  # any failure of the tracer is this model's, told with its reason
        raise TypednnError(
            f"{where}: JAX cannot export the model: {type(error).__name__}: {first_line(error)}",
            hint="a named axis the model needs at a fixed size cannot stay symbolic; give the input a fixed size",
        ) from None
