"""Data: typed datasets and their sources."""

from ._builtin import digits as digits
from ._builtin import iris as iris
from ._dataset import Classes as Classes
from ._dataset import Dataset as Dataset
from ._dataset import from_arrays as from_arrays

__all__ = ["Classes", "Dataset", "digits", "from_arrays", "iris"]
