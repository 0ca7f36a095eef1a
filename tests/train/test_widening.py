"""A convolution model on CPU: one step per dispatch, and eight after the first epoch of a long fit."""

from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from tests.train.test_trainer import assert_bit_equal
from typednn import nn
from typednn.train import _widening
from typednn.train._feed import chunks
from typednn.train._widening import WIDE

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="the chunking of convolutions on CPU")


def conv_trainer(**options: Any) -> tn.Trainer[Any, Any]:
    x = tn.Input(6, 6, 1)
    y = nn.Conv2D(2, kernel=3)(x) >> nn.relu >> nn.Flatten() >> nn.Dense(4 * 4 * 2, 3)
    return tn.Trainer(tn.Model(x, y), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), **options)


def images(examples: int = 90) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(0)
    return tn.data.from_arrays(rng.normal(size=(examples, 6, 6, 1)).astype(np.float32), rng.integers(0, 3, examples))


class Chunkings(tn.callbacks.Callback):
    """The steps per dispatch of each epoch, as the trainer chooses them."""

    def __init__(self, trainer: tn.Trainer[Any, Any], batch_size: int) -> None:
        self.trainer, self.batch_size = trainer, batch_size
        self.chosen: list[int] = []

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        widening = self.trainer._compiled.widening
        assert widening is not None
        chosen = widening.steps_per_chunk(
            epoch,
            epochs=run.epochs,
            steps_per_epoch=run.steps_per_epoch,
            params=self.trainer.params,
            features=images().features,
            batch_size=self.batch_size,
        )
        self.chosen.append(chosen)


def test_a_long_fit_runs_eight_steps_a_dispatch_after_its_first_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_widening, "WIDEN_FLOPS", 1.0)  # any fit of a few epochs is long enough
    wide = conv_trainer(seed=1)
    seen = Chunkings(wide, 8)
    # 90 examples in batches of 8: 11 full batches and a ragged one; a chunk of 8, then four single steps.
    wide.fit(images(), epochs=4, batch_size=8, verbose=0, callbacks=[seen])
    assert seen.chosen == [1, WIDE, WIDE, WIDE]
    one = conv_trainer(seed=1, steps_per_dispatch=1)
    one.fit(images(), epochs=4, batch_size=8, verbose=0)
    for ours, reference in zip(jax.tree.leaves(wide.params), jax.tree.leaves(one.params), strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6)
    assert wide.step == one.step == 4 * 12


def test_the_chunking_is_the_same_run_after_run_and_after_a_resume(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_widening, "WIDEN_FLOPS", 1.0)
    whole = conv_trainer(seed=3)
    whole.fit(images(), epochs=4, batch_size=8, verbose=0)
    again = conv_trainer(seed=3)
    again.fit(images(), epochs=4, batch_size=8, verbose=0)
    assert_bit_equal(whole.params, again.params)
    # A fit that starts at a later epoch (as a resumed one does) widens its first epoch as the whole run did.
    halves = conv_trainer(seed=3)
    halves.fit(images(), epochs=2, batch_size=8, verbose=0)
    seen = Chunkings(halves, 8)
    halves.fit(images(), epochs=2, batch_size=8, verbose=0, callbacks=[seen])
    assert seen.chosen == [WIDE, WIDE]


def test_a_short_or_light_fit_stays_at_one_step_a_dispatch() -> None:
    trainer = conv_trainer()
    widening = trainer._compiled.widening
    assert widening is not None
    features = images().features
    choose = functools.partial(widening.steps_per_chunk, params=trainer.params, features=features, batch_size=8)
    assert choose(0, epochs=1000, steps_per_epoch=12) == 1  # the first epoch compiles one step only
    assert choose(1, epochs=1000, steps_per_epoch=12) == 1  # a tiny model: 1000 epochs are 10 MFLOP a step
    assert widening.flops(trainer.params, features, 8) > 0
    assert choose(1, epochs=2, steps_per_epoch=4) == 1  # no whole chunk in an epoch


def test_a_named_steps_per_dispatch_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_widening, "WIDEN_FLOPS", 1.0)
    named = conv_trainer(steps_per_dispatch=1)
    calls: list[int] = []
    original = named._compiled.train_on_device

    def spy(*args: Any, **options: Any) -> Any:
        calls.append(len(args[5]))  # the chunk's index: one row per step
        return original(*args, **options)

    monkeypatch.setattr(named._compiled, "train_on_device", spy)
    named.fit(images(), epochs=3, batch_size=8, verbose=0)
    assert set(calls) == {1}


def test_the_tail_of_an_epoch_comes_one_step_a_chunk() -> None:
    order = np.arange(90)
    lengths = [len(chunk.index) for chunk in chunks(order, batch_size=8, steps_per_chunk=WIDE, tail_by_step=True)]
    assert lengths == [8, 1, 1, 1, 1]
    together = np.concatenate([chunk.index for chunk in chunks(order, batch_size=8, steps_per_chunk=8)])
    split = np.concatenate([chunk.index for chunk in chunks(order, batch_size=8, steps_per_chunk=8, tail_by_step=True)])
    np.testing.assert_array_equal(together, split)
