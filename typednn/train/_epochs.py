"""A fit's epochs: the loop over them, one epoch's dispatches, and what callbacks see.

`Trainer.fit` checks its arguments, builds the feeds and the `Run`; the functions here
then drive the compiled steps and the callbacks' hooks, and update the trainer's
parameters, optimizer state, step and epoch as they go.

Gradients for callbacks (`Callback.wants_gradients`, e.g. TensorBoard's gradient
histograms) are computed apart from the train steps: after an epoch that a callback
asked them for, one separate jitted gradient of the same loss, on the epoch's last
batch, at the parameters the epoch ended with. The compiled steps return no gradients,
so a fit without such a callback runs exactly the program it would otherwise; the cost
of asking is one compile and one forward and backward pass per epoch that asks.

A dispatch that compiles (the run's first, and the first of each new chunk length) is
timed: the progress line states an epoch's compile time (`ProgressBar.compile_time`).
Whether a call compiled is read from the jitted function's own cache size, so no timer
or thread runs beside the steps.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from ..data import Dataset
from ..distributed import collective_failures
from ..lower import Params
from ._callback import Callback, Run, Steps
from ._feed import Chunk, Feed, chunks, epoch_order, steps_per_chunk
from ._generator_feed import FromPython
from ._heads import MetricStates
from ._history import History
from ._nan import TerminateOnNaN
from ._parts import Parts, PartsFed, examples_in, feed_of
from ._progress import ProgressBar, Verbose
from ._schedules import learning_rate

if TYPE_CHECKING:
    from ._trainer import Trainer


def with_defaults(callbacks: Sequence[Callback], *, verbose: Verbose, terminate_on_nan: bool) -> list[Callback]:
    """`fit`'s callbacks, with a `ProgressBar` and a `TerminateOnNaN` unless it holds its own."""
    callbacks = list(callbacks)
    # The progress bar first, as Keras's: an epoch's line comes before what other callbacks print.
    if not any(isinstance(c, ProgressBar) for c in callbacks):
        callbacks.insert(0, ProgressBar(verbose=verbose))
    if terminate_on_nan and not any(isinstance(c, TerminateOnNaN) for c in callbacks):
        callbacks.insert(1, TerminateOnNaN())
    return callbacks


def run_fit(
    trainer: Trainer[Any, Any],
    run: Run,
    data: Dataset[Any, Any] | FromPython,
    validation: Dataset[Any, Any] | None,
    callbacks: list[Callback],
    history: History,
    *,
    shuffle: bool,
    weights: np.ndarray[Any, Any] | None,
    parts: Parts | None = None,
    validation_parts: Parts | None = None,
) -> None:
    """`fit` once its arguments are checked: the feeds, then every callback's hooks around the epochs.

    `data` is a dataset, or batches from Python already fed by their own thread
    (`FromPython`); `parts` and `validation_parts` say how a multi-process job holds the
    datasets when each process passed its own part (`_parts.agree`).
    """
    limit, placement = trainer.device_data_limit, trainer._placement
    feed = data if isinstance(data, FromPython) else feed_of(data, limit, placement, parts)
    # Copied to the device once for the whole run, not once per epoch.
    validation_feed = None if validation is None else feed_of(validation, limit, placement, validation_parts)
    # A collective broken by a lost process of the job becomes a DistributedError.
    with collective_failures():
        try:
            for callback in callbacks:
                callback.on_train_begin(run)
            run_epochs(
                trainer,
                run,
                data,
                validation,
                feed,
                validation_feed,
                callbacks,
                history,
                shuffle=shuffle,
                weights=weights,
            )
        finally:
            feed.close()
            if validation_feed is not None:
                validation_feed.close()
            end_all(callbacks, run)


def run_epochs(
    trainer: Trainer[Any, Any],
    run: Run,
    data: Dataset[Any, Any] | FromPython,
    validation: Dataset[Any, Any] | None,
    feed: Feed,
    validation_feed: Feed | None,
    callbacks: list[Callback],
    history: History,
    *,
    shuffle: bool,
    weights: np.ndarray[Any, Any] | None,
) -> None:
    """Train `trainer` from its epoch up to `run.epochs`, or until a callback stops the run (or the batches run out)."""
    for epoch in range(trainer.epoch, run.epochs):
        run.epoch = epoch
        for callback in callbacks:
            callback.on_epoch_begin(run, epoch)
        gradients = any(callback.wants_gradients(run, epoch) for callback in callbacks)
        if isinstance(data, FromPython):
            pairs = data.epoch()
        elif isinstance(feed, PartsFed):  # this process's own rows, in their order for the epoch
            per_chunk = steps_per_chunk(run.steps_per_epoch, trainer.steps_per_dispatch, loops_ok=trainer._loops_ok)
            pairs = feed.chunks(
                feed.stream(
                    batch_size=run.batch_size,
                    steps_per_chunk=per_chunk,
                    seed=trainer.seed,
                    epoch=epoch,
                    shuffle=shuffle,
                    sample_weights=weights,
                )
            )
        else:
            order = epoch_order(len(data), seed=trainer.seed, epoch=epoch, shuffle=shuffle)
            per_chunk = steps_per_chunk(run.steps_per_epoch, trainer.steps_per_dispatch, loops_ok=trainer._loops_ok)
            widening = trainer._compiled.widening if trainer.steps_per_dispatch is None else None
            if widening is not None:
                per_chunk = widening.steps_per_chunk(
                    epoch,
                    epochs=run.epochs,
                    steps_per_epoch=run.steps_per_epoch,
                    params=trainer._params,
                    features=data.features,
                    batch_size=run.batch_size,
                )
            stream = chunks(
                order,
                batch_size=run.batch_size,
                steps_per_chunk=per_chunk,
                sample_weights=weights,
                tail_by_step=widening is not None,
            )
            pairs = feed.chunks(stream)
        done = train_epoch(trainer, run, feed, pairs, callbacks, gradients=gradients)
        if isinstance(data, FromPython) and not _python_epoch_ended(run, data, epoch, done.steps):
            break
        logs, run.gradients = done.logs, done.gradients
        if validation is not None and validation_feed is not None:
            scores = trainer._evaluate(validation_feed, examples_in(validation_feed, len(validation)), run.batch_size)
            logs |= {f"val_{k}": v for k, v in scores.items()}
        rate = learning_rate(trainer.opt_state)
        if rate is not None:
            logs["learning_rate"] = rate
        trainer.epoch = epoch + 1
        history.epochs.append(logs)
        for callback in callbacks:
            if isinstance(callback, ProgressBar):
                callback.input_time(done.input_seconds, done.seconds)
                callback.compile_time(done.compile_seconds)
        try:
            for callback in callbacks:
                callback.on_epoch_end(run, epoch, logs)
        finally:
            run.gradients = None  # one epoch's: not kept alive, nor shown at the next
        if run.stop_training:
            break


def _python_epoch_ended(run: Run, feed: FromPython, epoch: int, steps: int) -> bool:
    """Whether an epoch of batches from Python counts: False when it ran no step.

    When the batches run out before `steps_per_epoch` (or a pass yields none), training
    stops after this epoch, with a warning, as Keras's `fit(generator)` does.
    """
    if not run.steps_per_epoch:
        run.steps_per_epoch = steps  # a re-iterable without a length: its first pass says
    ended = feed.ended
    if ended is None or not ended.ran_out:
        return True
    wanted = f"{feed.steps_per_epoch} steps" if feed.steps_per_epoch is not None else "a batch"
    warnings.warn(
        f"Trainer.fit: the batches ran out after {ended.steps} batches of epoch {epoch + 1}"
        f" (it needs {wanted}); training stopped. Make the generator yield at least"
        " steps_per_epoch * epochs batches (e.g. loop forever with `while True`)",
        UserWarning,
        stacklevel=5,
    )
    run.stop_training = True
    return steps > 0


@dataclass(frozen=True)
class EpochDone:
    """What one epoch's steps gave: its metrics, the gradients asked for, and where its time went.

    Attributes:
        logs: The epoch's loss and metrics.
        gradients: Host copies of the gradients on its last batch, when asked; else None.
        steps: Optimizer steps it ran.
        input_seconds: Time the loop waited for the next chunk of batches (the feed).
        seconds: The epoch's time, from its first chunk asked for to its last results read.
        compile_seconds: The time its dispatches spent compiling (tracing included), or
            reading their programs from the compilation cache; 0 when all were compiled.
    """

    logs: dict[str, float]
    gradients: Params | None
    steps: int
    input_seconds: float
    seconds: float
    compile_seconds: float = 0.0


def train_epoch(
    trainer: Trainer[Any, Any],
    run: Run,
    feed: Feed,
    pairs: Iterator[tuple[Chunk, tuple[Any, ...]]],
    callbacks: list[Callback],
    *,
    gradients: bool = False,
) -> EpochDone:
    """One epoch's steps over the chunks of `pairs` (from `feed`).

    Returns its metrics, with `gradients` those of its last batch, and its time spent
    waiting for the chunks against its whole time.
    """
    compiled = trainer._compiled
    states = compiled.init_metrics()
    pending: tuple[Chunk, jax.Array, MetricStates, int] | None = None
    last: tuple[Chunk, tuple[Any, ...]] | None = None
    started = epoch_start = time.perf_counter()
    waited, steps_done, compiling = 0.0, 0, 0.0
    # Results are read one chunk late, so the device is never idle while the host
    # reports progress or checks the loss.
    while True:
        asked = time.perf_counter()
        try:
            chunk, batches = next(pairs)
        except StopIteration:
            break
        # Time the loop stood still for its input: the measure of a slow feed (`ProgressBar.input_time`).
        waited += time.perf_counter() - asked
        steps = np.arange(trainer.step, trainer.step + len(chunk.index), dtype=np.int32)
        train = compiled.train_on_device if feed.on_device else compiled.train_fed
        padded = compiled.padded(chunk.weights)
        programs, dispatched = _programs(train), time.perf_counter()
        # The step's own outputs, not through the `params` setter (which copies foreign arrays).
        trainer._params, trainer.opt_state, states, losses = train(
            trainer._params, trainer.opt_state, states, *batches, steps, trainer._key, padded=padded
        )
        if _programs(train) != programs:  # this call compiled; running it is asynchronous, so not timed here
            compiling += time.perf_counter() - dispatched
        first_step = trainer.step
        trainer.step += len(chunk.index)
        steps_done += len(chunk.index)
        if pending is not None:
            started = _report(trainer, run, callbacks, *pending, started)
        pending = (chunk, losses, states, first_step)
        last = (chunk, batches) if gradients else None
    if pending is None:  # no batch at all (batches from Python that ran out): no metrics to read
        return EpochDone({}, None, 0, waited, time.perf_counter() - epoch_start, compiling)
    _report(trainer, run, callbacks, *pending, started)
    logs = compiled.results(jax.device_get(states))
    grads = None if last is None else _last_gradients(trainer, feed, *last)
    return EpochDone(logs, grads, steps_done, waited, time.perf_counter() - epoch_start, compiling)


def _programs(jitted: Any) -> int | None:
    """How many programs `jitted` holds compiled (`jax.jit`'s `_cache_size`); None where JAX does not say."""
    size = getattr(jitted, "_cache_size", None)
    return size() if callable(size) else None


def _last_gradients(trainer: Trainer[Any, Any], feed: Feed, chunk: Chunk, batches: tuple[Any, ...]) -> Params:
    """Host copies of the gradients on `chunk`'s last batch (the epoch's last), at the trainer's parameters."""
    compiled = trainer._compiled
    grads = compiled.last_gradients(
        trainer.params,
        batches,
        on_device=feed.on_device,
        step=trainer.step - 1,  # the last batch's step: its dropout key is that step's
        key=trainer._key,
        padded=compiled.padded(chunk.weights[-1:]),
    )
    host: Params = jax.device_get(grads) if trainer._placement is None else trainer._placement.gather(grads)
    return host


def _report(
    trainer: Trainer[Any, Any],
    run: Run,
    callbacks: list[Callback],
    chunk: Chunk,
    losses: jax.Array,
    states: MetricStates,
    first_step: int,
    started: float,
) -> float:
    losses_host, states_host = jax.device_get((losses, states))
    now = time.perf_counter()
    steps = Steps(
        epoch=run.epoch,
        first_step=first_step,
        batch=chunk.first_step + len(chunk.index),
        losses=np.asarray(losses_host),
        logs=trainer._compiled.results(states_host),
        seconds=now - started,
        examples=chunk.examples,
    )
    for callback in callbacks:
        callback.on_steps_end(run, steps)
    return now


def end_all(callbacks: list[Callback], run: Run) -> None:
    """Every callback's `on_train_end`, even after one raises (the live display must stop); then the first error."""
    failed: BaseException | None = None
    for callback in callbacks:
        try:
            callback.on_train_end(run)
        except BaseException as error:  # raised again below, once the others have ended
            failed = failed or error
    if failed is not None:
        raise failed
