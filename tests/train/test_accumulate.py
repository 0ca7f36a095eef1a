"""Gradient accumulation: N batches of B accumulated update as one batch of N*B does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn


def model() -> tn.Model[Any, Any]:
    x = tn.Input(8)
    return tn.Model(x, x >> nn.Dense(16) >> nn.relu >> nn.Dense(3))


def data(examples: int = 32) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(examples, 8)).astype(np.float32), rng.integers(0, 3, examples))


def trainer(optimizer: optax.GradientTransformation, **options: Any) -> tn.Trainer[Any, Any]:
    return tn.Trainer(model(), loss=tn.losses.softmax_cross_entropy, optimizer=optimizer, **options)


def largest_difference(a: Any, b: Any) -> float:
    return max(
        float(np.abs(np.asarray(x) - np.asarray(y)).max()) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b))
    )


@pytest.mark.parametrize("optimizer", [optax.sgd(0.1), optax.adam(0.01)], ids=["sgd", "adam"])
def test_four_batches_accumulated_update_as_one_batch_four_times_larger(
    optimizer: optax.GradientTransformation,
) -> None:
    accumulated = trainer(optimizer, accumulate=4)
    accumulated.fit(data(), epochs=1, batch_size=8, shuffle=False, verbose=0)
    large = trainer(optimizer)
    large.fit(data(), epochs=1, batch_size=32, shuffle=False, verbose=0)
    assert accumulated.step == 4 and large.step == 1  # `step` counts batches
    assert largest_difference(accumulated.params, large.params) < 1e-6
    assert largest_difference(accumulated.params, model().init(jax.random.key(0))) > 1e-3  # it did update


def test_no_update_before_the_nth_batch() -> None:
    accumulated = trainer(optax.sgd(0.1), accumulate=4)
    accumulated.fit(data(24), epochs=1, batch_size=8, shuffle=False, verbose=0)  # 3 batches: no update yet
    assert largest_difference(accumulated.params, model().init(jax.random.key(0))) == 0.0


def test_accumulate_one_is_the_plain_optimizer() -> None:
    sgd = optax.sgd(0.1)
    assert trainer(sgd)._optimizer is sgd


@pytest.mark.parametrize("value", [0, -2, 2.0, True, "4"])
def test_accumulate_must_be_a_positive_int(value: object) -> None:
    with pytest.raises(tn.TypednnError, match="accumulate must be an int from 1"):
        trainer(optax.sgd(0.1), accumulate=value)


def test_resume_carries_the_accumulator(tmp_path: Path) -> None:
    """3 batches per update over epochs of 4 batches: the accumulator spans an epoch's end."""

    def run(epochs: int, directory: Path, *, resume: bool = False) -> tn.Trainer[Any, Any]:
        fitted = trainer(optax.adam(0.01), accumulate=3)
        callbacks = [tn.callbacks.Checkpoint(directory)]
        fitted.fit(data(), epochs=epochs, batch_size=8, callbacks=callbacks, resume=resume, verbose=0)
        return fitted

    whole = run(2, tmp_path / "whole")
    run(1, tmp_path / "parts")
    resumed = run(2, tmp_path / "parts", resume=True)
    assert resumed.step == whole.step == 8
    assert largest_difference(resumed.params, whole.params) == 0.0
    assert largest_difference(resumed.opt_state, whole.opt_state) == 0.0
