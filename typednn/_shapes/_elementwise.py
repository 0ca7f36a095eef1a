"""Layers that keep the shape: activations and dropout."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import ClassVar

from ._dims import Shape, is_known
from ._hyper import Hyper

ACTIVATIONS = (
    "relu",
    "gelu",
    "tanh",
    "sigmoid",
    "softmax",
    "silu",
    "elu",
    "leaky_relu",
    "log_softmax",
    "softplus",
    "relu6",
    "hard_sigmoid",
    "hard_swish",
)
"""The activation functions by name: the one list, for `Activation` and every `activation=` argument.

Each is the `jax.nn` function of that name. The last three are MobileNet's, as Keras 3
computes them (Keras on JAX calls these very functions): `relu6` is `min(max(x, 0), 6)`,
`hard_sigmoid` is `relu6(x + 3) / 6` (Keras 2's was `0.2 * x + 0.5`, clipped) and
`hard_swish` is `x * hard_sigmoid(x)`.
"""

_KERAS_NAMES = {"swish": "silu", "hard_silu": "hard_swish"}
"""Keras's names of activations that typednn names otherwise, for hints."""


def check_activation(hyper: Hyper) -> None:
    """Validate a layer's `activation=` hyperparameter: None (no activation) or a name of ACTIVATIONS.

    `Dense(10, activation="relu")` is Keras's habit for `Dense(10) >> nn.relu`: the same
    graph, so the names are those of `Activation`. Keras's `"linear"` is no activation.

    Raises:
        HyperparameterError: for another name (mypy reports it too, at the call).

    Example:
        >>> from typednn._shapes import DenseHyper
        >>> DenseHyper(units=3, activation="relu").describe()
        "Dense(3, activation='relu')"
    """
    value = getattr(hyper, "activation")  # noqa: B009 - each family declares its own field
    if value is None or not is_known(value) or value in ACTIVATIONS:
        return
    # Keras's spellings first ("Relu", "swish"), then the closest name.
    keras = _KERAS_NAMES.get(value.lower(), value.lower()) if isinstance(value, str) else None
    close = [keras] if keras in ACTIVATIONS else difflib.get_close_matches(str(value), ACTIVATIONS, n=1)
    if value == "linear":
        hint = "leave activation out for none (Keras's 'linear')"
    else:
        hint = f"did you mean {close[0]!r}?" if close else "e.g. activation='relu'"
    raise hyper.fail(f"activation must be None or one of {', '.join(ACTIVATIONS)}, but is {value!r}", hint=hint)


@dataclass(frozen=True, kw_only=True)
class ActivationHyper(Hyper):
    """`Activation(function)`: a pointwise nonlinearity (softmax acts on the last axis)."""

    layer: ClassVar[str] = "Activation"
    function: str

    def __post_init__(self) -> None:
        self.one_of("function", ACTIVATIONS)

    def describe(self) -> str:
        return f"Activation({self.function!r})"

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return x


@dataclass(frozen=True, kw_only=True)
class DropoutHyper(Hyper):
    """`Dropout(rate)`: zeroes a fraction `rate` of the values while training."""

    layer: ClassVar[str] = "Dropout"
    rate: float

    def __post_init__(self) -> None:
        rate = self.rate
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and not 0 <= rate < 1:
            raise self.fail(f"rate must be in [0, 1), but is {rate!r}")

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return x
