"""The ONNX export: one `.onnx` file through jax2onnx, verified in ONNX Runtime.

The file holds the model's inference with the parameters as initializers, the batch
axis symbolic (`batch`) and every named axis (`tn.Dim`) symbolic under its name, the
inputs and outputs named as the contract names them, and in `metadata_props`:
`typednn.contract` (the contract's JSON), `typednn.preprocessing` (the fitted column
transforms' JSON and where they run, or `null`), `typednn.opset`, `typednn.batch_axis`,
`typednn.version` and `typednn.max_abs_diff` (the verification's).

The opset: `DEFAULT_OPSET` (24), the newest whose operators jax2onnx 0.13 emits (it
writes nothing different above it), which ONNX Runtime 1.32 runs; `MIN_OPSET` to
`MAX_OPSET` may be asked for.

jax2onnx, onnx and onnxruntime are imported when an export runs (`pip install
'typednn[onnx]'`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from .._errors import TypednnError
from ..lower import Params
from ._contract import Contract, contract
from ._onnx_graph import fix_max_pools
from ._portable import BATCH_AXIS, ExportReport, first_line, inference, preprocessing, publish, typednn_version
from ._verify import verify

if TYPE_CHECKING:
    from .._model import Model
    from ..data.transforms import Columns

DEFAULT_OPSET = 24
MIN_OPSET = 17
"""The oldest opset asked for: LayerNormalization, which the converter emits, needs 17."""
MAX_OPSET = 25
"""The newest opset that ONNX Runtime 1.32 runs."""
INSTALL_HINT = "pip install 'typednn[onnx]'"
_CONVERTER_LOGGERS = ("jax2onnx", "onnx_ir", "onnxscript")


def onnx(
    model: Model[Any, Any],
    params: Params,
    out: str | os.PathLike[str],
    *,
    opset: int | None = None,
    transform: Columns | None = None,
) -> ExportReport:
    """Export `model`'s inference as an ONNX file, verified in ONNX Runtime against `model.apply`.

    Args:
        model: The model.
        params: Its parameters (`model.init`, training, or `tn.load`).
        out: The `.onnx` file to write; it must not exist (nothing is ever replaced).
        opset: The ONNX opset, from `MIN_OPSET` to `MAX_OPSET`; `DEFAULT_OPSET` when None.
        transform: The fitted column transforms that make the model's features from
            raw rows (`tn.load(DIR).transform`): described in the metadata, applied by
            the caller before the program.

    Returns:
        The report: the path, the format, the opset, the max abs diff of the verification, the contract.

    Raises:
        TypednnError: if the onnx extra is missing, `out` exists, the opset is out of
            range, jax2onnx cannot convert a layer (naming its primitive and where the
            layer computes it), ONNX Runtime cannot run the file, or its outputs differ
            from `model.apply`'s (nothing is written then).
    """
    where = f"exporting {model.name!r} to ONNX"
    chosen = DEFAULT_OPSET if opset is None else opset
    if isinstance(chosen, bool) or not isinstance(chosen, int) or not MIN_OPSET <= chosen <= MAX_OPSET:
        raise TypednnError(
            f"{where}: opset {chosen!r} is not one typednn exports to (expected {MIN_OPSET} to {MAX_OPSET})",
            hint=f"leave the opset out for {DEFAULT_OPSET}",
        )
    target = Path(os.path.abspath(out))
    _require(where)
    found = contract(model)
    proto = _convert(model, params, found, chosen, where)
    fix_max_pools(proto)
    session = _session(proto.SerializeToString(), where)
    names = [spec.name for spec in found.inputs]

    def run(inputs: list[Any]) -> list[Any]:
        try:
            outputs: list[Any] = session.run(None, dict(zip(names, inputs)))
        except Exception as error:  # ONNX Runtime's own errors carry the node that failed
            raise TypednnError(
                f"{where}: ONNX Runtime cannot run the converted model: {first_line(error)}",
                hint="the converter wrote an operator ONNX Runtime does not run; export to StableHLO instead",
            ) from None
        return outputs

    diff = verify(run, model, params, found, where)
    _metadata(proto, found, chosen, diff, preprocessing(model, transform))
    data = proto.SerializeToString()

    def write(path: Path) -> None:
        path.write_bytes(data)

    publish(target, write, "ONNX file")
    return ExportReport(target, "onnx", chosen, diff, found)


def _require(where: str) -> None:
    try:
        import jax2onnx  # noqa: F401, PLC0415 - optional (module docstring)
        import onnx  # noqa: F401, PLC0415
        import onnxruntime  # noqa: F401, PLC0415
    except ImportError as error:
        raise TypednnError(
            f"{where}: the ONNX export needs the packages jax2onnx, onnx and onnxruntime ({error})",
            hint=INSTALL_HINT,
        ) from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the converter's logging, and keep it from configuring the root logger.

    jax2onnx logs through the root logger (`logging.info`), which installs a stderr
    handler on a program that configured none, and warns with a traceback about plugins
    of libraries that are not in use; a CLI's output is its own.
    """
    root = logging.getLogger()
    guard = logging.NullHandler() if not root.handlers else None
    if guard is not None:
        root.addHandler(guard)
    loggers = [logging.getLogger(name) for name in _CONVERTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR + 10)  # errors too: a failure is raised, and told by typednn
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        if guard is not None:
            root.removeHandler(guard)


def _convert(model: Model[Any, Any], params: Params, found: Contract, opset: int, where: str) -> Any:
    from jax2onnx import to_onnx  # noqa: PLC0415

    arguments = [jax.ShapeDtypeStruct((BATCH_AXIS, *spec.shape), np.dtype(spec.dtype)) for spec in found.inputs]
    try:
        with _quiet():
            return to_onnx(
                inference(model, params),
                inputs=arguments,
                input_names=[spec.name for spec in found.inputs],
                output_names=[spec.name for spec in found.outputs],
                opset=opset,
            )
    except Exception as error:  # the converter's failure on this model, told with its reason
        raise TypednnError(
            f"{where}: jax2onnx cannot convert {_failing(error)}: {type(error).__name__}: {first_line(error)}",
            hint="export to StableHLO instead (typednn export --format stablehlo), which takes every layer",
        ) from None


def _failing(error: BaseException) -> str:
    """The primitive that failed to convert, and where typednn's code computes it (its layer's file)."""
    eqn = None
    trace = error.__traceback__
    while trace is not None:  # the innermost converter frame that holds the equation being converted
        candidate = trace.tb_frame.f_locals.get("eqn")
        if candidate is not None and hasattr(candidate, "primitive"):
            eqn = candidate
        trace = trace.tb_next
    if eqn is None:
        return "the model"
    place = ""
    with contextlib.suppress(Exception):  # where the layer's code is: best effort, from JAX's source info
        frames = [f for f in eqn.source_info.traceback.frames if f"{os.sep}typednn{os.sep}" in f.file_name]
        if frames:
            frame = frames[0]
            place = f" (computed at {Path(frame.file_name).name}:{frame.start_line}, in {frame.function_name})"
    return f"primitive {eqn.primitive.name!r}{place}"


def _session(data: bytes, where: str) -> Any:
    import onnxruntime  # noqa: PLC0415

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # fatal only: a failure is raised, and told by typednn
    try:
        return onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # ONNX Runtime's reason names the node it rejects
        raise TypednnError(
            f"{where}: ONNX Runtime cannot load the converted model: {first_line(error)}",
            hint="the converter wrote an operator ONNX Runtime does not run; export to StableHLO instead",
        ) from None


def _metadata(proto: Any, found: Contract, opset: int, diff: float, prep: dict[str, Any] | None) -> None:
    from onnx import helper  # noqa: PLC0415

    helper.set_model_props(
        proto,
        {
            "typednn.contract": json.dumps(found.to_json()),
            "typednn.preprocessing": json.dumps(prep),
            "typednn.opset": str(opset),
            "typednn.batch_axis": BATCH_AXIS,
            "typednn.version": typednn_version(),
            "typednn.max_abs_diff": repr(diff),
        },
    )
