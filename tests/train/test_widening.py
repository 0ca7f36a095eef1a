"""A convolution model on CPU: one step per dispatch, then eight, compiled beside the training."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import nn
from typednn.train import _widening
from typednn.train._feed import chunks
from typednn.train._widening import WIDE, Widening

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="the chunking of convolutions on CPU")


def conv_trainer(**options: Any) -> tn.Trainer[Any, Any]:
    x = tn.Input(6, 6, 1)
    y = nn.Conv2D(2, kernel=3)(x) >> nn.relu >> nn.Flatten() >> nn.Dense(4 * 4 * 2, 3)
    return tn.Trainer(tn.Model(x, y), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), **options)


def images(examples: int = 90) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(examples, 6, 6, 1)).astype(np.float32), rng.integers(0, 3, examples))


class Joins(tn.callbacks.Callback):
    """Waits at each epoch's end for the wide program's compile, so that the next epoch uses it."""

    def __init__(self, trainer: tn.Trainer[Any, Any]) -> None:
        self.trainer = trainer
        self.chunkings: list[int] = []

    def on_epoch_end(self, run: Any, epoch: int, logs: Any) -> None:
        widening = self.trainer._compiled.widening
        assert widening is not None
        if widening._compiling is not None:
            widening._compiling.join()
        self.chunkings.append(widening.steps_per_chunk(run.steps_per_epoch))


def test_a_long_fit_widens_to_eight_steps_a_dispatch_with_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_widening, "PAYBACK", 0)  # any fit is long enough
    wide = conv_trainer(seed=1)
    joins = Joins(wide)
    # 90 examples in batches of 8: 11 full batches and a ragged one; one chunk of 8, four single steps.
    wide.fit(images(), epochs=4, batch_size=8, verbose=0, callbacks=[joins])
    assert joins.chunkings[0] == 1  # the first epoch only measures
    assert WIDE in joins.chunkings[1:]
    widening = wide._compiled.widening
    assert widening is not None and widening._program is not None and WIDE in widening._seconds
    one = conv_trainer(seed=1, steps_per_dispatch=1)
    one.fit(images(), epochs=4, batch_size=8, verbose=0)
    for ours, reference in zip(jax.tree.leaves(wide.params), jax.tree.leaves(one.params), strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)
    assert wide.step == one.step == 4 * 12


def test_a_short_fit_stays_at_one_step_a_dispatch_and_compiles_nothing_beside() -> None:
    short = conv_trainer()
    short.fit(images(), epochs=3, batch_size=8, verbose=0)
    widening = short._compiled.widening
    assert widening is not None and widening._compiling is None
    assert widening.steps_per_chunk(12) == 1


def test_a_named_steps_per_dispatch_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_widening, "PAYBACK", 0)
    named = conv_trainer(steps_per_dispatch=1)
    named.fit(images(), epochs=3, batch_size=8, verbose=0)
    widening = named._compiled.widening
    assert widening is not None and widening._compiling is None


def test_the_wide_chunking_measured_slower_is_dropped() -> None:
    widening = Widening()
    widening._program = object()  # as if compiled
    assert widening.steps_per_chunk(12) == WIDE
    assert widening.steps_per_chunk(WIDE - 1) == 1  # no whole chunk in an epoch
    widening.measured(1, steps=12, seconds=1.2, compile_seconds=0.0)
    widening.measured(WIDE, steps=12, seconds=1.5, compile_seconds=0.0)
    assert widening.steps_per_chunk(12) == 1


def test_a_wide_chunk_of_other_shapes_runs_the_jitted_function() -> None:
    widening = Widening()
    widening._program = lambda *args: "wide"
    widening._abstract = (jax.ShapeDtypeStruct((WIDE, 4), np.float32),)
    assert widening.call(lambda *args, padded: "jitted", (np.zeros((WIDE, 4), np.float32),), (0,)) == "wide"
    assert widening.call(lambda *args, padded: "jitted", (np.zeros((WIDE, 5), np.float32),), (0,)) == "jitted"


def test_the_tail_of_an_epoch_comes_one_step_a_chunk() -> None:
    order = np.arange(90)
    lengths = [len(chunk.index) for chunk in chunks(order, batch_size=8, steps_per_chunk=WIDE, tail_by_step=True)]
    assert lengths == [8, 1, 1, 1, 1]
    together = np.concatenate([chunk.index for chunk in chunks(order, batch_size=8, steps_per_chunk=8)])
    split = np.concatenate([chunk.index for chunk in chunks(order, batch_size=8, steps_per_chunk=8, tail_by_step=True)])
    np.testing.assert_array_equal(together, split)
