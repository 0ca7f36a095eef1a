"""Layer kinds: the names that spec files and exports give the layers (`dense`, `relu`...).

One table, built from the layer classes' `kind`, from `_shapes.ACTIVATIONS` and from
the custom layers passed to `register`, serves both directions: a spec entry's kind to
the layer it builds, and a layer to the kind an export writes for it. A kind's options
are its hyperparameter dataclass's fields.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from .._errors import TypednnError
from .._shapes import ACTIVATIONS, Params
from ._attention import MultiHeadAttention
from ._base import Layer
from ._batch_norm import BatchNorm
from ._conv import Conv1D, Conv2D, DepthwiseConv2D
from ._conv_transpose import Conv2DTranspose
from ._dense import Dense
from ._elementwise import Activation, Dropout
from ._embedding import Embedding, PositionEmbedding, SinusoidalPositionEmbedding
from ._global_pool import GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool2D
from ._merge import Add, Concatenate
from ._norm import GroupNorm, LayerNorm, RMSNorm
from ._pool import AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D
from ._recurrent import GRU, LSTM, Bidirectional
from ._reshape import Flatten, Reshape
from ._resize import UpSampling2D, ZeroPadding2D
from ._transformer import TransformerEncoderBlock

AnyLayer = Layer[*tuple[Any, ...]]
LayerClass = TypeVar("LayerClass", bound=type[AnyLayer])

LAYER_CLASSES: tuple[type[AnyLayer], ...] = (
    Dense,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    MaxPool1D,
    AvgPool1D,
    MaxPool2D,
    AvgPool2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool2D,
    UpSampling2D,
    ZeroPadding2D,
    Flatten,
    Reshape,
    Dropout,
    Embedding,
    PositionEmbedding,
    SinusoidalPositionEmbedding,
    LayerNorm,
    RMSNorm,
    GroupNorm,
    BatchNorm,
    MultiHeadAttention,
    TransformerEncoderBlock,
    LSTM,
    GRU,
    Bidirectional,
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


def _builtin_kinds() -> dict[str, Kind]:
    kinds = {cls.kind: Kind(cls.kind, cls, MappingProxyType({})) for cls in LAYER_CLASSES}
    # Each activation is also a kind of its own (`relu`), as in spec files.
    kinds.update({f: Kind(f, Activation, MappingProxyType({"function": f})) for f in ACTIVATIONS})
    return kinds


_BUILTIN: Mapping[str, Kind] = MappingProxyType(_builtin_kinds())
_CUSTOM: dict[str, Kind] = {}
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Kinds(Mapping[str, Kind]):
    """typednn's own kinds, then the registered ones.

    A live view: a layer registered after import is a kind everywhere at once.
    """

    def __getitem__(self, name: str) -> Kind:
        found = _BUILTIN.get(name) or _CUSTOM.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        yield from _BUILTIN
        yield from _CUSTOM

    def __len__(self) -> int:
        return len(_BUILTIN) + len(_CUSTOM)


KINDS: Mapping[str, Kind] = _Kinds()
"""Every kind by name."""


def register_layer(cls: LayerClass) -> LayerClass:
    """Make a custom layer class a kind of spec files, exports and codegen.

    Use it as a class decorator (`@tn.register_layer`). The class states its `kind` (the name spec files
    use) and its `params_type`, a frozen `Params` dataclass whose `rule` gives the
    output shape; the mypy plugin and graph validation need nothing more. Registering
    the same class again (a module imported twice) is allowed.

    Raises:
        TypednnError: for a kind that is missing, malformed, or taken by another layer.

    Example (`examples/custom_layer.py` is a complete one)::

        @dataclass(frozen=True, kw_only=True)
        class ScaleParams(tn.Params):
            layer = "Scale"
            factor: int

            def rule(self, x: tn.Shape) -> tn.Shape:
                return x

        @tn.register_layer
        class Scale(tn.Layer[*P]):
            params_type = ScaleParams
            kind = "scale"
            ...
    """
    where = f"{cls.__module__}.{cls.__qualname__}"
    kind = cls.__dict__.get("kind")
    if not isinstance(kind, str) or not _KIND_NAME.match(kind):
        raise TypednnError(
            f"{where}: a registered layer needs its own `kind`, a snake_case name, not {kind!r}",
            hint='set e.g. `kind = "swiglu"` in the class body: spec files name the layer by it',
        )
    params = getattr(cls, "params_type", None)
    if not (isinstance(params, type) and issubclass(params, Params) and dataclasses.is_dataclass(params)):
        raise TypednnError(
            f"{where}: `params_type` must be a `typednn.Params` dataclass, not {params!r}",
            hint="declare the hyperparameters as `@dataclass(frozen=True, kw_only=True) class ...(tn.Params)`",
        )
    taken = _BUILTIN.get(kind) or _CUSTOM.get(kind)
    if taken is not None and _full_name(taken.layer) != where:
        raise TypednnError(
            f"{where}: the kind {kind!r} is already {_full_name(taken.layer)}'s",
            hint="give the layer a kind of its own",
        )
    _CUSTOM[kind] = Kind(kind, cls, MappingProxyType({}))
    return cls


def _full_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


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
