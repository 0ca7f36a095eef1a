"""What a layer's type says to the mypy plugin: its members, its rule, whether it has parameters.

Used only by the mypy plugin; imports mypy and the jax-free `_shapes`, never JAX.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TypeVar

from mypy.nodes import TypeInfo
from mypy.types import Instance, ProperType

from ._mypy_block import BLOCK, declared
from ._mypy_convert import LAYER, layer_hyper, members
from ._shapes import Hyper, Shape, compose

MAX_UNION_CASES = 64
"""Combinations of union members a call is tried with, at most (bounded time for any program)."""

T = TypeVar("T")


def union_cases(options: Sequence[Sequence[T]]) -> list[tuple[T, ...]] | None:
    """Every combination of the members each argument may be, or None when there are too many to try.

    A call is an error only when every combination fails, so none may be left out:
    past `MAX_UNION_CASES` the call is not judged at all.
    """
    if math.prod(len(found) for found in options) > MAX_UNION_CASES:
        return None
    return list(itertools.product(*options))


def members_of(layer: ProperType) -> list[Instance] | None:
    """A Sequential's layers, or the layer itself (a layer typed `nn.Block[In, Out]` too); None when unknown."""
    if isinstance(layer, Instance) and layer.type.fullname == BLOCK:
        return [layer]
    return members(layer)


def rule_of(layer: Instance) -> Hyper | None:
    """The rule a layer's type states: its stored hyperparameters, or the shapes its `Block` type declares."""
    return declared(layer) or layer_hyper(layer)


def run_layer(layer: object, shapes: list[Shape]) -> Shape:
    """Apply a layer's rule (or each member's, for a Sequential); unknown layers give anything."""
    if not isinstance(layer, Instance):
        return Shape.anything()
    chain = [rule_of(member) for member in members_of(layer) or []]
    known = [rule for rule in chain if rule is not None]
    if not known or len(known) < len(chain):
        return Shape.anything()
    return known[0].output_shape(*shapes) if len(known) == 1 else compose(known, shapes[0])


def describe(layer: Instance) -> str:
    """A layer as messages show it (`Dense(784 -> 10)`), a block as its members joined by `>>`."""
    rules = [rule_of(member) for member in members_of(layer) or [layer]]
    return " >> ".join(rule.describe() if rule is not None else layer.type.name for rule in rules)


def has_params(info: TypeInfo) -> bool:
    """Whether a layer class makes parameters: some class below `Layer` defines `init`."""
    method = info.get_method("init")
    return method is not None and method.info is not None and method.info.fullname != LAYER
