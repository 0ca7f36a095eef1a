"""Training on many devices and many processes, on JAX's distributed runtime.

`Trainer(model, ..., mesh=data_mesh())` splits each batch over the mesh's `data` axis;
`initialize` joins a multi-process job first. See docs/distributed.md.
"""

from ._mesh import DATA as DATA
from ._mesh import Placement as Placement
from ._mesh import data_mesh as data_mesh
from ._runtime import DistributedError as DistributedError
from ._runtime import barrier as barrier
from ._runtime import collective_failures as collective_failures
from ._runtime import initialize as initialize
from ._runtime import is_chief as is_chief
from ._runtime import process_count as process_count
from ._runtime import process_index as process_index

__all__ = [
    "DATA",
    "DistributedError",
    "Placement",
    "barrier",
    "collective_failures",
    "data_mesh",
    "initialize",
    "is_chief",
    "process_count",
    "process_index",
]
