"""`checkpoint(f)`: `jax.checkpoint` whose recomputation XLA cannot fold back into the forward pass.

`jax.checkpoint` guards its recomputation with an `optimization_barrier`, but XLA:CPU
removes the barriers before common-subexpression elimination, which then merges the
recomputed activations with the forward pass's: the compiled step keeps every
activation, as without remat (measured: the same dot count and the same temporary
bytes in `memory_analysis()`). Here the backward rule recomputes the forward pass
from inputs that depend on the incoming cotangent (`x + 0 * ct`), so XLA can neither
merge it with the forward pass nor schedule it before the gradient reaches it; on
every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def _float(leaf: Any) -> bool:
    return isinstance(leaf, jax.Array | np.ndarray) and jnp.issubdtype(leaf.dtype, jnp.floating)


def checkpoint(f: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """`f(params, inputs, rest)`, keeping only its arguments for the gradient and recomputing the rest.

    Args:
        f: A pure function of `params` and `inputs` (float arrays, differentiated) and
            `rest` (keys, token ids, masks, state: not differentiated).

    Returns:
        A function with `f`'s values and gradients. A cotangent that holds NaN or
        infinity makes the recomputed values NaN: such a gradient is NaN anyway.
    """

    @jax.custom_vjp
    def run(params: Any, inputs: Any, rest: Any) -> Any:
        return f(params, inputs, rest)

    def forward(params: Any, inputs: Any, rest: Any) -> tuple[Any, tuple[Any, Any, Any]]:
        return f(params, inputs, rest), (params, inputs, rest)

    def backward(saved: tuple[Any, Any, Any], cotangent: Any) -> tuple[Any, Any, Any]:
        params, inputs, rest = saved
        found = [leaf for leaf in jax.tree.leaves(cotangent) if _float(leaf)]
        if found:
            # A scalar of the cotangent, times zero: adding it to the inputs (or, with only
            # token ids for inputs, to the parameters) ties the recomputation to the gradient.
            tie = found[0].reshape(-1)[0] * 0
            if any(_float(leaf) for leaf in jax.tree.leaves(inputs)):
                inputs = _tied(inputs, tie)
            else:
                params = _tied(params, tie)
        _, pullback = jax.vjp(lambda p, x: f(p, x, rest), params, inputs)
        grads, input_grads = pullback(cotangent)
        return grads, input_grads, jax.tree.map(_zero_cotangent, rest)

    run.defvjp(forward, backward)
    return run


def _tied(tree: Any, tie: jax.Array) -> Any:
    return jax.tree.map(lambda leaf: leaf + tie.astype(leaf.dtype) if _float(leaf) else leaf, tree)


def _zero_cotangent(leaf: Any) -> Any:
    """No gradient, as JAX spells it for an argument of any dtype (`float0` for ints, bools and keys)."""
    if _float(leaf):
        return jnp.zeros_like(leaf)
    return np.zeros(np.shape(leaf), dtype=jax.dtypes.float0)
