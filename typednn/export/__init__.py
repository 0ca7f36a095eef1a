"""Exported models: a directory with `spec.json` (the graph, readable) and `weights.safetensors`.

`save(model, params, directory)` (`tn.save`) writes one, atomically; `load(directory)` reads it back,
validating everything, and never executes anything from the files (no pickle).

`stablehlo(model, params, out)` and `onnx(model, params, out)` write portable exports of the
model's inference for other runtimes (plain JAX, ONNX Runtime), each verified against
`model.apply` before it is written.
"""

from ._load import load as load
from ._onnx import onnx as onnx
from ._portable import ExportReport as ExportReport
from ._save import save as save
from ._stablehlo import stablehlo as stablehlo

__all__ = ["ExportReport", "load", "onnx", "save", "stablehlo"]
