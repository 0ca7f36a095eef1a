"""The share of a ResNet-18 `fit` epoch spent waiting for input, from an image folder and from arrays.

`zoo.resnet18()` (CIFAR shapes: 32x32x3 in, 10 classes; 11,173,962 parameters) trains with
`tn.Trainer(..., steps_per_dispatch=1)`, adam(1e-3) and softmax cross-entropy on `examples`
images (`examples / batch_size` steps an epoch). One step per dispatch: on XLA:CPU the
convolution steps are unrolled, not looped, so longer chunks compile for minutes; and it is
the harshest case for the input, which must then be ready at every step. Each case runs
one warm-up epoch (compiling; not counted), then `epochs` timed epochs:

- ``arrays``: random float32 arrays in memory, `tn.data.from_arrays` (copied to the device
  once; each step sends only indices);
- ``image folder``: `tn.data.images(folder, size=[32, 32], channels=3)` on a folder of
  32x32 JPEGs in 10 class folders; the decoding happens before `fit` (its seconds are
  shown apart), then the pixels are fed as the arrays are;
- ``image folder, host feed``: the same dataset with `device_data_limit=0`, as a dataset
  too large for the device is fed: a host thread gathers each step's batch and copies it
  to the device while the previous step computes;
- ``image folder, decoded per batch``: `fit` on a Python generator that decodes each
  batch's JPEGs with Pillow (a seeded shuffle per epoch), which `fit` draws on a host
  thread a few steps ahead (Keras's `fit(generator)`).

The wait is what `fit` measures itself: the time its loop stood still for the next batch,
against the epoch's time (what the epoch's progress line reports when over 10%), read by a
silent `ProgressBar` whose `input_time` keeps the figures. Target: under 5% of the epoch.

Random augmentation is not among the cases: typednn's augmentation layers (`nn.RandomFlip`,
`nn.RandomCrop`, ...) run inside the compiled step, so they lengthen the step, not the wait
for input; `image_folder.py` times them against Pillow. A case more would also take this
benchmark past its 3 minutes on 2 cores.

Run alone with ``python bench/input_wait.py [--examples N] [--batch-size N] [--epochs N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optax
from _common import add_option, markdown_table, verdict
from image_folder import CLASSES, bench_folder, listing
from PIL import Image

import typednn as tn

WAIT_TARGET = 0.05
SIDE = 32
Array = np.ndarray[Any, Any]


class InputTimes(tn.callbacks.ProgressBar):
    """A progress bar that prints nothing and keeps each epoch's input wait and time, as `fit` reports them."""

    def __init__(self) -> None:
        super().__init__(verbose=0)
        self.epochs: list[tuple[float, float]] = []  # (seconds waited for input, seconds in all)

    def input_time(self, waited: float, seconds: float) -> None:
        super().input_time(waited, seconds)
        self.epochs.append((waited, seconds))


@dataclass
class Case:
    """One way of feeding the same training: its timed epochs (warm-up left out) and what came before."""

    name: str
    load_seconds: float | None  # decoding the folder before fit, when the case does
    warmup_seconds: float = 0.0
    waits: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    last_loss: float = float("nan")

    @property
    def share(self) -> float:
        """The share of the timed epochs spent waiting for input."""
        return sum(self.waits) / sum(self.seconds)


@dataclass
class Waits:
    examples: int
    batch_size: int
    cases: list[Case] = field(default_factory=list)


def decode(file: Path) -> Array:
    """One JPEG as float32 (32, 32, 3) in 0..1, as `tn.data.images` gives it."""
    with Image.open(file) as opened:
        image = opened.convert("RGB")
    return np.asarray(image, dtype=np.float32) / 255.0


def decoded_batches(folder: Path, batch_size: int, *, seed: int = 0) -> Iterator[tuple[Array, Array]]:
    """Batches decoded from the folder's JPEGs as they are asked for, in a seeded shuffle per epoch; no end."""
    files = listing(folder)
    labels = np.array([label for _, label in files], np.int32)
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(files))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            chosen = order[start : start + batch_size]
            yield np.stack([decode(files[index][0]) for index in chosen]), labels[chosen]


def train(case: Case, data: Any, epochs: int, batch_size: int, steps: int, device_data_limit: int | None) -> Case:
    """Fit a fresh ResNet-18 on `data` for a warm-up epoch and `epochs` more, keeping each epoch's input wait."""
    trainer = tn.Trainer(
        tn.zoo.resnet18(classes=CLASSES, input_shape=(SIDE, SIDE, 3)),
        loss=tn.losses.softmax_cross_entropy,
        optimizer=optax.adam(1e-3),
        seed=0,
        steps_per_dispatch=1,
        device_data_limit=device_data_limit,
    )
    times = InputTimes()
    if isinstance(data, tn.data.Dataset):
        history = trainer.fit(data, epochs=1 + epochs, batch_size=batch_size, callbacks=[times], verbose=0)
    else:
        history = trainer.fit(data, epochs=1 + epochs, steps_per_epoch=steps, callbacks=[times], verbose=0)
    case.warmup_seconds = times.epochs[0][1]
    case.waits = [waited for waited, _ in times.epochs[1:]]
    case.seconds = [seconds for _, seconds in times.epochs[1:]]
    case.last_loss = history.epochs[-1]["loss"]
    return case


def run(*, examples: int = 160, batch_size: int = 8, epochs: int = 1) -> Waits:
    """Each case in turn: a warm-up epoch, then `epochs` timed ones (`examples` must divide by `batch_size`)."""
    if examples % batch_size:
        raise SystemExit(f"--examples {examples} must be a multiple of --batch-size {batch_size}")
    steps = examples // batch_size
    folder = bench_folder(examples, side=SIDE)
    rng = np.random.default_rng(0)
    arrays = tn.data.from_arrays(
        rng.random((examples, SIDE, SIDE, 3), dtype=np.float32), rng.integers(0, CLASSES, examples, dtype=np.int32)
    )
    started = time.perf_counter()
    images = tn.data.images(folder, size=[SIDE, SIDE], channels=3)
    loaded = time.perf_counter() - started
    plans: list[tuple[Case, Callable[[], Any], int | None]] = [
        (Case("arrays", None), lambda: arrays, None),
        (Case("image folder", loaded), lambda: images, None),
        (Case("image folder, host feed", loaded), lambda: images, 0),
        (Case("image folder, decoded per batch", None), lambda: decoded_batches(folder, batch_size), None),
    ]
    result = Waits(examples, batch_size)
    for case, data, limit in plans:
        result.cases.append(train(case, data(), epochs, batch_size, steps, limit))
    return result


def table(result: Waits) -> str:
    """A Markdown table: per case, the decoding before fit, the warm-up and timed epochs, and the input wait."""
    rows = [
        [
            case.name,
            "" if case.load_seconds is None else f"{case.load_seconds:.2f}",
            f"{case.warmup_seconds:.2f}",
            f"{statistics.median(case.seconds):.2f}",
            f"{sum(case.waits) / len(case.waits):.3f}",
            f"{case.share:.1%}",
            f"{case.last_loss:.4f}",
        ]
        for case in result.cases
    ]
    header = [
        "input",
        "decoded before fit (s)",
        "warm-up epoch (s)",
        "epoch (s, median)",
        "input wait (s / epoch)",
        "input wait share",
        "last loss",
    ]
    return markdown_table(header, "lrrrrrr", rows)


def targets(result: Waits) -> list[str]:
    return [
        f"- ResNet-18 fit ({case.name}): input wait / epoch = {verdict(case.share, WAIT_TARGET)}"
        for case in result.cases
    ]


def notes(result: Waits) -> list[str]:
    timed = len(result.cases[0].seconds)
    return [
        f"- Input wait: zoo.resnet18() on {result.examples} examples of 32x32x3, batch {result.batch_size}"
        f" ({result.examples // result.batch_size} steps an epoch, one per dispatch); {timed} timed epoch(s)"
        " after a warm-up epoch per case; the wait is fit's own measure (the loop standing still for its next"
        " batch). Augmentation layers run in the step, not the feed: timed in the image-folder benchmark.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "examples", "training examples (a multiple of the batch size)")
    add_option(parser, run, "batch_size", "examples per step")
    add_option(parser, run, "epochs", "timed epochs per case, after the warm-up epoch")
    args = parser.parse_args()
    result = run(examples=args.examples, batch_size=args.batch_size, epochs=args.epochs)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
