"""Trainer: fits a typed model to a typed dataset with an optax optimizer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._model import In, Model, Out
from .._shapes import check_fit
from ..data import Dataset
from ..lower import Params

Loss = Callable[[jax.Array, jax.Array], jax.Array]


class Trainer(Generic[In, Out]):
    """Trains a model; its type carries the model's, so mismatched data is a mypy error.

    Args:
        model: The model to train.
        loss: A pure function `(outputs, targets) -> scalar`, e.g.
            `tn.losses.softmax_cross_entropy`.
        optimizer: Any optax `GradientTransformation`.
        seed: Seeds parameter initialisation, shuffling and dropout.

    Example:
        >>> import numpy as np, optax
        >>> import typednn as tn
        >>> from typednn import nn
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> data = tn.data.from_arrays(np.ones((8, 4)), np.arange(8) % 3)
        >>> trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1))
        >>> history = trainer.fit(data, epochs=2, batch_size=4)
        >>> len(history)
        2
    """

    def __init__(
        self,
        model: Model[In, Out],
        *,
        loss: Loss,
        optimizer: optax.GradientTransformation,
        metrics: Sequence[str] = (),
        seed: int = 0,
    ) -> None:
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = tuple(metrics)
        self.seed = seed
        self.params: Params = model.init(jax.random.key(seed))
        self.opt_state = optimizer.init(self.params)
        self._step = jax.jit(self._train_step, donate_argnums=(0, 1))

    def _train_step(
        self, params: Params, opt_state: Any, x: jax.Array, y: jax.Array, key: jax.Array
    ) -> tuple[Params, Any, jax.Array]:
        def objective(p: Params) -> jax.Array:
            return self.loss(self.model.lowered.apply(p, x, key=key, training=True), y)

        loss, grads = jax.value_and_grad(objective)(params)
        updates, opt_state = self.optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def check(self, data: Dataset[Any, Any]) -> None:
        """Raise `ShapeError` if the data does not fit the model (before any compiling)."""
        check_fit(
            self.model.inputs.shape, self.model.outputs.shape, data.feature_shape, data.target_shape, data.classes
        )

    def fit(self, data: Dataset[In, Any], *, epochs: int, batch_size: int = 32) -> list[dict[str, float]]:
        """Train for `epochs` passes over `data`; returns the mean loss of each epoch."""
        self.check(data)
        history = []
        key = jax.random.key(self.seed + 1)
        for epoch in range(epochs):
            losses = []
            for x, y in data.batches(batch_size, seed=self.seed + epoch):
                key, step_key = jax.random.split(key)
                self.params, self.opt_state, loss = self._step(
                    self.params, self.opt_state, jnp.asarray(x), jnp.asarray(y), step_key
                )
                losses.append(loss)
            history.append({"loss": float(np.mean(jax.device_get(losses))) if losses else float("nan")})
        return history

    def evaluate(self, data: Dataset[In, Any], *, batch_size: int = 256) -> dict[str, float]:
        """The mean loss, and the accuracy when the targets are class ids."""
        self.check(data)
        outputs = self.predict(data.features, batch_size=batch_size)
        targets = jnp.asarray(data.targets)
        result = {"loss": float(self.loss(outputs, targets))}
        if data.classes is not None:
            result["accuracy"] = float(jnp.mean(jnp.argmax(outputs, axis=-1) == targets))
        return result

    def predict(self, inputs: Any, *, batch_size: int = 256) -> jax.Array:
        """The model's outputs for an array of inputs, in batches."""
        x = np.asarray(inputs, dtype=np.float32)
        parts = [
            self.model.apply(self.params, jnp.asarray(x[i : i + batch_size])) for i in range(0, len(x), batch_size)
        ]
        return jnp.concatenate(parts)
