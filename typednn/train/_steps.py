"""The compiled work of training: many optimizer steps per dispatch, with `lax.scan`.

One dispatch runs a chunk of steps. Each step takes a batch of example indices and
their weights (1 for a real example, 0 for the padding of a ragged last batch), so
every batch has one shape and the loss and metrics are exact; with `fit`'s sample or
class weights, each example's weight in the loss besides (see `_weights`). The batch is gathered on
device from the whole dataset when it is there, or read from arrays the host feeds.
"""

from __future__ import annotations

from typing import Any

import jax
import optax

from ..distributed import Placement
from ..lower import Lowered, Params
from ._frozen import keep_frozen
from ._heads import Heads, Masks, MetricStates
from ._inference import Inference, Weights, gather, inputs, scan, unpack_weights
from ._precision import Policy
from ._widening import Widening


class Compiled(Inference):
    """Builds and caches the jitted chunk functions for one model, loss and optimizer.

    Every model trains with one step: the optimizer sees the trainable parameters
    (`lowered.split(params)[0]`), and the state (BatchNorm's running statistics) comes
    back from the forward pass (`lowered.forward`). A model without state
    splits into all of its parameters and no state, so it compiles to the same program
    a step over all its parameters would.

    Args:
        lowered: The lowered model.
        heads: Each output's loss, weight and metrics.
        optimizer: The optax transformation; its state is made from `lowered.split(params)[0]`.
        unroll: Unroll each chunk of training steps into straight-line code (see `scan`;
            only gradients suffer in loops, so evaluation keeps its loop).
        placement: Batches split over a mesh's devices: each chunk's outputs keep the
            state's layout, and what the host reads (losses, metrics) is replicated.
        precision: The mixed-precision policy (`_precision`): the dtype the forward pass
            computes in; float16's loss scaling takes `optimizer` to be `loss_scaled`.
    """

    def __init__(
        self,
        lowered: Lowered,
        heads: Heads,
        optimizer: optax.GradientTransformation,
        *,
        unroll: bool = False,
        placement: Placement | None = None,
        precision: Policy | None = None,
    ) -> None:
        self.precision = precision or Policy()
        # In float32 `wrap` is `lowered.forward` itself: the programs are those without a policy.
        super().__init__(self.precision.wrap(lowered.forward), heads, placement=placement)
        self.lowered = lowered
        self.optimizer = optimizer
        self.unroll = unroll
        # Unrolled steps compile a program per chunk length: one, and `WIDE` in a long fit.
        self.widening = Widening(lowered) if unroll and placement is None else None
        # params and optimizer state are donated: each chunk updates them in place. The
        # metric states are small and are read by the host after the next dispatch.
        self.train_on_device = jax.jit(self._train_on_device, donate_argnums=(0, 1), static_argnames="padded")
        self.train_fed = jax.jit(self._train_fed, donate_argnums=(0, 1), static_argnames="padded")
        # Compiled only when a callback asks for gradients (`Callback.wants_gradients`):
        # the train steps above never return them, so they cost nothing without one.
        self._last_gradients = jax.jit(self._gradients_of_last, static_argnames=("on_device", "padded"))

    def padded(self, weights: Any) -> bool:
        """Whether a chunk's padding must be masked out of BatchNorm's batch statistics.

        Only a model with state needs the mask, and only for a chunk holding a ragged
        batch: full batches compile without it (a masked mean costs compile time).
        """
        return self.lowered.has_state and bool((weights == 0).any())

    def _train_step(
        self,
        carry: tuple[Params, Any, MetricStates],
        x: Any,
        y: Any,
        weights: Weights,
        key: jax.Array,
        padded: bool,
    ) -> tuple[tuple[Params, Any, MetricStates], jax.Array]:
        """One optimizer step: gradients of the trainable parameters, the state from the forward pass."""
        params, opt_state, states = carry
        trainable, state = self.lowered.split(params)
        # float16 scales the loss by the scale in the optimizer state (`_precision.loss_scaled`).
        scale = opt_state.scale if self.precision.scaled else None
        (mean, (outputs, losses, updated, masks)), grads = self._value_and_grad(
            params, x, y, weights, key, padded, scale=scale
        )
        updates, opt_state = self.optimizer.update(grads, opt_state, trainable)
        trainable = optax.apply_updates(trainable, updates)
        # Over the state the step started from: frozen layers' arrays (`_frozen`) are
        # state that no forward pass returns.
        params = self.lowered.merge(trainable, keep_frozen(state, updated))
        w, sample = unpack_weights(weights)
        states = self.heads.update(
            states, jax.lax.stop_gradient(outputs), y, w, jax.lax.stop_gradient(losses), masks, sample=sample
        )
        return (params, opt_state, states), mean

    def _value_and_grad(
        self,
        params: Params,
        x: Any,
        y: Any,
        weights: Weights,
        key: jax.Array,
        padded: bool,
        scale: jax.Array | None = None,
    ) -> tuple[tuple[jax.Array, tuple[Any, tuple[jax.Array, ...], Params, Masks]], Params]:
        """A batch's mean loss (with the outputs, losses, updated state and masks) and its gradients.

        The gradients are of the trainable parameters (`lowered.split(params)[0]`), float32
        in every precision (taken through the policy's cast of float32 parameters). With
        `scale` (float16), they are those of the loss times `scale`, divided by it: not
        finite when the scaled backward pass overflowed; the loss returned is unscaled.
        """
        lowered = self.lowered
        trainable, state = lowered.split(params)
        # Sample weights weigh the loss and metrics only: a real example of weight 0 still
        # takes part in BatchNorm's batch statistics, as in Keras.
        w, sample = unpack_weights(weights)

        def objective(p: Params) -> tuple[jax.Array, tuple[Any, tuple[jax.Array, ...], Params, Masks]]:
            # The padding of a ragged last batch stays out of the batch statistics.
            mask = w > 0 if padded else None
            merged = lowered.merge(p, state)
            outputs, updated, masks = self.forward(merged, *inputs(x), key=key, training=True, mask=mask)
            mean, losses = self.heads.loss(outputs, y, w, masks, sample=sample)
            return mean, (outputs, losses, updated, masks)

        found: tuple[tuple[jax.Array, tuple[Any, tuple[jax.Array, ...], Params, Masks]], Params]
        if scale is None:
            found = jax.value_and_grad(objective, has_aux=True)(trainable)
            return found

        def scaled(p: Params) -> tuple[jax.Array, tuple[jax.Array, tuple[Any, tuple[jax.Array, ...], Params, Masks]]]:
            mean, aux = objective(p)
            return mean * scale, (mean, aux)

        (_, (mean, aux)), grads = jax.value_and_grad(scaled, has_aux=True)(trainable)
        grads = jax.tree.map(lambda g: g / scale, grads)
        return (mean, aux), grads

    def last_gradients(
        self, params: Params, batches: tuple[Any, ...], *, on_device: bool, step: int, key: jax.Array, padded: bool
    ) -> Params:
        """The gradients of the loss on a chunk's last batch, at `params`; for callbacks that show them.

        Args:
            params: The parameters to differentiate at (the trainer's, after the chunk).
            batches: The chunk's arrays as the train step took them (`Feed.chunks`).
            on_device: Whether they are `(features, targets, index, weights)` rather than `(x, y, weights)`.
            step: The global step of that batch: its dropout key is the one its training step used.
            key: The trainer's dropout key.
            padded: Whether the batch is ragged in a model with state (see `padded`).

        Returns:
            `{layer: {name: gradient}}` for the trainable parameters, on the device.
        """
        grads: Params = self._last_gradients(params, batches, step, key, on_device=on_device, padded=padded)
        return grads

    def _gradients_of_last(
        self, params: Params, batches: tuple[Any, ...], step: jax.Array, key: jax.Array, on_device: bool, padded: bool
    ) -> Params:
        # The last batch is picked inside the program: a batch sharded over a mesh is
        # then never indexed eagerly, outside a jit.
        if on_device:
            features, targets, index, weights = batches
            x, y = gather((features, targets), index[-1])
        else:
            x, y, weights = batches
            x, y = jax.tree.map(lambda array: array[-1], (x, y))
        weights = jax.tree.map(lambda array: array[-1], weights)
        _, grads = self._value_and_grad(params, x, y, weights, jax.random.fold_in(key, step), padded)
        if self.placement is not None:
            grads = self.placement.constrain(grads)
        return grads

    def _train_on_device(
        self,
        params: Params,
        opt_state: Any,
        states: MetricStates,
        features: Any,
        targets: Any,
        index: jax.Array,
        weights: Weights,
        steps: jax.Array,
        key: jax.Array,
        padded: bool = False,
    ) -> tuple[Params, Any, MetricStates, jax.Array]:
        # Only the indices travel; the chunk's batches are gathered on device.
        x, y = gather((features, targets), index)
        return self._train_fed(params, opt_state, states, x, y, weights, steps, key, padded)

    def _train_fed(
        self,
        params: Params,
        opt_state: Any,
        states: MetricStates,
        x: Any,
        y: Any,
        weights: Weights,
        steps: jax.Array,
        key: jax.Array,
        padded: bool = False,
    ) -> tuple[Params, Any, MetricStates, jax.Array]:
        """`padded`: the chunk holds a ragged batch (see `padded`); a static argument."""

        def body(
            carry: tuple[Params, Any, MetricStates], xs: tuple[Any, Any, Weights, jax.Array]
        ) -> tuple[tuple[Params, Any, MetricStates], jax.Array]:
            bx, by, w, step = xs
            return self._train_step(carry, bx, by, w, jax.random.fold_in(key, step), padded)

        (params, opt_state, states), losses = scan(
            body, (params, opt_state, states), (x, y, weights, steps), unroll=self.unroll
        )
        if self.placement is not None:
            params, opt_state = self.placement.constrain((params, opt_state))
            states, losses = self.placement.constrain_replicated((states, losses))
        return params, opt_state, states, losses


def init_optimizer(optimizer: optax.GradientTransformation, trainable: Params) -> Any:
    """The optimizer's state for `trainable`, made by one compiled program.

    Eagerly, each `zeros_like` of a new shape is its own small XLA compile (30 for
    MobileNetV2's Adam state, 0.7 s on CPU). optax's `init` functions are traceable; a
    hand-written one that is not (one that reads values with numpy) fails under `jit`
    with a TypeError (JAX's tracer errors are TypeErrors) and runs eagerly instead.
    """
    try:
        return jax.jit(optimizer.init)(trainable)
    except TypeError:
        return optimizer.init(trainable)


def adopt(held: Params, params: Params) -> Params:
    """`params`, with a device copy of each array that is not one of `held`'s.

    The train steps donate the parameters' buffers, so the arrays a step took are
    deleted. An array the trainer did not make (pretrained weights a user assigned) is
    copied once, here, so the user's own stays valid (Keras never invalidates it); the
    trainer's own arrays are not copied, so they are still donated and memory does not
    double. `held` is alive during the call, so `id` cannot match a freed array's.
    """
    own = {id(array) for array in jax.tree.leaves(held)}
    leaves, tree = jax.tree.flatten(params)
    # An array spread over several processes (a multi-process job's restored checkpoint)
    # cannot be copied by `device_put` from one process; it is the trainer's own anyway.
    foreign = [
        i
        for i, leaf in enumerate(leaves)
        if isinstance(leaf, jax.Array) and id(leaf) not in own and leaf.is_fully_addressable
    ]
    # One call for all of them; `may_alias=False` guarantees a copy, on the array's own devices.
    copies = jax.device_put([leaves[i] for i in foreign], may_alias=False)
    for i, copy in zip(foreign, copies):
        leaves[i] = copy
    adopted: Params = jax.tree.unflatten(tree, leaves)
    return adopted
