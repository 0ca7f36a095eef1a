"""A Keras layer's config, read option by option: every option is mapped or refused by name.

A converter takes each option it maps (`take`), states the value an option must have
for typednn to compute the same thing (`expect`), and `finish` refuses whatever is
left. Only options with no effect on the outputs (initializers, regularizers,
constraints, `trainable`) are passed over unread, so a Keras option that a later
version adds is refused until someone maps it: never silently approximated.
"""

from __future__ import annotations

from typing import Any, Final

from .._errors import TypednnError
from .._reading import excerpt

_IGNORED_SUFFIXES: Final = ("_initializer", "_regularizer", "_constraint")
"""Options that shape training from scratch only; the imported weights replace their effect."""
_IGNORED: Final = ("name", "trainable", "activity_regularizer", "seed")

_MISSING: Final = object()
_COUNTS: Final = ("units", "filters", "depth_multiplier", "groups", "input_dim", "output_dim", "num_heads", "key_dim")
"""Options that count something (units, filters, heads): each a whole number from 1 to `MAX_COUNT`."""
MAX_COUNT: Final = 2**31 - 1
"""The largest count accepted: an int32, as XLA's shapes are (weights that large never fit the file)."""


class Options:
    """One Keras layer's `config`, with where it came from, for messages.

    Args:
        config: The layer's `config` object.
        name: The Keras layer's name.
        class_name: Its Keras class (`"Conv2D"`).
        source: The file it was read from.
    """

    def __init__(self, config: dict[str, Any], *, name: str, class_name: str, source: str) -> None:
        self.config = config
        self.name = name
        self.class_name = class_name
        self.source = source
        self._read: set[str] = set()

    @property
    def where(self) -> str:
        """`file: layer 'conv1' (Conv2D)`, the start of every message about this layer."""
        return f"{self.source}: layer {self.name!r} ({self.class_name})"

    def take(self, key: str, default: object = _MISSING) -> Any:
        """The option's value, marked as mapped; a count (`units`) must be a whole number in range."""
        self._read.add(key)
        if key in self.config:
            value = self.config[key]
            if key in _COUNTS and not (_is_int(value) and 1 <= value <= MAX_COUNT):
                # Never rounded: 4.7 units is a forged config, and 1e400 would overflow int().
                raise self.fail(
                    f"expects {key} to be a whole number from 1 to {MAX_COUNT:,}, but it is {excerpt(value)}",
                    hint="was the config edited? Keras writes counts as whole numbers",
                )
            return value
        if default is _MISSING:
            raise self.fail(f"has no option {key!r}, which Keras 3 writes", hint="was the config edited?")
        return default

    def expect(self, key: str, *allowed: object, hint: str | None = None) -> Any:
        """The option's value, refused unless it is one of `allowed` (a missing option passes)."""
        value = self.take(key, allowed[0])
        if not any(_same(value, choice) for choice in allowed):
            wanted = " or ".join(repr(choice) for choice in allowed)
            raise self.fail(
                f"sets {key}={excerpt(value)}, which typednn has no twin for (it computes {key}={wanted})",
                hint=hint
                or f"build the model with {key}={allowed[0]!r} in Keras, or write it as a custom typednn layer",
            )
        return value

    def ints(self, key: str, rank: int) -> tuple[int, ...]:
        """An int or a tuple of `rank` ints (kernel sizes, strides), as a tuple."""
        value = self.take(key)
        items = [value] * rank if isinstance(value, int) else value
        if not isinstance(items, list | tuple) or len(items) != rank or not all(_is_int(item) for item in items):
            raise self.fail(f"expects {key} to be {rank} whole numbers, but it is {excerpt(value)}")
        return tuple(int(item) for item in items)

    def channels_last(self) -> None:
        """Refuse `data_format="channels_first"`: typednn's layouts are channels last."""
        self.expect(
            "data_format",
            "channels_last",
            hint="typednn computes channels last (NHWC); rebuild the model with data_format='channels_last'",
        )

    def fail(self, message: str, *, hint: str | None = None) -> TypednnError:
        """An error about this layer: `file: layer 'name' (Class) <message>`."""
        return TypednnError(f"{self.where} {message}", hint=hint)

    def finish(self) -> None:
        """Refuse any option that no converter read, unless it cannot change the outputs."""
        for key, value in self.config.items():
            if key in self._read or key in _IGNORED or key.endswith(_IGNORED_SUFFIXES):
                continue
            if key == "dtype":
                _check_dtype(self, value)
                continue
            raise self.fail(
                f"sets the option {key}={excerpt(value)}, which typednn has no twin for",
                hint="remove the option in Keras, or write the layer as a custom typednn layer",
            )


def _check_dtype(options: Options, value: object) -> None:
    """A layer's dtype policy must be float32: typednn computes in float32."""
    name = value
    if isinstance(value, dict):
        inner = value.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
    if name not in ("float32", None):
        raise options.fail(
            f"computes in the dtype policy {excerpt(name)}, but typednn imports float32 models only",
            hint="set the policy to 'float32' in Keras before saving (keras.config.set_dtype_policy)",
        )


def _same(value: object, choice: object) -> bool:
    if isinstance(value, list | tuple) and isinstance(choice, list | tuple):
        return len(value) == len(choice) and all(_same(a, b) for a, b in zip(value, choice, strict=True))
    return (type(value) is type(choice) and value == choice) or (
        _is_number(value) and _is_number(choice) and value == choice
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
