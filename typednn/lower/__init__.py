"""Lowering: a validated graph as pure JAX functions."""

from ._lower import Lowered as Lowered
from ._lower import Params as Params
from ._lower import check_inputs as check_inputs
from ._lower import lower as lower

__all__ = ["Lowered", "Params", "check_inputs", "lower"]
