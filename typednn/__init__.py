"""typednn: neural networks as statically typed code.

The shape of every tensor travels in the types, so mypy (with `typednn.mypy`) rejects a
mis-wired model before anything runs; the validated graph lowers to JAX.

The package imports lazily: `import typednn.mypy` (which mypy does on every check) must
not import JAX, so the names below load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._errors import TypednnError as TypednnError

if TYPE_CHECKING:
    from . import callbacks as callbacks
    from . import data as data
    from . import losses as losses
    from . import metrics as metrics
    from . import nn as nn
    from . import spec as spec
    from ._model import Model as Model
    from ._shapes import Dim as Dim
    from ._shapes import HyperparameterError as HyperparameterError
    from ._shapes import ShapeError as ShapeError
    from .checking import checked as checked
    from .data import Classes as Classes
    from .export import load as load
    from .layers import Input as Input
    from .layers import Tensor as Tensor
    from .train import History as History
    from .train import NonFiniteLossError as NonFiniteLossError
    from .train import Trainer as Trainer

__version__ = "0.1.0"

_LAZY = {
    "checked": "typednn.checking",
    "load": "typednn.export",
    "Classes": "typednn.data",
    "Dim": "typednn._shapes",
    "HyperparameterError": "typednn._shapes",
    "Input": "typednn.layers",
    "Model": "typednn._model",
    "ShapeError": "typednn._shapes",
    "Tensor": "typednn.layers",
    "History": "typednn.train",
    "NonFiniteLossError": "typednn.train",
    "Trainer": "typednn.train",
}
_SUBMODULES = ("callbacks", "data", "losses", "metrics", "nn", "spec")

__all__ = [
    "Classes",
    "Dim",
    "History",
    "HyperparameterError",
    "Input",
    "Model",
    "NonFiniteLossError",
    "ShapeError",
    "Tensor",
    "Trainer",
    "TypednnError",
    "callbacks",
    "checked",
    "data",
    "load",
    "losses",
    "metrics",
    "nn",
    "spec",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"typednn.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'typednn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
