"""Layer kinds: the names that spec files and exports give the layers (`dense`, `relu`...).

One table, built from the layer classes' `kind` and from `_shapes.ACTIVATIONS`, serves
both directions: a spec entry's kind to the layer it builds, and a layer to the kind
an export writes for it. A kind's options are its hyperparameter dataclass's fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._shapes import ACTIVATIONS
from ._attention import MultiHeadAttention
from ._base import Layer
from ._conv import Conv1D, Conv2D
from ._dense import Dense
from ._elementwise import Activation, Dropout
from ._global_pool import GlobalAvgPool2D, GlobalMaxPool2D
from ._merge import Add, Concatenate
from ._norm import GroupNorm, LayerNorm, RMSNorm
from ._pool import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from ._reshape import Flatten, Reshape
from ._resize import UpSampling2D, ZeroPadding2D

AnyLayer = Layer[*tuple[Any, ...]]

LAYER_CLASSES: tuple[type[AnyLayer], ...] = (
    Dense,
    Conv1D,
    Conv2D,
    MaxPool1D,
    AvgPool1D,
    MaxPool2D,
    AvgPool2D,
    GlobalAvgPool2D,
    GlobalMaxPool2D,
    UpSampling2D,
    ZeroPadding2D,
    Flatten,
    Reshape,
    Dropout,
    LayerNorm,
    RMSNorm,
    GroupNorm,
    MultiHeadAttention,
    Add,
    Concatenate,
    Activation,
)
"""The layers a spec file can name; each states its kind in `Layer.kind`."""


@dataclass(frozen=True)
class Kind:
    """One kind of layer as spec files write it.

    Attributes:
        name: The kind, e.g. ``"dense"`` or ``"relu"``.
        layer: The layer class it builds.
        fixed: Hyperparameters the kind itself states, so a spec does not repeat them:
            ``relu`` is an `Activation` whose function is ``"relu"``.
    """

    name: str
    layer: type[AnyLayer]
    fixed: Mapping[str, Any]

    def options(self) -> tuple[dataclasses.Field[Any], ...]:
        """The hyperparameters a spec may give, in field order."""
        return tuple(f for f in dataclasses.fields(self.layer.params_type) if f.name not in self.fixed)

    def main_option(self) -> str | None:
        """The option that `{kind: value}` gives: the first one without a default."""
        return next((f.name for f in self.options() if f.default is dataclasses.MISSING), None)

    def build(self, options: Mapping[str, Any], *, name: str | None) -> AnyLayer:
        """The layer with these options.

        Raises:
            HyperparameterError: if the hyperparameters' validation rejects them.
        """
        return self.layer.from_params(self.layer.params_type(**self.fixed, **options), name=name)


def _kinds() -> dict[str, Kind]:
    kinds = {cls.kind: Kind(cls.kind, cls, MappingProxyType({})) for cls in LAYER_CLASSES}
    # Each activation is also a kind of its own (`relu`), as in spec files.
    kinds.update({f: Kind(f, Activation, MappingProxyType({"function": f})) for f in ACTIVATIONS})
    return kinds


KINDS: Mapping[str, Kind] = MappingProxyType(_kinds())
"""Every kind by name."""


def kind_of(layer: AnyLayer) -> Kind | None:
    """The most specific kind that builds `layer` (`relu` rather than `activation`).

    Returns None for a layer class that is not in `LAYER_CLASSES` (a subclass too: it
    may compute something else).

    Example:
        >>> from typednn import nn
        >>> kind_of(nn.relu).name, kind_of(nn.Dense(10)).name
        ('relu', 'dense')
    """
    values = layer.params.values()
    matches = [
        kind
        for kind in KINDS.values()
        if kind.layer is type(layer) and all(values[key] == value for key, value in kind.fixed.items())
    ]
    return max(matches, key=lambda kind: len(kind.fixed), default=None)
