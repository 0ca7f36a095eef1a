"""The base of every layer: hyperparameters, the shared rule, composition by `>>`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Self, TypeAlias

from typing_extensions import TypeVarTuple, Unpack

from .._shapes import Hyper, Shape, ShapeError, compose
from .._words import given
from ._masks import MaskArray, Masking, joined, refused
from ._names import check_name
from ._registry import layer_defined
from ._tensor import Node, Tensor, size_of

if TYPE_CHECKING:
    import jax

# A layer's type arguments are its hyperparameters in field order, filled in by the
# mypy plugin (`Dense[L[784], L[128], L[True], None]`); without the plugin they are Any.
P = TypeVarTuple("P", default=Unpack[tuple[Any, ...]])

ParamTree = dict[str, "jax.Array"]
Padding: TypeAlias = Literal["valid", "same"]


class Layer(Generic[*P]):
    """A layer: validated hyperparameters, one shape rule, one lowering.

    Subclasses set `hyper_type` to their hyperparameter dataclass (whose `rule` is the
    shape arithmetic, stated once), set `kind` to their name in spec files and exports,
    and implement `init` and `apply`. A layer of typednn that sets `kind` registers
    itself as that kind when its class is defined (`__init_subclass__`, into
    `layers/_registry.py`); a custom layer outside the package is registered with
    `@tn.register_layer`.

    Args:
        hyper: The validated hyperparameters.
        name: The layer's name in the model (a default is derived from the class).
    """

    hyper_type: ClassVar[type[Hyper]]
    kind: ClassVar[str]
    # Whether XLA:CPU runs this layer's gradients far slower inside a loop body than
    # outside one (convolutions: jax-ml/jax#12868); the trainer then unrolls its steps.
    slow_in_cpu_loops: ClassVar[bool] = False
    # The names of the layer's non-trainable arrays (`init_state` makes them): known
    # without making them, so lowering splits them from the parameters with no JAX work.
    state_names: ClassVar[tuple[str, ...]] = ()
    # How a padding mask passes the layer (`layers/_masks.py`): a layer that sees each
    # position alone says "keep"; one that reads the mask, "use"; the default refuses
    # one, since a layer that mixes positions would mix padding into real positions.
    masking: ClassVar[Masking] = "refuse"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Registering here, not in a list beside the classes, means a new layer of typednn
        # cannot be left out of spec files, exports and codegen.
        layer_defined(cls)

    def __init__(self, hyper: Hyper, *, name: str | None = None) -> None:
        check_name(name)
        self.hyper = hyper
        self.name = name

    def _init_from(self, arguments: Mapping[str, Any]) -> None:
        """Initialise from the arguments of a subclass's constructor (its `locals()`).

        Every argument but `name` is the hyperparameter of `hyper_type` with its name, so a
        constructor states each one once, in its typed signature (whose defaults read the
        dataclass's: `XHyper.default("stride")`); a `tn.Dim` becomes its symbol here, and a
        layer argument its hyperparameters (Bidirectional's layer).
        """
        hyper = {key: _hyperparameter(value) for key, value in arguments.items() if key not in ("self", "name")}
        Layer.__init__(self, self.hyper_type(**hyper), name=arguments.get("name"))

    @classmethod
    def from_hyper(cls, hyper: Hyper, *, name: str | None = None) -> Self:
        """The layer with these (already validated) hyperparameters, as a spec file builds it.

        The constructors only turn their arguments into `hyper_type`; this skips them, so
        every layer is built the same way from a spec.

        Example:
            >>> from typednn import nn
            >>> from typednn._shapes import DenseHyper
            >>> nn.Dense.from_hyper(DenseHyper(units=10), name="head")
            Dense(10)
        """
        if type(hyper) is not cls.hyper_type:
            raise TypeError(f"{cls.__name__} takes {cls.hyper_type.__name__}, not {type(hyper).__name__}")
        layer = cls.__new__(cls)
        Layer.__init__(layer, hyper, name=name)
        return layer

    def __call__(self, *inputs: Tensor[*tuple[Any, ...]]) -> Tensor[*tuple[Any, ...]]:
        return self.apply_to(inputs)

    def apply_to(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> Tensor[*tuple[Any, ...]]:
        """Add this layer to the graph, applied to `inputs`; its rule gives the shape."""
        for received in inputs:
            if not isinstance(received, Tensor):  # arrays, numbers: only the annotation rules them out
                raise ShapeError(
                    repr(self),
                    "tensors of the model (a tn.Input, or a layer's output)",
                    given(received),
                    hint="a layer builds a model from tn.Input; run the built tn.Model on arrays with model.apply",
                )
        shape = self.output_shape(*(t.shape for t in inputs))
        try:
            masked = self.passes_mask(inputs)
        except ShapeError as error:
            raise error.at(self.name) if self.name else error from None
        return Tensor(Node(self, inputs), shape, masked=masked)

    def passes_mask(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> bool:
        """Whether the output carries a padding mask, given the inputs (`Tensor.masked`).

        Raises:
            ShapeError: for a masked input to a layer whose `masking` is "refuse".
        """
        masked = any(t.masked for t in inputs)
        if masked and (self.masking == "refuse" or self.has_state):  # state: batch statistics mix positions
            raise refused(repr(self))
        return masked

    def output_mask(self, masks: tuple[MaskArray, ...], *xs: jax.Array) -> MaskArray:
        """The output's mask at run time, for an output that carries one (`passes_mask`).

        By default the inputs' masks joined: a position is real where every masked input
        has it real.
        """
        return joined(masks)

    def apply_masked(
        self, params: ParamTree, *xs: jax.Array, masks: tuple[MaskArray, ...], key: jax.Array | None, training: bool
    ) -> jax.Array:
        """The forward computation of inputs some of which carry a mask (`masks`, one per input).

        A layer that works position by position needs no mask: by default, `apply`.
        """
        return self.apply(params, *xs, key=key, training=training)

    def output_shape(self, *inputs: Shape) -> Shape:
        """The shape rule, with errors naming this layer."""
        try:
            return self.rule(*inputs)
        except ShapeError as error:
            raise error.at(self.name) if self.name else error from None

    def rule(self, *inputs: Shape) -> Shape:
        """The output shape, by the hyperparameters' rule."""
        return self.hyper.output_shape(*inputs)

    def __rshift__(self, other: Layer[*tuple[Any, ...]]) -> Sequential[*tuple[Any, ...]]:
        return Sequential(self, other)

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        """Fresh parameters for inputs of these shapes (none by default)."""
        return {}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        """The forward computation on batched arrays."""
        raise NotImplementedError

    def init_state(self, *inputs: Shape) -> ParamTree:
        """Fresh non-trainable state (BatchNorm's running statistics); none by default.

        State arrays sit beside the parameters in the layer's entry of `params` (so
        exports, checkpoints and `Model.apply` carry them), but the optimizer never sees
        them: the trainer splits them off (`Lowered.split`) and takes them from
        `apply_with_state` instead of from gradients.
        """
        return {}

    def apply_with_state(
        self,
        params: ParamTree,
        state: ParamTree,
        *xs: jax.Array,
        key: jax.Array | None,
        training: bool,
        mask: jax.Array | None = None,
    ) -> tuple[jax.Array, ParamTree]:
        """The forward computation and the updated state; only layers with `state_names`.

        `mask` (one bool per example) is False for the padding of a ragged last batch,
        which must not count in batch statistics.
        """
        raise NotImplementedError

    @property
    def has_state(self) -> bool:
        """Whether the layer keeps non-trainable state (the arrays named in `state_names`)."""
        return bool(self.state_names)

    @property
    def has_params(self) -> bool:
        """Whether the layer has parameters (it overrides `init`)."""
        return type(self).init is not Layer.init

    def default_name(self) -> str:
        """The name a model gives this layer when none was given: its kind (`dense`, `conv2d`...)."""
        kind = vars(type(self)).get("kind")  # a subclass that states no kind computes something else
        return kind if isinstance(kind, str) else re.sub(r"(?<=[a-z])(?=[A-Z])", "_", type(self).__name__).lower()

    @property
    def part_of(self) -> tuple[Layer[*tuple[Any, ...]], int] | None:
        """The layer and output index (in its `outputs_of`) that this layer picks, or None.

        Only the layer that picks a recurrent layer's output or state part has one.
        """
        return None

    def outputs_of(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> tuple[Tensor[*tuple[Any, ...]], ...]:
        """The tensors a call on `inputs` gives: one, or a recurrent layer's output and state."""
        return (self.apply_to(inputs),)

    def output_parts(self) -> tuple[str, ...]:
        """The names of the outputs `outputs_of` gives: `""` for the main one, then the others.

        A model names them after the layer: `encoder`, `encoder.h`, `encoder.c`.
        """
        return ("",)

    @property
    def stochastic(self) -> bool:
        """Whether `apply` needs a random key while training."""
        return False

    def __repr__(self) -> str:
        return self.hyper.describe()


def _hyperparameter(value: object) -> object:
    if isinstance(value, Layer):
        return value.hyper
    if isinstance(value, tuple):
        return tuple(size_of(item) for item in value)
    return size_of(value)


class Sequential(Layer[*P]):
    """Layers applied one after another; what `layer >> layer` builds.

    Its type arguments are the member layers' types, so the plugin can follow shapes
    through a block before it is applied.

    Example:
        >>> from typednn import nn
        >>> block = nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10)
        >>> block
        Sequential(Dense(784 -> 256), Activation('relu'), Dense(256 -> 10))
    """

    def __init__(self, *layers: Layer[*tuple[Any, ...]], name: str | None = None) -> None:
        flat: list[Layer[*tuple[Any, ...]]] = []
        for layer in layers:
            flat.extend(layer.layers if isinstance(layer, Sequential) else (layer,))
        self.layers: tuple[Layer[*tuple[Any, ...]], ...] = tuple(flat)
        check_name(name)
        self.name = name
        self.output_shape(Shape.anything())  # a mis-composed block fails where it is written

    def apply_to(self, inputs: tuple[Tensor[*tuple[Any, ...]], ...]) -> Tensor[*tuple[Any, ...]]:
        (x,) = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def rule(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        return compose([layer.hyper for layer in self.layers], x)

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"
