"""Exported models: a directory with `spec.json` (the graph, readable) and `weights.safetensors`.

`model.save(directory, params)` writes one, atomically; `load(directory)` reads it back,
validating everything, and never executes anything from the files (no pickle).
"""

from ._load import load as load
from ._save import save as save

__all__ = ["load", "save"]
