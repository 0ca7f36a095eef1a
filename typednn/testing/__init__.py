"""Shape tests for your models and layers, with hypothesis.

typednn checks each layer's one shape rule three times: at check time (mypy), at build
time (`Graph.validate`), and at test time, against what JAX computes. This package is
the test-time judge, for your own models and layers, from plain pytest functions:

- `check_model(model)`: `model.apply` gives the output shape the types promise, for
  batches of any size and any size of each named dim (`inputs(model)` draws them).
- `check_layer(Layer, hyper_strategy)`: a custom layer's rule equals `jax.eval_shape`
  of its lowering, and rejects exactly what JAX cannot run.
- `layers(kind)` / `CASES`: a strategy of valid hyperparameters and input shapes for
  every built-in layer kind.

It needs hypothesis (`pip install typednn[testing]`); `import typednn` does not load it.

Example:
    >>> from typednn import testing, zoo
    >>> testing.check_model(zoo.mlp(), max_examples=2)
"""

from ._case import Case as Case
from ._case import check_case as check_case
from ._case import lowered_shape as lowered_shape
from ._check_layer import check_layer as check_layer
from ._check_model import check_model as check_model
from ._inputs import inputs as inputs
from ._kinds import CASES as CASES
from ._kinds import layers as layers
from ._sizes import Dims as Dims
from ._sizes import images as images
from ._sizes import int_or_pair as int_or_pair
from ._sizes import sequences as sequences
from ._sizes import shapes as shapes

__all__ = [
    "CASES",
    "Case",
    "Dims",
    "check_case",
    "check_layer",
    "check_model",
    "images",
    "inputs",
    "int_or_pair",
    "layers",
    "lowered_shape",
    "sequences",
    "shapes",
]
