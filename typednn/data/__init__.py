"""Data: typed datasets, their sources (CSV, Parquet, Arrow, NumPy, JSON Lines, images, bundled), and schemas.

Every source returns a `Dataset` whose features are float32 `(examples, *shape)` and whose
targets are int32 class ids (with `classes`, and `class_names` when the data names them)
or float32 values. `schema(kind, ...)` tells what a source holds without loading it all;
`SOURCES` is the registry that spec files use.
"""

from . import transforms as transforms
from ._batch import Batch as Batch
from ._builtin import builtin as builtin
from ._builtin import digits as digits
from ._builtin import iris as iris
from ._csv import csv as csv
from ._dataset import Classes as Classes
from ._dataset import Dataset as Dataset
from ._dataset import Partition as Partition
from ._from_arrays import from_arrays as from_arrays
from ._images import images as images
from ._inputs import read_input_arrays as read_input_arrays
from ._inputs import read_inputs as read_inputs
from ._jsonl import jsonl as jsonl
from ._numpy import npy as npy
from ._numpy import npz as npz
from ._parquet import arrow as arrow
from ._parquet import parquet as parquet
from ._pickle import pickle as pickle
from ._raw_table import Table as Table
from ._raw_table import table as table
from ._schema import Schema as Schema
from ._sources import SOURCES as SOURCES
from ._sources import Source as Source
from ._sources import schema as schema

__all__ = [
    "SOURCES",
    "Batch",
    "Classes",
    "Dataset",
    "Partition",
    "Schema",
    "Source",
    "Table",
    "arrow",
    "builtin",
    "csv",
    "digits",
    "from_arrays",
    "images",
    "iris",
    "jsonl",
    "npy",
    "npz",
    "parquet",
    "pickle",
    "read_input_arrays",
    "read_inputs",
    "schema",
    "table",
    "transforms",
]
