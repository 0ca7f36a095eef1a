"""A long run: one `fit` of many epochs of the benchmark CNN, typednn against Keras 3 on JAX.

`train_speed.py` times single-epoch `fit` calls in turns. A real run is one `fit` of many
epochs, and there typednn's convolutions on CPU run one step per dispatch in the first
epoch (the fastest compile) and eight unrolled steps per dispatch in the later ones when
the fit's work pays for compiling them (`typednn/train/_widening.py`). This times that:
the same CNN (`train_speed.FIT_CNN`, 1,024 random 28x28x1 images, batch 128, adam 1e-3)
in one `fit(epochs=N)` each, compile included, and each epoch apart by a callback. No
compilation cache (`run.py` turns it off), so the typednn run compiles all it uses.

Run alone with ``python bench/long_fit.py [--epochs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

import optax
from _common import add_option, markdown_table
from train_speed import FIT_CNN, data, import_keras, keras_cnn

import typednn as tn

BATCH = 128


@dataclass(frozen=True)
class Fit:
    """One contender's run: its whole `fit` and each epoch's seconds."""

    total_s: float
    epochs_s: list[float]

    @property
    def later_s(self) -> float:
        """The median epoch of the run's second half."""
        return statistics.median(self.epochs_s[len(self.epochs_s) // 2 :])


@dataclass(frozen=True)
class LongFit:
    epochs: int
    samples: int
    fits: dict[str, Fit]
    chunking: str  # typednn's steps per dispatch, epoch by epoch, run-length coded

    def ratio(self, what: str) -> float:
        ours, keras = self.fits["typednn"], self.fits["keras"]
        return ours.total_s / keras.total_s if what == "total" else ours.later_s / keras.later_s


class _Typednn(tn.callbacks.Callback):
    def __init__(self) -> None:
        self.times, self.started = list[float](), 0.0

    def on_epoch_begin(self, run: Any, epoch: int) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, run: Any, epoch: int, logs: Any) -> None:
        self.times.append(time.perf_counter() - self.started)


def typednn_fit(x: Any, y: Any, epochs: int) -> tuple[Fit, list[int]]:
    """The fit's times, and its steps per dispatch epoch by epoch (as `fit` chooses them)."""
    trainer = tn.Trainer(FIT_CNN.typed_model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    data = tn.data.from_arrays(x, y)
    timer = _Typednn()
    started = time.perf_counter()
    trainer.fit(data, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[timer])
    fit = Fit(time.perf_counter() - started, timer.times)
    widening = trainer._compiled.widening
    steps = len(x) // BATCH
    chunks = [
        1
        if widening is None
        else widening.steps_per_chunk(
            epoch, epochs=epochs, steps_per_epoch=steps, params=trainer.params, features=data.features, batch_size=BATCH
        )
        for epoch in range(epochs)
    ]
    return fit, chunks


def keras_fit(x: Any, y: Any, epochs: int) -> Fit:
    keras = import_keras()
    keras.utils.set_random_seed(0)
    times: list[float] = []

    class Timer(keras.callbacks.Callback):  # type: ignore[misc, name-defined]
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            times.append(time.perf_counter() - self.started)

    model = keras_cnn(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    started = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, shuffle=True, callbacks=[Timer()])
    return Fit(time.perf_counter() - started, times)


def run(*, epochs: int = 80, samples: int = 1_024) -> LongFit:
    """One `fit(epochs=epochs)` each, typednn first."""
    x, y = data(samples, (28, 28, 1), 0)
    ours, chunks = typednn_fit(x, y, epochs)
    keras = keras_fit(x, y, epochs)
    coded = " ".join(f"{n} x{count}" for n, count in _runs(chunks))
    return LongFit(epochs, samples, {"typednn": ours, "keras": keras}, coded)


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Run-length coding: `[1, 1, 8] -> [(1, 2), (8, 1)]`."""
    out: list[tuple[int, int]] = []
    for value in values:
        if out and out[-1][0] == value:
            out[-1] = (value, out[-1][1] + 1)
        else:
            out.append((value, 1))
    return out


def table(result: LongFit) -> str:
    rows = [
        [
            name,
            f"{fit.total_s:.2f}",
            f"{fit.epochs_s[0]:.2f}",
            f"{fit.later_s:.3f}",
            "" if name == "typednn" else f"{result.ratio('total'):.3f}",
            "" if name == "typednn" else f"{result.ratio('later'):.3f}",
        ]
        for name, fit in result.fits.items()
    ]
    header = [
        "contender",
        "fit (s)",
        "first epoch (s)",
        "later epoch (s, median)",
        "typednn / keras, fit",
        "typednn / keras, later epoch",
    ]
    return markdown_table(header, "lrrrrr", rows)


def targets(result: LongFit) -> list[str]:
    return [
        f"- {FIT_CNN.name}, one {result.epochs}-epoch fit: typednn / keras = {result.ratio('total'):.3f} (no target);"
        f" later epochs {result.ratio('later'):.3f}"
    ]


def notes(result: LongFit) -> list[str]:
    return [
        f"- {FIT_CNN.name}, the {result.epochs}-epoch fit: typednn's steps per dispatch, epoch by epoch:"
        f" {result.chunking}."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "epochs", "epochs of the one fit")
    add_option(parser, run, "samples", "CNN examples")
    args = parser.parse_args()
    result = run(epochs=args.epochs, samples=args.samples)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
