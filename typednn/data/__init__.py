"""Data: typed datasets and their sources."""

from ._dataset import Classes as Classes
from ._dataset import Dataset as Dataset
from ._dataset import from_arrays as from_arrays

__all__ = ["Classes", "Dataset", "from_arrays"]
