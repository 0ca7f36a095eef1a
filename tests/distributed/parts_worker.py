"""One process of a 2-process job on 127.0.0.1 in which each process fits its own part of the data.

Run as `python parts_worker.py PORT PROCESS_ID OUT`: process PROCESS_ID of 2 joins the job
at 127.0.0.1:PORT, and writes what it saw to OUT/PROCESS_ID.json (and, process 0, the final
parameters to OUT/params.npz). `test_parts.py` launches two and checks their reports.

Each example's first feature is its source row (over 100), so a process can tell which
source rows its feed reads.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import optax

import typednn as tn
from typednn import TypednnError, nn
from typednn.train import _parts

TRAIN, VALIDATION, BATCH = 101, 37, 8


def dataset(rows: int, seed: int) -> tn.data.Dataset[Any, Any]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5)).astype(np.float32)
    x[:, 0] = np.arange(rows) / 100  # the source row, read back by the feed's recorder
    return tn.data.from_arrays(x, np.arange(rows) % 3, classes=3)


def model() -> tn.Model[Any, Any]:
    x = tn.Input(5)
    # BatchNorm: a padded batch compiles another program, which every process must agree on.
    y = x >> nn.Dense(16) >> nn.BatchNorm() >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(3)
    return tn.Model(x, y)


def trainer() -> tn.Trainer[Any, Any]:
    return tn.Trainer(
        model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"], seed=3
    )


def source_rows(features: Any) -> list[int]:
    return [int(r) for r in np.rint(np.asarray(features)[..., 0] * 100).ravel()]


class Recorder:
    """What the feed reads (`Dataset.take`) and which examples each epoch's chunks hold as real."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.taken: set[int] = set()
        self.epochs: list[list[int]] = []

    def watch(self, part: tn.data.Dataset[Any, Any]) -> None:
        take = part.take

        def recorded(index: Any) -> tuple[Any, Any]:
            x, y = take(index)
            self.taken.update(source_rows(x))
            return x, y

        part.take = recorded  # type: ignore[method-assign]  # an instance's own, to spy on its reads

    def chunks(self, original: Any, start: int) -> Any:
        epochs = self.epochs

        def recorded(parts: _parts.Parts, order: Any, **options: Any) -> Iterator[Any]:
            block = options["columns"][parts.index]
            real: list[int] = []
            if len(order) == self.rows:  # a training epoch, not a validation pass
                epochs.append(real)
            for chunk in original(parts, order, **options):
                mine = chunk.index[:, block][chunk.weights[:, block] > 0]
                real.extend(start + int(i) for i in mine)
                yield chunk

        return recorded


class Examples(tn.callbacks.Callback):
    """The examples the progress reports count in each epoch."""

    def __init__(self) -> None:
        self.per_epoch: list[int] = []
        self.steps = 0

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        self.per_epoch.append(0)
        self.steps = run.steps_per_epoch

    def on_steps_end(self, run: Any, steps: Any) -> None:
        self.per_epoch[-1] += steps.examples


def same(a: Any, b: Any) -> bool:
    return all(np.array_equal(a[layer][name], b[layer][name]) for layer in a for name in a[layer])


def refused(call: Any) -> str:
    try:
        call()
    except TypednnError as error:
        return str(error)
    return "not refused"


def main() -> None:
    port, me, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    tn.distributed.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=me)
    count = tn.distributed.process_count()
    train, validation = dataset(TRAIN, 0).shard(me, count), dataset(VALIDATION, 1).shard(me, count)
    assert train.part is not None and train.part.start is not None
    report: dict[str, Any] = {"rows": len(train), "start": train.part.start}

    recorder = Recorder(len(train))
    recorder.watch(train)
    _parts.Parts.chunks = recorder.chunks(_parts.Parts.chunks, train.part.start)  # type: ignore[method-assign]
    examples = Examples()
    fitted = trainer()
    history = fitted.fit(train, epochs=3, batch_size=BATCH, validation=validation, callbacks=[examples], verbose=0)
    report |= {
        "taken": sorted(recorder.taken),
        "epochs": recorder.epochs[:3],  # the training epochs' (validation streams come between)
        "examples": examples.per_epoch,
        "steps": examples.steps,
        "history": history.epochs,
        "evaluate": fitted.evaluate(validation, batch_size=16),
    }
    params = fitted.host_params()

    # Two epochs at once, or one and then one more: the same batches, bit for bit.
    once, twice = trainer(), trainer()
    once.fit(train, epochs=2, batch_size=BATCH, verbose=0)
    twice.fit(train, epochs=1, batch_size=BATCH, verbose=0)
    twice.fit(train, epochs=1, batch_size=BATCH, verbose=0)
    # Stopped after an epoch and resumed from its checkpoint, in a new trainer.
    stopped, resumed = trainer(), trainer()
    stopped.fit(train, epochs=1, batch_size=BATCH, verbose=0, callbacks=[tn.callbacks.Checkpoint(out / "run")])
    resumed.fit(
        train, epochs=2, batch_size=BATCH, verbose=0, callbacks=[tn.callbacks.Checkpoint(out / "run")], resume=True
    )
    a, b, c = once.host_params(), twice.host_params(), resumed.host_params()
    report["continued_identical"] = same(a, b)
    report["resumed_identical"] = same(a, c)

    whole = dataset(TRAIN, 0)
    report["wrong_index"] = refused(lambda: trainer().fit(whole.shard(0, count), epochs=1, verbose=0))
    report["wrong_count"] = refused(lambda: trainer().fit(whole.shard(0, 1), epochs=1, verbose=0))
    mixed = train if me == 0 else whole
    report["mixed"] = refused(lambda: trainer().fit(mixed, epochs=1, verbose=0))
    report["evaluate_wrong"] = refused(lambda: fitted.evaluate(whole.shard(1 - me, count)))

    (out / f"{me}.json").write_text(json.dumps(report))
    if me == 0:
        arrays: dict[str, Any] = {f"{layer}/{name}": params[layer][name] for layer in params for name in params[layer]}
        np.savez(out / "params.npz", **arrays)


if __name__ == "__main__":
    main()
