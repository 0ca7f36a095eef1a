from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

import jax
from jax.typing import ArrayLike, DTypeLike
from optax import (
    GradientTransformation,
    GradientTransformationExtraArgs,
    MaskOrFn,
    OptState,
    Params,
    ScalarOrSchedule,
    Updates,
    _ArrayTree,
    _PyTree,
)

# ---------------------------------------------------------------------------
# Combining (chain / partition)
# ---------------------------------------------------------------------------

class PartitionState(NamedTuple):
    inner_states: Mapping[Any, OptState]

def chain(*args: GradientTransformation) -> GradientTransformationExtraArgs: ...
def named_chain(
    *args: tuple[str, GradientTransformation],
) -> GradientTransformationExtraArgs: ...
def partition(
    transforms: Mapping[Any, GradientTransformation],
    param_labels: _PyTree | Callable[[_PyTree], _PyTree],
    *,
    mask_compatible_extra_args: bool = False,
) -> GradientTransformationExtraArgs: ...

# ---------------------------------------------------------------------------
# Clipping
# ---------------------------------------------------------------------------

def adaptive_grad_clip(
    clipping: ArrayLike,
    eps: ArrayLike = 0.001,
    axis: int | tuple[int, ...] | None = None,
) -> GradientTransformation: ...
def clip(max_delta: ArrayLike) -> GradientTransformation: ...
def clip_by_block_rms(threshold: ArrayLike) -> GradientTransformation: ...
def clip_by_global_norm(max_norm: ArrayLike) -> GradientTransformation: ...
def per_example_global_norm_clip(
    grads: _ArrayTree,
    l2_norm_clip: ArrayLike,
) -> tuple[_ArrayTree, jax.Array]: ...
def per_example_layer_norm_clip(
    grads: _ArrayTree,
    global_l2_norm_clip: ArrayLike,
    uniform: bool = True,
) -> tuple[_ArrayTree, _ArrayTree]: ...
def unitwise_clip(
    g_norm: ArrayLike,
    max_norm: ArrayLike,
    grad: ArrayLike,
    div_eps: ArrayLike = 1e-06,
) -> jax.Array: ...
def unitwise_norm(
    x: ArrayLike,
    axis: int | tuple[int, ...] | None = None,
) -> jax.Array: ...

# ---------------------------------------------------------------------------
# Adding (weight decay, noise)
# ---------------------------------------------------------------------------

class AddNoiseState(NamedTuple):
    count: jax.Array  # type: ignore[assignment]  # shadows tuple.count
    rng_key: jax.Array

def add_decayed_weights(
    weight_decay: ScalarOrSchedule = 0.0,
    mask: MaskOrFn = None,
) -> GradientTransformation: ...
def add_noise(
    eta: ArrayLike,
    gamma: ArrayLike,
    key: jax.Array | int | None = None,
    *,
    seed: int | None = None,
) -> GradientTransformation: ...

# ---------------------------------------------------------------------------
# Accumulation (trace, ema, MultiSteps)
# ---------------------------------------------------------------------------

class TraceState(NamedTuple):
    trace: Params

class EmaState(NamedTuple):
    count: ArrayLike  # type: ignore[assignment]  # shadows tuple.count
    ema: Params

def trace(
    decay: ArrayLike,
    nesterov: bool = False,
    accumulator_dtype: Any | None = None,
) -> GradientTransformation: ...
def ema(
    decay: ArrayLike,
    debias: bool = True,
    accumulator_dtype: Any | None = None,
) -> GradientTransformation: ...

class ShouldSkipUpdateFunction(Protocol):
    def __call__(
        self,
        updates: Updates,
        gradient_step: ArrayLike,
        params: Params | None,
    ) -> tuple[ArrayLike, _ArrayTree]: ...

def skip_not_finite(
    updates: Updates,
    gradient_step: ArrayLike,
    params: Params | None,
) -> tuple[jax.Array, _ArrayTree]: ...
def skip_large_updates(
    updates: Updates,
    gradient_step: ArrayLike,
    params: Params | None,
    max_squared_norm: ArrayLike,
) -> tuple[jax.Array, _ArrayTree]: ...

class MultiStepsState(NamedTuple):
    mini_step: ArrayLike
    gradient_step: ArrayLike
    inner_opt_state: Any
    acc_grads: Any
    skip_state: _ArrayTree = ()

class MultiSteps:
    def __init__(
        self,
        opt: GradientTransformation,
        every_k_schedule: int | Callable[[ArrayLike], ArrayLike],
        use_grad_mean: bool = True,
        should_skip_update_fn: ShouldSkipUpdateFunction | None = None,
        accumulator_dtype: DTypeLike = ...,
    ) -> None: ...
    @property
    def inner_opt(self) -> GradientTransformation: ...
    def init(self, params: Any) -> MultiStepsState: ...
    def update(
        self,
        updates: Updates,
        state: MultiStepsState,
        params: Params | None = None,
        **extra_args: Any,
    ) -> tuple[Updates, MultiStepsState]: ...
    def has_updated(self, state: MultiStepsState | _ArrayTree) -> ArrayLike: ...
    def gradient_transformation(self) -> GradientTransformation: ...

# ---------------------------------------------------------------------------
# Conditionality
# ---------------------------------------------------------------------------

class ConditionFn(Protocol):
    def __call__(self, step: ArrayLike, **extra_args: Any) -> ArrayLike: ...

class ApplyIfFiniteState(NamedTuple):
    notfinite_count: Any
    last_finite: Any
    total_notfinite: Any
    inner_state: Any

class ConditionallyMaskState(NamedTuple):
    step: ArrayLike
    inner_state: OptState

class ConditionallyTransformState(NamedTuple):
    inner_state: Any
    step: ArrayLike

def apply_if_finite(
    inner: GradientTransformation,
    max_consecutive_errors: int,
) -> GradientTransformation: ...
def conditionally_mask(
    inner: GradientTransformation,
    should_transform_fn: ConditionFn,
    forward_extra_args: bool = False,
) -> GradientTransformationExtraArgs: ...
def conditionally_transform(
    inner: GradientTransformation,
    should_transform_fn: ConditionFn,
    forward_extra_args: bool = False,
) -> GradientTransformationExtraArgs: ...

# ---------------------------------------------------------------------------
# Constraining
# ---------------------------------------------------------------------------

class NonNegativeParamsState(NamedTuple): ...

class ZeroNansState(NamedTuple):
    found_nan: Any

def keep_params_nonnegative() -> GradientTransformation: ...
def zero_nans() -> GradientTransformation: ...

# ---------------------------------------------------------------------------
# Freezing, masking, layouts
# ---------------------------------------------------------------------------

class MaskedNode(NamedTuple): ...

class MaskedState(NamedTuple):
    inner_state: Any

def freeze(mask: bool | _ArrayTree) -> GradientTransformation: ...
def selective_transform(
    optimizer: GradientTransformation,
    *,
    freeze_mask: bool | _ArrayTree,
) -> GradientTransformation: ...
def masked(
    inner: GradientTransformation,
    mask: _PyTree | Callable[[Params], _PyTree],
    *,
    mask_compatible_extra_args: bool = False,
) -> GradientTransformationExtraArgs: ...
def flatten(inner: GradientTransformation) -> GradientTransformationExtraArgs: ...

# ---------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------

class MonitorState(NamedTuple):
    measurements: dict[str, _ArrayTree]
    measure_states: tuple[OptState, ...]

class SnapshotState(NamedTuple):
    measurement: dict[str, Any]

def measure_with_ema(
    measure: Callable[[Updates], _ArrayTree],
    decay: ArrayLike,
    debias: bool = True,
    accumulator_dtype: Any | None = None,
) -> GradientTransformationExtraArgs: ...
def monitor(
    measures: Mapping[
        str, GradientTransformationExtraArgs | Callable[[Updates], _ArrayTree]
    ],
) -> GradientTransformationExtraArgs: ...
def snapshot(
    measure_name: str,
    measure: Callable[[Updates], _ArrayTree],
) -> GradientTransformation: ...
