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
    from . import distributed as distributed
    from . import hub as hub
    from . import losses as losses
    from . import metrics as metrics
    from . import nn as nn
    from . import spec as spec
    from . import testing as testing
    from . import zoo as zoo
    from ._model import Model as Model
    from ._shapes import UNKNOWN as UNKNOWN
    from ._shapes import Dim as Dim
    from ._shapes import Div as Div
    from ._shapes import Hyper as Hyper
    from ._shapes import HyperparameterError as HyperparameterError
    from ._shapes import Minus as Minus
    from ._shapes import Plus as Plus
    from ._shapes import Shape as Shape
    from ._shapes import ShapeError as ShapeError
    from ._shapes import Size as Size
    from ._shapes import Times as Times
    from .checking import checked as checked
    from .data import Classes as Classes
    from .export import load as load
    from .export import save as save
    from .keras import import_keras as import_keras
    from .layers import Input as Input
    from .layers import Layer as Layer
    from .layers import Tensor as Tensor
    from .layers import Tokens as Tokens
    from .layers import register_layer as register_layer
    from .train import History as History
    from .train import NonFiniteLossError as NonFiniteLossError
    from .train import Trainer as Trainer

__version__ = "0.1.0"

_LAZY = {
    "UNKNOWN": "typednn._shapes",
    "checked": "typednn.checking",
    "load": "typednn.export",
    "save": "typednn.export",
    "import_keras": "typednn.keras",
    "Classes": "typednn.data",
    "Dim": "typednn._shapes",
    "Div": "typednn._shapes",
    "Minus": "typednn._shapes",
    "Plus": "typednn._shapes",
    "Times": "typednn._shapes",
    "HyperparameterError": "typednn._shapes",
    "Input": "typednn.layers",
    "Layer": "typednn.layers",
    "Model": "typednn._model",
    "Hyper": "typednn._shapes",
    "Shape": "typednn._shapes",
    "Size": "typednn._shapes",
    "ShapeError": "typednn._shapes",
    "Tensor": "typednn.layers",
    "Tokens": "typednn.layers",
    "register_layer": "typednn.layers",
    "History": "typednn.train",
    "NonFiniteLossError": "typednn.train",
    "Trainer": "typednn.train",
}
_SUBMODULES = ("callbacks", "data", "distributed", "hub", "losses", "metrics", "nn", "spec", "testing", "zoo")

# One list: what `__getattr__` loads (and the eager TypednnError) is what the package
# exports; tests/test_public_api.py checks that the TYPE_CHECKING block names the same.
# (A comprehension, not `sorted(...)`: ruff's PLE0605 takes only a list or tuple here.)
__all__ = [name for name in sorted(["TypednnError", *_LAZY, *_SUBMODULES])]


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
