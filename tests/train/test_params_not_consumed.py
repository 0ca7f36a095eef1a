"""`fit` never deletes arrays a user assigned to `trainer.params` (Keras never invalidates them).

The compiled steps donate the parameters' buffers; the trainer copies, once, the arrays
it does not hold already, and keeps donating its own (memory does not double).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import typednn as tn
from typednn import nn


def trainer_and_data() -> tuple[tn.Trainer[Any, Any], tn.data.Dataset[Any, Any]]:
    x = tn.Input(4)
    model = tn.Model(x, x >> nn.Dense(8, name="hidden") >> nn.relu >> nn.Dense(3, name="out"))
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(0.1))
    data = tn.data.from_arrays(np.linspace(0, 1, 40, dtype=np.float32).reshape(10, 4), np.arange(10) % 3)
    return trainer, data


def test_assigned_weights_survive_fit() -> None:
    trainer, data = trainer_and_data()
    weights = {"hidden": {"kernel": jnp.full((4, 8), 0.5), "bias": jnp.zeros(8)}}
    before = jax.device_get(weights)
    trainer.params = {**trainer.params, **weights}
    trainer.fit(data, epochs=2, batch_size=4, verbose=0)
    for name, array in weights["hidden"].items():
        assert not array.is_deleted()
        assert np.array_equal(np.asarray(array), before["hidden"][name])
    # The trainer trained its copy: it moved away from the assigned values.
    assert not np.array_equal(np.asarray(trainer.params["hidden"]["kernel"]), before["hidden"]["kernel"])


def test_trainer_own_arrays_are_still_donated() -> None:
    trainer, data = trainer_and_data()
    own = trainer.params["out"]["kernel"]
    trainer.params = {**trainer.params, "hidden": {"kernel": jnp.ones((4, 8)), "bias": jnp.zeros(8)}}
    assert trainer.params["out"]["kernel"] is own  # not copied on assignment
    trainer.fit(data, epochs=1, batch_size=4, verbose=0)
    assert own.is_deleted()  # donated to the step, as before: no second copy of the parameters
    kept = trainer.params["hidden"]["kernel"]
    trainer.fit(data, epochs=1, batch_size=4, verbose=0)
    assert kept.is_deleted()  # the copy is the trainer's own from then on


def test_numpy_weights_are_kept_as_given() -> None:
    trainer, data = trainer_and_data()
    kernel = np.full((4, 8), 0.25, np.float32)
    hidden: Any = {"kernel": kernel, "bias": np.zeros(8, np.float32)}  # numpy, not jax.Array
    trainer.params = {**trainer.params, "hidden": hidden}
    trainer.fit(data, epochs=1, batch_size=4, verbose=0)
    assert np.array_equal(kernel, np.full((4, 8), 0.25, np.float32))
