"""Time to first step: typednn `fit` against Keras 3 on JAX from a fresh process, and with a warm compilation cache.

Two models, each trained for one epoch in a fresh subprocess per reading:

- ``digits``: the demo, `examples/digits.yaml` (conv 32 - pool - dense 64 - dropout - 10 on
  the bundled 8x8 digits, batch 32, adam 3e-3), typednn through the spec's trainer
  (`typednn.spec.trainer`, as `typednn train` makes it), Keras with the same layers;
- ``cnn``: the benchmark CNN of `train_speed.py` (`FIT_CNN`, 1,024 random 28x28x1 images,
  batch 128, adam 1e-3), Keras's model from `train_speed.keras_cnn`.

The readings, taken in turns:

- ``typednn cold``: a new, empty compilation cache folder (`$TYPEDNN_CACHE`): everything compiles;
- ``typednn warm``: a second process on the folder the cold one filled: the programs are read back;
- ``keras``: Keras 3 on its JAX backend (`model.fit(x, y, epochs=1)`), which uses no
  persistent cache by default.

Each child reports seconds from the `fit` call to the first step's results (compile
included: typednn's first results come with its first dispatch of several steps, Keras's
after its first batch), to the end of the first epoch, and from the process's launch to
the first step (imports included, what a user waits for). Validation is left out.

Run alone with ``python bench/first_step.py [--rounds N] [--cnn-samples N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import add_option, markdown_table

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "digits.yaml"
CASES = ("digits", "cnn")
SIDES = ("typednn cold", "typednn warm", "keras")
WARM_TARGET = 2.0  # seconds from launch to the first step of a second run (the target)


# ---- the children: one fit epoch, timed from inside --------------------------------------


def _digits_arrays() -> tuple[Any, Any, Any]:
    """The demo's spec and its training split's features and class ids."""
    from typednn.spec import load_data, read  # noqa: PLC0415 - only in the child

    spec = read(DIGITS)
    train = load_data(spec).train
    return spec, train.features, train.targets


def typednn_child(case: str, cnn_samples: int) -> dict[str, float]:
    import optax  # noqa: PLC0415 - the child's imports are part of what it times
    import train_speed  # noqa: PLC0415

    import typednn as tn  # noqa: PLC0415
    from typednn.spec import load_data, read, trainer  # noqa: PLC0415

    marks: dict[str, float] = {}

    class Timer(tn.callbacks.Callback):
        def on_steps_end(self, run: Any, steps: Any) -> None:
            marks.setdefault("first_step", time.perf_counter())

        def on_epoch_end(self, run: Any, epoch: int, logs: dict[str, float]) -> None:
            marks.setdefault("first_epoch", time.perf_counter())

    if case == "digits":
        spec = read(DIGITS)
        parts = load_data(spec)
        fitted, data, batch = trainer(spec, parts.schema), parts.train, spec.train.batch_size
    else:
        x, y = train_speed.data(cnn_samples, (28, 28, 1), 0)
        data, batch = tn.data.from_arrays(x, y), 128
        model = train_speed.FIT_CNN.typed_model()
        fitted = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3), seed=0)
    start = time.perf_counter()
    fitted.fit(data, epochs=1, batch_size=batch, verbose=0, callbacks=[Timer()])
    return {"fit_start": start, **marks}


def keras_digits(keras: Any) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(10),
        ]
    )


def keras_child(case: str, cnn_samples: int) -> dict[str, float]:
    import train_speed  # noqa: PLC0415

    if case == "digits":
        _, x, y = _digits_arrays()
        build, batch, rate = keras_digits, 32, 3e-3
    else:
        x, y = train_speed.data(cnn_samples, (28, 28, 1), 0)
        build, batch, rate = train_speed.keras_cnn, 128, 1e-3
    keras = train_speed.import_keras()
    keras.utils.set_random_seed(0)
    marks: dict[str, float] = {}

    class Timer(keras.callbacks.Callback):  # type: ignore[misc]  # Keras is untyped
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            marks.setdefault("first_step", time.perf_counter())

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            marks.setdefault("first_epoch", time.perf_counter())

    model = build(keras)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss, metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True, callbacks=[Timer()])
    return {"fit_start": start, **marks}


# ---- the parent: fresh processes in turns ------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One child's figures, in seconds."""

    first_step: float  # from the fit call to the first step's results
    first_epoch: float  # from the fit call to the end of the first epoch
    launch_to_step: float  # from the process's launch to the first step's results


@dataclass(frozen=True)
class Start:
    """Every reading of one model, by side."""

    case: str
    readings: dict[str, list[Reading]]

    def median(self, side: str, field: str) -> float:
        return statistics.median(getattr(reading, field) for reading in self.readings[side])


def child(side: str, case: str, cache: Path, cnn_samples: int) -> Reading:
    """`side` fits `case` for one epoch in a fresh process; typednn with `cache` as its cache root."""
    env = {k: v for k, v in os.environ.items() if k not in ("TYPEDNN_COMPILATION_CACHE", "JAX_COMPILATION_CACHE_DIR")}
    env["TYPEDNN_CACHE"] = str(cache)
    # This checkout's typednn, whatever another install of it on the path says.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--child", side.split(maxsplit=1)[0], case, "--cnn-samples", str(cnn_samples)]
    # The clock of `time.perf_counter` is the system's monotonic clock on Linux: shared by the processes.
    launched = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    marks = json.loads(done.stdout.splitlines()[-1])
    start = marks["fit_start"]
    return Reading(marks["first_step"] - start, marks["first_epoch"] - start, marks["first_step"] - launched)


def run(*, rounds: int = 2, cnn_samples: int = 1_024) -> list[Start]:
    """`rounds` readings of each side on each model; each round's cold and warm typednn share a new cache."""
    starts = []
    for case in CASES:
        readings: dict[str, list[Reading]] = {side: [] for side in SIDES}
        for index in range(rounds):
            with tempfile.TemporaryDirectory(prefix="typednn-first-step-") as folder:
                order = ["keras", "typednn cold", "typednn warm"] if index % 2 else list(SIDES)
                for side in order:  # Keras before or after typednn, in turns; warm always after cold
                    readings[side].append(child(side, case, Path(folder), cnn_samples))
        starts.append(Start(case, readings))
    return starts


def table(starts: list[Start]) -> str:
    """Seconds to the first step and first epoch, medians of the rounds, and typednn / Keras."""
    rows = []
    for start in starts:
        keras_epoch = start.median("keras", "first_epoch")
        for side in SIDES:
            epoch = start.median(side, "first_epoch")
            rows.append(
                [
                    start.case,
                    side,
                    f"{start.median(side, 'first_step'):.2f}",
                    f"{epoch:.2f}",
                    f"{start.median(side, 'launch_to_step'):.2f}",
                    f"{epoch / keras_epoch:.2f}",
                ]
            )
    header = ["model", "run", "first step (s)", "first epoch (s)", "launch to first step (s)", "epoch / keras"]
    return markdown_table(header, "llrrrr", rows)


def targets(starts: list[Start]) -> list[str]:
    """The issue's targets: first epoch no slower than Keras's; a warm start under 2 s."""
    lines = []
    for start in starts:
        cold = start.median("typednn cold", "first_epoch") / start.median("keras", "first_epoch")
        warm = start.median("typednn warm", "first_step")
        launch = start.median("typednn warm", "launch_to_step")
        lines.append(
            f"- {start.case}: first epoch, typednn cold / keras = {cold:.2f} (target <= 1.0: {_met(cold <= 1)})"
        )
        lines.append(
            f"- {start.case}: second run, fit call to first step = {warm:.2f} s (target < 2 s: {_met(warm < 2)});"
            f" {launch:.2f} s from the process's launch"
        )
    return lines


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


def notes(starts: list[Start]) -> list[str]:
    rounds = len(starts[0].readings["keras"]) if starts else 0
    return [
        f"- Time to first step: medians of {rounds} rounds, each reading a fresh process; `typednn warm` reads the"
        " programs `typednn cold` wrote to a new cache folder in the same round. Launch to first step includes"
        " starting Python and importing JAX and the library (Keras's child imports typednn too, for the data)."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "CASE"), help=argparse.SUPPRESS)
    add_option(parser, run, "rounds", "readings per side and model")
    add_option(parser, run, "cnn_samples", "random images for the CNN")
    args = parser.parse_args()
    if args.child:
        side, case = args.child
        fit = typednn_child if side == "typednn" else keras_child
        print(json.dumps(fit(case, args.cnn_samples)))
        return
    starts = run(rounds=args.rounds, cnn_samples=args.cnn_samples)
    print(table(starts), end="\n\n")
    print("\n".join([*targets(starts), *notes(starts)]))


if __name__ == "__main__":
    main()
