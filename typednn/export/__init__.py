"""Exported models: a directory with `spec.json` (the graph, readable) and `weights.safetensors`.

`save(model, params, directory)` (`tn.save`) writes one, atomically; `load(directory)` reads it back,
validating everything, and never executes anything from the files (no pickle).
"""

from ._load import load as load
from ._save import save as save

__all__ = ["load", "save"]
