"""The base of every layer: hyperparameters, the shared rule, composition by `>>`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeAlias

from typing_extensions import TypeVarTuple, Unpack

from .._shapes import Params, Shape, ShapeError

if TYPE_CHECKING:
    import jax

    from ._tensor import Tensor

# A layer's type arguments are its hyperparameters in field order, filled in by the
# mypy plugin (`Dense[L[784], L[128], L[True]]`); without the plugin they are Any.
P = TypeVarTuple("P", default=Unpack[tuple[Any, ...]])

ParamTree = dict[str, "jax.Array"]
Padding: TypeAlias = Literal["valid", "same"]


class Layer(Generic[Unpack[P]]):
    """A layer: validated hyperparameters, one shape rule, one lowering.

    Subclasses set `params_type` to their hyperparameter dataclass (whose `rule` is the
    shape arithmetic, stated once) and implement `init` and `apply`.

    Args:
        params: The validated hyperparameters.
        name: The layer's name in the model (a default is derived from the class).
    """

    params_type: ClassVar[type[Params]]

    def __init__(self, params: Params, *, name: str | None = None) -> None:
        self.params = params
        self.name = name

    def __call__(self, *inputs: Tensor[Unpack[tuple[Any, ...]]]) -> Tensor[Unpack[tuple[Any, ...]]]:
        return self.apply_to(inputs)

    def apply_to(self, inputs: tuple[Tensor[Unpack[tuple[Any, ...]]], ...]) -> Tensor[Unpack[tuple[Any, ...]]]:
        """Add this layer to the graph, applied to `inputs`; its rule gives the shape."""
        from ._tensor import Node, Tensor

        shape = self.output_shape(*(t.shape for t in inputs))
        return Tensor(Node(self, inputs), shape)

    def output_shape(self, *inputs: Shape) -> Shape:
        """The shape rule, with errors naming this layer."""
        try:
            return self.params.output_shape(*inputs)
        except ShapeError as error:
            raise error.at(self.name) if self.name else error from None

    def __rshift__(self, other: Layer[Unpack[tuple[Any, ...]]]) -> Sequential[Unpack[tuple[Any, ...]]]:
        return Sequential(self, other)

    def init(self, key: jax.Array, *inputs: Shape) -> ParamTree:
        """Fresh parameters for inputs of these shapes (none by default)."""
        return {}

    def apply(self, params: ParamTree, *xs: jax.Array, key: jax.Array | None, training: bool) -> jax.Array:
        """The forward computation on batched arrays."""
        raise NotImplementedError

    @property
    def stochastic(self) -> bool:
        """Whether `apply` needs a random key while training."""
        return False

    def __repr__(self) -> str:
        return self.params.describe()


class Sequential(Layer[Unpack[P]]):
    """Layers applied one after another; what `layer >> layer` builds.

    Its type arguments are the member layers' types, so the plugin can follow shapes
    through a block before it is applied.

    Example:
        >>> from typednn import nn
        >>> block = nn.Dense(784, 256) >> nn.relu >> nn.Dense(256, 10)
        >>> block
        Sequential(Dense(784 -> 256), Activation('relu'), Dense(256 -> 10))
    """

    def __init__(self, *layers: Layer[Unpack[tuple[Any, ...]]], name: str | None = None) -> None:
        flat: list[Layer[Unpack[tuple[Any, ...]]]] = []
        for layer in layers:
            flat.extend(layer.layers if isinstance(layer, Sequential) else (layer,))
        self.layers: tuple[Layer[Unpack[tuple[Any, ...]]], ...] = tuple(flat)
        self.name = name
        self.output_shape(Shape.anything())  # a mis-composed block fails where it is written

    def apply_to(self, inputs: tuple[Tensor[Unpack[tuple[Any, ...]]], ...]) -> Tensor[Unpack[tuple[Any, ...]]]:
        (x,) = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def output_shape(self, *inputs: Shape) -> Shape:
        (x,) = inputs
        for layer in self.layers:
            x = layer.output_shape(x)
        return x

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.layers))})"
