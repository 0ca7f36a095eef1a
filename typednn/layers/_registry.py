"""Layer kinds: the names that spec files and exports give the layers (`dense`, `relu`...).

One table serves both directions: a spec entry's kind to the layer it builds, and a layer
to the kind an export writes for it. It is filled as the layer classes are defined:

- typednn's own layers register themselves: `Layer.__init_subclass__` calls
  `layer_defined`, which adds a class of the package that sets `kind` (`typednn.layers`
  imports every module of its folder, so the table is complete once it is imported);
- each activation function is also a kind (`relu`), from `_shapes.ACTIVATIONS`;
- custom layers are added by `register_layer` (`@tn.register_layer`), and only by it: a
  `Layer` subclass in a user's module or a test changes no spec file by being defined.

A kind's options are its hyperparameter dataclass's fields.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .._errors import TypednnError
from .._shapes import ACTIVATIONS, ActivationHyper, Hyper

if TYPE_CHECKING:
    # Only a type: `_base` imports this module, to register each layer class it defines.
    from ._base import Layer

    AnyLayer: TypeAlias = Layer[*tuple[Any, ...]]

LayerClass = TypeVar("LayerClass", bound="type[AnyLayer]")


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
        return tuple(f for f in dataclasses.fields(self.layer.hyper_type) if f.name not in self.fixed)

    def main_option(self) -> str | None:
        """The option that `{kind: value}` gives: the first one without a default."""
        return next((f.name for f in self.options() if f.default is dataclasses.MISSING), None)

    def build(self, options: Mapping[str, Any], *, name: str | None) -> AnyLayer:
        """The layer with these options.

        Raises:
            HyperparameterError: if the hyperparameters' validation rejects them.
        """
        return self.layer.from_hyper(self.layer.hyper_type(**self.fixed, **options), name=name)


_OWN: dict[str, Kind] = {}
"""typednn's own layer kinds, by name in alphabetical order (not in import order, which may change)."""
_FUNCTIONS: dict[str, Kind] = {}
"""Each activation function as a kind of its own (`relu`), as in spec files."""
_CUSTOM: dict[str, Kind] = {}
"""The kinds `register_layer` added, in the order it added them."""
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PACKAGE = "typednn."


class _Kinds(Mapping[str, Kind]):
    """typednn's own kinds, then the registered ones.

    A live view: a layer registered after import is a kind everywhere at once.
    """

    def __getitem__(self, name: str) -> Kind:
        found = _OWN.get(name) or _FUNCTIONS.get(name) or _CUSTOM.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        yield from _OWN
        yield from _FUNCTIONS
        yield from _CUSTOM

    def __len__(self) -> int:
        return len(_OWN) + len(_FUNCTIONS) + len(_CUSTOM)


KINDS: Mapping[str, Kind] = _Kinds()
"""Every kind by name."""


def layer_defined(cls: type[AnyLayer]) -> None:
    """Make a layer class of typednn that sets `kind` a kind; `Layer.__init_subclass__` calls it for each subclass.

    A class without a `kind` of its own (`Sequential`, `Block`, a subclass that computes
    something else) is no kind; nor is a class outside the package: a custom layer is
    registered by `register_layer`, as documented, so that defining a `Layer` subclass
    elsewhere (a user's module, a test) changes no spec file by itself.

    Raises:
        TypednnError: for a kind that is malformed or taken (a mistake in typednn itself,
            seen on import).
    """
    if "kind" not in vars(cls) or not cls.__module__.startswith(_PACKAGE):
        return
    kind = _checked(cls)
    _OWN[kind.name] = kind
    ordered = sorted(_OWN.items())
    _OWN.clear()
    _OWN.update(ordered)
    if issubclass(cls.hyper_type, ActivationHyper):
        _FUNCTIONS.update({f: Kind(f, cls, MappingProxyType({"function": f})) for f in ACTIVATIONS})


def register_layer(cls: LayerClass) -> LayerClass:
    """Make a custom layer class a kind of spec files, exports and codegen.

    Use it as a class decorator (`@tn.register_layer`). The class states its `kind` (the name spec files
    use) and its `hyper_type`, a frozen `Hyper` dataclass whose `rule` gives the
    output shape; the mypy plugin and graph validation need nothing more. Registering
    the same class again (a module imported twice) is allowed.

    Raises:
        TypednnError: for a kind that is missing, malformed, or taken by another layer.

    Example (`examples/swiglu.py` is a complete one)::

        @dataclass(frozen=True, kw_only=True)
        class ScaleHyper(tn.Hyper):
            layer = "Scale"
            factor: int

            def rule(self, x: tn.Shape) -> tn.Shape:
                return x

        @tn.register_layer
        class Scale(tn.Layer[*P]):
            hyper_type = ScaleHyper
            kind = "scale"
            ...
    """
    kind = _checked(cls)
    _CUSTOM[kind.name] = kind
    return cls


def _checked(cls: type[AnyLayer]) -> Kind:
    """The kind `cls` states, checked: a snake_case name, a `Hyper` dataclass, not another class's kind."""
    where = _full_name(cls)
    kind = vars(cls).get("kind")
    if not isinstance(kind, str) or not _KIND_NAME.match(kind):
        raise TypednnError(
            f"{where}: a registered layer needs its own `kind`, a snake_case name, not {kind!r}",
            hint='set e.g. `kind = "swiglu"` in the class body: spec files name the layer by it',
        )
    hyper = getattr(cls, "hyper_type", None)
    if not (isinstance(hyper, type) and issubclass(hyper, Hyper) and dataclasses.is_dataclass(hyper)):
        raise TypednnError(
            f"{where}: `hyper_type` must be a `typednn.Hyper` dataclass, not {hyper!r}",
            hint="declare the hyperparameters as `@dataclass(frozen=True, kw_only=True) class ...(tn.Hyper)`",
        )
    taken = KINDS.get(kind)
    # The same class again (a module imported twice) replaces itself.
    if taken is not None and _full_name(taken.layer) != where:
        raise TypednnError(
            f"{where}: the kind {kind!r} is already {_full_name(taken.layer)}'s",
            hint="give the layer a kind of its own",
        )
    return Kind(kind, cls, MappingProxyType({}))


def _full_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def kind_of(built: AnyLayer | Hyper) -> Kind | None:
    """The most specific kind that builds a layer, or a layer with these hyperparameters.

    `relu` rather than `activation`; `lstm` for an LSTM's hyperparameters. A layer is
    matched by its class: None for a class that is no kind (a subclass of one too, unless
    it states a kind of its own: it may compute something else). Hyperparameters, which
    an export nests inside others (Bidirectional's layer), by their type.

    Example:
        >>> from typednn import nn
        >>> kind_of(nn.relu).name, kind_of(nn.Dense(10)).name, kind_of(nn.LSTM(8).hyper).name
        ('relu', 'dense', 'lstm')
    """
    if isinstance(built, Hyper):
        hyper = built
        matches_class = [kind for kind in KINDS.values() if kind.layer.hyper_type is type(built)]
    else:
        hyper = built.hyper
        matches_class = [kind for kind in KINDS.values() if kind.layer is type(built)]
    values = hyper.values()
    matches = [kind for kind in matches_class if all(values[key] == value for key, value in kind.fixed.items())]
    return max(matches, key=lambda kind: len(kind.fixed), default=None)
