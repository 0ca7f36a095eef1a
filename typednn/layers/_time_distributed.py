"""TimeDistributed: any single-input layer applied to each step of the first axis."""

from __future__ import annotations

from typing import Any

import jax

from .._shapes import Hyper, HyperparameterError, Shape, TimeDistributedHyper
from ._base import Layer, P, ParamTree
from ._masks import refused
from ._registry import kind_of
from ._tensor import Tensor


class TimeDistributed(Layer[*P]):
    """A layer applied to every step of the first axis, with one set of weights for all steps.

    Keras's `TimeDistributed`: a (steps, *rest) input gives (steps, *layer(rest)). The
    wrapped layer's parameters are made once, for one step's shape, and shared by the
    steps; it runs on all of them at once, the steps folded into the batch (reshaped to
    (batch * steps, *rest) and back), as Keras does. Its parameters keep their names
    (`kernel`, `bias`...). Any single-input layer that keeps no state fits: Dense, the
    convolutions and pools, Flatten, Dropout (a fresh mask per step)... but not a merge,
    Embedding (it takes token ids, and maps every position already) nor BatchNorm.

    Args:
        wrapped: The layer to apply to each step; only its hyperparameters are kept, so it
            must be a kind that spec files can name (a layer of typednn, or a custom one
            registered with `@tn.register_layer`).
        name: The layer's name in the model.

    Example:
        >>> import typednn as tn
        >>> from typednn import nn
        >>> nn.TimeDistributed(nn.Dense(8))(tn.Input(10, 4)).shape
        (10, 8)
        >>> nn.TimeDistributed(nn.Conv2D(16, kernel=3))(tn.Input(5, 28, 28, 1)).shape
        (5, 26, 26, 16)
    """

    hyper_type = TimeDistributedHyper
    kind = "time_distributed"
    masking = "keep"
    hyper: TimeDistributedHyper

    def __init__(self, wrapped: Layer[*tuple[Any, ...]], *, name: str | None = None) -> None:
        # Only the hyperparameters are kept: a layer they cannot rebuild is refused here,
        # before `_init_from` reads them (a Sequential has none of its own).
        _check_wrappable(wrapped)
        self._init_from(locals())

    def inner(self) -> Layer[*tuple[Any, ...]]:
        """The wrapped layer, rebuilt from its hyperparameters."""
        wrapped = self.hyper.wrapped
        if not isinstance(wrapped, Hyper):  # only the mypy plugin builds an unknown one
            raise TypeError(f"{self!r} wraps no layer")
        kind = kind_of(wrapped)
        if kind is None:
            raise HyperparameterError(f"{self!r}: {wrapped.describe()} has no kind to rebuild it from", hint=_REGISTER)
        layer = kind.layer.from_hyper(wrapped)
        _check_wrappable(layer)
        return layer

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        # Each step alone: a (steps, features) sequence's mask holds. A mask over more axes
        # (2-D token ids) holds only if the wrapped layer, too, sees each position alone.
        (x,) = inputs
        if x.masked and len(x.shape.dims) > 2 and self.inner().masking != "keep":
            raise refused(repr(self), hint="wrap a layer that works position by position, or drop mask_zero=True")
        return x.masked

    def rule(self, *inputs: Shape) -> Shape:
        self.inner()  # a layer of no kind, or with state, is refused where the model is built
        return super().rule(*inputs)

    @property
    def stochastic(self) -> bool:
        return self.inner().stochastic

    @property
    def has_params(self) -> bool:
        return self.inner().has_params  # TimeDistributed(Flatten()) has none

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        (x,) = inputs
        return self.inner().init(key, Shape(x.dims[1:], tokens=x.tokens))

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        (x,) = xs
        batch, steps = x.shape[:2]
        # One call on batch * steps examples: the same weights for every step, as Keras.
        y = self.inner().apply(params, x.reshape((batch * steps, *x.shape[2:])), key=key, training=training)
        return y.reshape((batch, steps, *y.shape[1:]))


_REGISTER = "register a custom layer with @tn.register_layer, so that its kind names it"


def _check_wrappable(layer: object) -> None:
    if not isinstance(layer, Layer) or not isinstance(getattr(layer, "hyper", None), Hyper):
        raise HyperparameterError(
            f"TimeDistributed wraps one layer, not {layer!r}",
            hint="wrap each layer of a block on its own: nn.TimeDistributed(nn.Dense(8)) >> nn.relu",
        )
    if kind_of(layer) is None:
        raise HyperparameterError(f"TimeDistributed cannot rebuild {layer!r}: it has no kind", hint=_REGISTER)
    if layer.has_state:
        raise HyperparameterError(
            f"TimeDistributed({layer!r}): the wrapped layer keeps state ({', '.join(layer.state_names)}),"
            " which TimeDistributed does not carry",
            hint="apply the layer to the (steps, ...) tensor directly",
        )
