"""The base of every layer family's hyperparameters, and the one entry to its rule."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from ._dims import MAX_SIZE, Shape, Size, Unknown, is_known, is_size, show_int, too_large, too_large_message
from ._errors import HyperparameterError, ShapeError

IMAGE = ("height", "width", "channels")
"""The axes of one NHWC image (the batch axis is implicit)."""


@dataclass(frozen=True, kw_only=True)
class Hyper:
    """Hyperparameters of one layer, validated once at construction, and its shape rule.

    A layer family subclasses this as a frozen keyword-only dataclass whose fields are
    its hyperparameters (in the order its type shows them), validates them in
    `__post_init__`, and states its shape arithmetic once, in `rule`. Sizes may be
    `UNKNOWN` (computed from runtime ints) or a `Symbol`; validation skips what it
    cannot know.

    Class attributes:
        layer: The layer's name in messages, e.g. ``"Dense"``.
        arity: How many input tensors the layer takes; None for two or more.
        optional_inputs: How many more inputs it may take after those (`MultiHeadAttention`
            takes a query and, optionally, a context: `arity` 1, `optional_inputs` 1).
        takes_tokens: Whether the layer takes integer token ids (`Embedding`) instead of
            float features.
    """

    layer: ClassVar[str]
    arity: ClassVar[int | None] = 1
    # A separate count, not `arity` as a range, so that what reads `arity` (TimeDistributed,
    # the derived property tests) keeps seeing the count a layer always accepts.
    optional_inputs: ClassVar[int] = 0
    takes_tokens: ClassVar[bool] = False

    def rule(self, *inputs: Shape) -> Shape:
        """The output shape for these input shapes; raises `ShapeError` if there is none."""
        raise NotImplementedError

    def output_shapes(self, *inputs: Shape) -> tuple[Shape, ...]:
        """Every output a call gives: one, but for a recurrent layer's `return_state`."""
        return (self.output_shape(*inputs),)

    def layout(self, x: Shape, names: tuple[str, ...], *, hint: str | None = None) -> tuple[Size, ...]:
        """The input's axes, when it has one per name; else a `ShapeError` naming the layout.

        Example:
            >>> from typednn._shapes import DropoutHyper
            >>> DropoutHyper(rate=0.5).layout(Shape.of(4, 3), ("sequence", "features"))
            (4, 3)
        """
        found = x.ranked(len(names))
        if found is None:
            raise ShapeError(self.describe(), f"a ({', '.join(names)}) input", repr(x), hint=hint)
        return found

    def output_shape(self, *inputs: Shape) -> Shape:
        """Apply the rule after checking the number of inputs."""
        if self.arity is None and len(inputs) < 2:
            raise ShapeError(self.describe(), "two or more inputs", f"{len(inputs)}")
        most = None if self.arity is None else self.arity + self.optional_inputs
        if self.arity is not None and most is not None and not self.arity <= len(inputs) <= most:
            extra = self.optional_inputs
            counts = f"{self.arity}" if not extra else f"{self.arity} {'or' if extra == 1 else 'to'} {most}"
            raise ShapeError(self.describe(), f"{counts} input(s)", f"{len(inputs)}")
        for x in inputs:
            if x.tokens is not None and x.tokens != self.takes_tokens:
                raise self._wrong_kind(x)
        y = self.rule(*inputs)
        # Each size is bounded where it is stated, but a product of them is not (an
        # upsampling by 2**30, a flatten of two long axes): the axes it makes are.
        if any(isinstance(d, int) and d > MAX_SIZE for d in y.dims):
            received = ", ".join(map(repr, inputs))
            raise ShapeError(
                self.describe(),
                f"an input it maps to axes of at most {MAX_SIZE:,} (2**31 - 1)",
                f"{received}, which it would map to {y!r}",
                hint="JAX cannot index a longer axis; downsample or split the input first",
            )
        return y

    def _wrong_kind(self, x: Shape) -> ShapeError:
        if self.takes_tokens:
            return ShapeError(
                self.describe(),
                'integer token ids (a tn.Tokens tensor, from tn.Input(..., dtype="int32"))',
                f"float features {x!r}",
                hint='token ids come from the model input: tn.Input(..., dtype="int32"), or `dtype: int32` in a spec',
            )
        return ShapeError(
            self.describe(),
            "float features",
            f"token ids {x!r}",
            hint="turn token ids into features first, e.g. with nn.Embedding(vocab, features)",
        )

    @classmethod
    def default(cls, name: str) -> Any:
        """The default of a hyperparameter, for layer constructors to reuse (one source)."""
        field = next(f for f in dataclasses.fields(cls) if f.name == name)
        return field.default

    def values(self) -> dict[str, Any]:
        """The hyperparameters by name, in field order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def describe(self) -> str:
        """The layer as a user would write it, listing the non-default hyperparameters."""
        unwritable = _float_fields(type(self))
        given = [
            f"{f.name}={_show(value)}"
            for f in dataclasses.fields(self)
            if (value := getattr(self, f.name)) != f.default
            # mypy has no float literals, so at check time a float is always unknown;
            # it never changes a shape, and `epsilon=?` would only be noise.
            and not (f.name in unwritable and isinstance(value, Unknown))
        ]
        return f"{self.layer}({', '.join(given)})"

    def fail(self, message: str, hint: str | None = None) -> HyperparameterError:
        return HyperparameterError(f"{self.describe()}: {message}", hint=hint)

    def positive(self, *names: str, allow_none: bool = False) -> None:
        """Check that each named hyperparameter is a positive int (or a pair of them)."""
        for name in names:
            value = getattr(self, name)
            if value is None and allow_none:
                continue
            items = value if isinstance(value, tuple) else (value,)
            if not items or not all(is_size(v) for v in items):
                raise self.fail(f"{name} must be a positive int, but is {_show(value)}")
            for item in items:
                if too_large(item):
                    raise self.fail(too_large_message(name, item), hint=_TOO_LARGE_HINT)

    def pairs(self, *names: str) -> None:
        """Check that each named hyperparameter is an int or a pair (2-D windows)."""
        for name in names:
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != 2:
                raise self.fail(f"{name} must be an int or a pair of ints, but is {_show(value)}")

    def boolean(self, *names: str) -> None:
        """Check that each named hyperparameter is True or False (or unknown, at check time)."""
        for name in names:
            value = getattr(self, name)
            if is_known(value) and not isinstance(value, bool):
                raise self.fail(f"{name} must be True or False, but is {_show(value)}")

    def integer(self, name: str) -> None:
        value = getattr(self, name)
        if is_known(value) and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.fail(f"{name} must be an int, but is {_show(value)}")
        if too_large(value):
            raise self.fail(too_large_message(name, value))

    def one_of(self, name: str, choices: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if is_known(value) and value not in choices:
            listed = " or ".join(repr(c) for c in choices)
            raise self.fail(f"{name} must be {listed}, but is {_show(value)}")


_TOO_LARGE_HINT = "JAX indexes an axis with 32-bit ints; a size this large cannot run"

_FLOAT_FIELDS: dict[type[Hyper], frozenset[str]] = {}
"""Per class: resolving type hints is slow, and the plugin describes layers often."""


def _float_fields(cls: type[Hyper]) -> frozenset[str]:
    found = _FLOAT_FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = frozenset(name for name, hint in hints.items() if float in (hint, *typing.get_args(hint)))
        _FLOAT_FIELDS[cls] = found
    return found


def _show(value: object) -> str:
    if isinstance(value, Hyper):  # a wrapped layer's hyperparameters, e.g. Bidirectional's
        return value.describe()
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, int) and not isinstance(value, bool):
        return show_int(value)  # a spec may state an int of thousands of digits
    return repr(value)


def holds_any_layer(hyper_type: type[Hyper]) -> bool:
    """Whether a field of these hyperparameters holds any layer's (TimeDistributed's), not one family's.

    Such a kind cannot wrap itself, in files or in drawn cases: it would nest without end.
    Cached per class: resolving type hints is slow, and each wrapped entry asks.
    """
    if hyper_type not in _HOLDS_ANY_LAYER:
        hints = typing.get_type_hints(hyper_type).values()
        _HOLDS_ANY_LAYER[hyper_type] = any(Hyper in (hint, *typing.get_args(hint)) for hint in hints)
    return _HOLDS_ANY_LAYER[hyper_type]


_HOLDS_ANY_LAYER: dict[type[Hyper], bool] = {}
