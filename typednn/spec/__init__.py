"""Spec files: a model, its data and its training in YAML or JSON, checked like typed code.

`read` validates a file (every error at its `file:line:col`) and builds the model with
the shared shape rules; `check_data` compares the data's shapes with the model;
`train` runs it into a run directory; `codegen` writes typed Python for the model.
"""

from ._codegen import codegen as codegen
from ._load import SUFFIXES as SUFFIXES
from ._load import Spec as Spec
from ._load import check_data as check_data
from ._load import read as read
from ._run import Parts as Parts
from ._run import Result as Result
from ._run import load_data as load_data
from ._run import train as train
from ._run import trainer as trainer
from ._schema import json_schema as json_schema

__all__ = [
    "SUFFIXES",
    "Parts",
    "Result",
    "Spec",
    "check_data",
    "codegen",
    "json_schema",
    "load_data",
    "read",
    "train",
    "trainer",
]
