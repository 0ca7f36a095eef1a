"""Mixed precision: `Trainer(precision="bfloat16" | "float16")`, Keras's `mixed_bfloat16` policy.

What runs in which dtype (Keras 3's `mixed_bfloat16` / `mixed_float16` are the model):

- the parameters and the optimizer state stay float32 (master weights); the train
  step casts a copy of each floating parameter to the low dtype inside the compiled
  program, so the gradients, taken through that cast, come back float32;
- the feature inputs enter the model in the low dtype (`Lowered.forward(dtype=...)`),
  and the layers compute in it;
- BatchNorm's running statistics stay float32 and are not cast; the norm layers take
  their statistics in float32 and hand back the input's dtype (as Keras's do);
- the outputs are cast to float32 before the losses (softmax included: the losses take
  logits) and the metrics, so their sums are float32.

float16's narrow range needs dynamic loss scaling, as Keras's `LossScaleOptimizer`:
the loss is multiplied by a scale (2**15 to start) before the gradients and they are
divided by it after. A step whose gradients are not finite is skipped (no update, the
optimizer state unchanged) and the scale halves; after 2000 finite steps in a row it
doubles. The scale and the counts live in the optimizer state (`LossScaleState`), so
checkpoints and `resume` carry them. bfloat16 has float32's range and needs no scaling.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .._errors import TypednnError
from .._reading import excerpt
from ..lower import Params
from ._callback import Callback, Run

Precision = Literal["float32", "bfloat16", "float16"]
PRECISIONS: Final[tuple[Precision, ...]] = ("float32", "bfloat16", "float16")

INITIAL_SCALE: Final = 2.0**15
"""The first loss scale of a float16 run: Keras's `LossScaleOptimizer(initial_scale=2**15)`."""
GROWTH_INTERVAL: Final = 2000
"""Finite steps in a row after which the loss scale doubles (Keras's `dynamic_growth_steps`)."""


def check_precision(value: object, where: str = "Trainer") -> Precision:
    """`value` as a precision, or an error naming `where`.

    Raises:
        TypednnError: for anything but "float32", "bfloat16" or "float16".

    Example:
        >>> check_precision("bfloat16")
        'bfloat16'
    """
    if isinstance(value, str) and value in PRECISIONS:
        return value
    raise TypednnError(
        f"{where}: precision must be one of {', '.join(map(repr, PRECISIONS))}, not {excerpt(value)}",
        hint='"bfloat16" on TPUs and recent GPUs (A100, H100); "float16" on older GPUs; "float32" is the default',
    )


@dataclass(frozen=True)
class Policy:
    """Which dtype a train step computes in, and what stays float32.

    Attributes:
        name: The precision.
        keep: Arrays never cast, `{layer: names}`: BatchNorm's running statistics
            (the model's `Lowered.state_names`).
    """

    name: Precision = "float32"
    keep: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def compute(self) -> Any:
        """The dtype the layers compute in."""
        return jnp.dtype(self.name)

    @property
    def mixed(self) -> bool:
        """Whether the layers compute in a low precision (anything but float32)."""
        return self.name != "float32"

    @property
    def scaled(self) -> bool:
        """Whether the loss is scaled (float16 only: bfloat16 has float32's range)."""
        return self.name == "float16"

    def cast_params(self, params: Params) -> Params:
        """The floating parameters in the compute dtype, except the arrays of `keep`."""
        return {
            layer: {
                name: array if name in self.keep.get(layer, ()) else _to(array, self.compute)
                for name, array in arrays.items()
            }
            for layer, arrays in params.items()
        }

    def wrap(self, forward: Any) -> Any:
        """`Lowered.forward` computing in this policy: params and inputs cast down, outputs and state float32.

        In float32 it is `forward` itself, so the compiled programs are those of a
        trainer without a precision.
        """
        if not self.mixed:
            return forward

        def mixed(params: Params, *xs: jax.Array, **options: Any) -> tuple[Any, Params, Any]:
            outputs, state, masks = forward(self.cast_params(params), *xs, dtype=self.compute, **options)
            # The losses, softmax and metric sums are float32; the state (BatchNorm's
            # statistics) is float32 already, and must be: it is a scan's carry.
            as_float32 = lambda array: _to(array, jnp.float32)  # noqa: E731
            return jax.tree.map(as_float32, outputs), jax.tree.map(as_float32, state), masks

        return mixed


def _to(array: jax.Array, dtype: Any) -> jax.Array:
    """`array` in `dtype` when it is floating (token ids, masks and counts keep theirs)."""
    return array.astype(dtype) if jnp.issubdtype(array.dtype, jnp.floating) else array


class LossScaleState(NamedTuple):
    """The optimizer state of a float16 run: the loss scale, its counters, and the optimizer's own.

    Attributes:
        scale: The loss scale (float32).
        good_steps: Finite steps since the scale last changed (int32).
        skipped: Steps skipped for non-finite gradients in the whole run (int32).
        inner_state: The wrapped optimizer's state.
    """

    scale: jax.Array
    good_steps: jax.Array
    skipped: jax.Array
    inner_state: Any


def loss_scaled(
    inner: optax.GradientTransformation, *, initial: float = INITIAL_SCALE, period: int = GROWTH_INTERVAL
) -> optax.GradientTransformation:
    """`inner`, skipping the updates of steps with non-finite gradients and adjusting the loss scale.

    The train step multiplies the loss by `LossScaleState.scale` and divides the
    gradients by it before they get here (see `_steps.Compiled`).

    Args:
        inner: The user's optimizer.
        initial: The first loss scale.
        period: Finite steps in a row after which the scale doubles.

    Returns:
        A transformation whose state is a `LossScaleState`.
    """

    def init(params: Any) -> LossScaleState:
        return LossScaleState(
            scale=jnp.asarray(initial, jnp.float32),
            good_steps=jnp.zeros((), jnp.int32),
            skipped=jnp.zeros((), jnp.int32),
            inner_state=inner.init(params),
        )

    def update(grads: Any, state: LossScaleState, params: Any = None) -> tuple[Any, LossScaleState]:
        finite = jnp.array(True)
        for leaf in jax.tree.leaves(grads):
            finite &= jnp.all(jnp.isfinite(leaf))
        updates, inner_state = inner.update(grads, state.inner_state, params)
        # A skipped step changes nothing: no update, the inner state (Adam's moments, its count) as it was.
        updates = jax.tree.map(lambda u: jnp.where(finite, u, jnp.zeros_like(u)), updates)
        inner_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old), inner_state, state.inner_state)
        good = jnp.where(finite, state.good_steps + 1, 0)
        grow = good >= period
        scale = jnp.where(finite, jnp.where(grow, state.scale * 2, state.scale), state.scale / 2)
        return updates, LossScaleState(
            scale=scale.astype(jnp.float32),
            good_steps=jnp.where(grow, 0, good).astype(jnp.int32),
            skipped=(state.skipped + jnp.where(finite, 0, 1)).astype(jnp.int32),
            inner_state=inner_state,
        )

    return optax.GradientTransformation(init, update)  # type: ignore[arg-type]  # optax's protocols want *args


class LossScaleLog(Callback):
    """Adds a float16 run's `skipped_steps` (in the epoch) and `loss_scale` to each epoch's logs.

    An epoch that skipped steps also warns: "float16: skipped N steps with non-finite
    gradients (loss scale now S)". `fit` adds it to the callbacks of a float16 trainer.
    """

    def __init__(self) -> None:
        self._skipped_before = 0

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        self._skipped_before = int(_state(run).skipped)

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        state = _state(run)
        skipped, scale = int(state.skipped) - self._skipped_before, float(state.scale)
        logs["skipped_steps"] = skipped
        logs["loss_scale"] = scale
        if skipped:
            warnings.warn(
                f"float16: skipped {skipped} steps with non-finite gradients (loss scale now {scale:g})",
                UserWarning,
                stacklevel=2,
            )


def _state(run: Run) -> LossScaleState:
    state = run.trainer.opt_state
    assert isinstance(state, LossScaleState)  # a float16 trainer's, made by `loss_scaled`
    return state
