"""Typed layers: hyperparameters, the shared shape rule, and a lowering to JAX.

The implementation package. Its layers' public face is `typednn.nn` (`nn.Dense`), which
imports each class from its family module (`_dense.py`); this module exports what the
rest of typednn and custom layers build on: `Layer`, the type variable `P`, `ParamTree`,
`concrete`, `register_layer`, and the graph's `Input`, `Tensor`, `Tokens` and `Node`.
"""

import importlib
import pkgutil

from ._base import Layer as Layer
from ._base import P as P
from ._base import ParamTree as ParamTree
from ._base import Sequential as Sequential
from ._lowering import concrete as concrete
from ._registry import register_layer as register_layer
from ._tensor import Input as Input
from ._tensor import Node as Node
from ._tensor import Tensor as Tensor
from ._tensor import Tokens as Tokens

# Each layer class of typednn registers its kind as it is defined (`Layer.__init_subclass__`),
# so every module here loads with the package: a spec file, an export or codegen never
# meets a kind whose module no one has imported yet, and a new layer file needs no line here.
for _module in sorted(info.name for info in pkgutil.iter_modules(__path__, f"{__name__}.")):
    importlib.import_module(_module)
del _module

__all__ = [
    "Input",
    "Layer",
    "Node",
    "P",
    "ParamTree",
    "Sequential",
    "Tensor",
    "Tokens",
    "concrete",
    "register_layer",
]
