"""What the TensorBoard callback reads off the parameters: histograms and update ratios per layer.

An epoch's update ratio is ||Δparams|| / ||params||: how far one epoch of training
moved a layer's parameters, relative to their size (both Frobenius norms over all of
the layer's arrays, the parameters taken as they were before the epoch). It is the
signature chart of DL4J's training UI: around 1e-3 per step is the usual rule of thumb;
far above, the learning rate is too high for that layer; near zero, it has stopped
learning. It needs the parameters only, no gradients.
"""

from __future__ import annotations

import math
from typing import Any, TypeAlias

import jax
import numpy as np

HostParams: TypeAlias = dict[str, dict[str, np.ndarray[Any, Any]]]
"""Host copies of the parameters: layer name to `path/within/layer` to float32 array."""


def host_copy(params: Any) -> HostParams:
    """Float32 host copies of a parameter tree (a dict by layer name, as `Trainer.params` holds).

    Copies, not views: the trainer donates its parameter buffers to the next steps, and
    a view of a CPU buffer would change (or vanish) under the snapshot.

    Example:
        >>> import jax.numpy as jnp
        >>> host_copy({"dense": {"kernel": jnp.ones((2, 3)), "bias": jnp.zeros(3)}})["dense"]["kernel"].shape
        (2, 3)
    """
    copies: HostParams = {}
    for path, leaf in jax.tree_util.tree_leaves_with_path(params):
        layer = jax.tree_util.keystr(path[:1], simple=True, separator="/")
        name = jax.tree_util.keystr(path[1:], simple=True, separator="/") or "value"
        copies.setdefault(layer, {})[name] = np.array(leaf, dtype=np.float32, copy=True)
    return copies


def histograms(params: HostParams, *, prefix: str) -> dict[str, np.ndarray[Any, Any]]:
    """Each array under the tag `<prefix>/<layer>/<name>`, Keras's naming with a section in front."""
    return {f"{prefix}/{layer}/{name}": array for layer, arrays in params.items() for name, array in arrays.items()}


def updates(before: HostParams, after: HostParams) -> HostParams:
    """`after - before`, array by array, for the arrays both hold with one shape."""
    with np.errstate(invalid="ignore", over="ignore"):  # diverged parameters: inf - inf is NaN, no warning
        return _differences(before, after)


def _differences(before: HostParams, after: HostParams) -> HostParams:
    return {
        layer: {
            name: array - before[layer][name]
            for name, array in arrays.items()
            if name in before.get(layer, {}) and before[layer][name].shape == array.shape
        }
        for layer, arrays in after.items()
    }


def update_ratios(before: HostParams, after: HostParams) -> dict[str, float]:
    """`update_ratio/<layer>`: ||after - before|| / ||before|| per layer.

    A layer whose parameters were all zero before has no ratio (it would be infinite).

    Example:
        >>> import numpy as np
        >>> before = {"dense": {"kernel": np.full((2, 2), 1.0, np.float32)}}
        >>> after = {"dense": {"kernel": np.full((2, 2), 1.001, np.float32)}}
        >>> round(update_ratios(before, after)["update_ratio/dense"], 6)
        0.001
    """
    ratios = {}
    for layer, deltas in updates(before, after).items():
        # In float64, where no float32 value's square overflows.
        size = math.sqrt(sum(float(np.sum(np.square(before[layer][name], dtype=np.float64))) for name in deltas))
        moved = math.sqrt(sum(float(np.sum(np.square(delta, dtype=np.float64))) for delta in deltas.values()))
        if size > 0:
            ratios[f"update_ratio/{layer}"] = moved / size
    return ratios
