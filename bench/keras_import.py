"""Keras import: `tn.import_keras` of ResNet-50 against `keras.saving.load_model` of the same file.

`keras.applications.ResNet50(weights=None)` (224x224x3, 1000 classes, 25,636,712
parameters, ~100 MB) is saved once as a `.keras` archive in a temporary folder. Each
measurement is a fresh process (`python -c ...`), so every reader starts cold: no cache
of parsed configs, no compiled kernels, no warm allocator; the file itself is in the page
cache (it was just written, and each round reads it). The process imports its library
first (not timed) and then times one call, until the weights are on the device:

- ``typednn``: `tn.import_keras(path)`: the model and its parameters, ready to predict
  (`jax.block_until_ready` on the parameters);
- ``typednn + save``: the same, then `tn.save` of a typednn export (spec.json and
  safetensors) into the temporary folder;
- ``keras``: `keras.saving.load_model(path)` on the JAX backend (`KERAS_BACKEND=jax`),
  every weight blocked on, as above.

The contenders take turns, in rotating order, for `--rounds` rounds; each figure is the
median of its rounds, and the ratio typednn / keras is the ratio of the medians.

Run alone with ``python bench/keras_import.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from _common import add_option, markdown_table, rotated, verdict

TARGET = 1.0
"""typednn's import time / Keras's `load_model` time, at most (issue 18)."""

MAKE = """
import sys
import keras
model = keras.applications.ResNet50(weights=None)
model.save(sys.argv[1])
print(model.count_params())
"""

TYPEDNN = """
import sys, time
import jax
import typednn as tn
start = time.perf_counter()
model, params = tn.import_keras(sys.argv[1])
jax.block_until_ready(params)
ready = time.perf_counter() - start
if sys.argv[2] != "-":
    tn.save(model, params, sys.argv[2])
print(ready, time.perf_counter() - start)
"""

KERAS = """
import sys, time
import jax
import keras
start = time.perf_counter()
model = keras.saving.load_model(sys.argv[1])
jax.block_until_ready([weight.value for weight in model.weights])
print(time.perf_counter() - start)
"""

CONTENDERS = ("typednn", "typednn + save", "keras")


@dataclass(frozen=True)
class Imports:
    """Seconds of each contender in each round, and what was read."""

    parameters: int
    file_bytes: int
    seconds: dict[str, list[float]]

    def median(self, contender: str) -> float:
        return statistics.median(self.seconds[contender])

    def ratio(self, contender: str) -> float:
        return self.median(contender) / self.median("keras")


def _python(code: str, *args: str) -> str:
    """Run `code` in a fresh interpreter (Keras on its JAX backend) and return its last line of output."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark process failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def run(*, rounds: int = 5) -> Imports:
    """Save ResNet-50 with Keras, then time each reader of it in fresh processes, in turns."""
    seconds: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.keras"
        parameters = int(_python(MAKE, str(path)))
        for index in range(rounds):
            for name in rotated(CONTENDERS, index):
                if name == "keras":
                    seconds[name].append(float(_python(KERAS, str(path))))
                else:
                    out = str(Path(tmp) / f"export{index}") if name == "typednn + save" else "-"
                    ready, total = (float(value) for value in _python(TYPEDNN, str(path), out).split())
                    seconds[name].append(total if name == "typednn + save" else ready)
        return Imports(parameters, path.stat().st_size, seconds)


def table(result: Imports) -> str:
    """One row per contender: median, range, ratio to Keras."""
    rows = [
        [
            name,
            f"{result.median(name):.2f}",
            f"{min(result.seconds[name]):.2f}-{max(result.seconds[name]):.2f}",
            "" if name == "keras" else f"{result.ratio(name):.3f}",
        ]
        for name in CONTENDERS
    ]
    return markdown_table(["reader", "seconds (median)", "range", "/ keras"], "lrrr", rows)


def targets(result: Imports) -> list[str]:
    return [
        f"- Keras import of ResNet-50: typednn / keras load_model = {verdict(result.ratio('typednn'), TARGET)}",
        f"- Keras import of ResNet-50 and saving the export: typednn / keras load_model = "
        f"{result.ratio('typednn + save'):.3f} (no target)",
    ]


def notes(result: Imports) -> list[str]:
    return [
        f"- Keras import: ResNet-50 (weights=None) of {result.parameters:,} parameters, a "
        f"{result.file_bytes / 1e6:.0f} MB .keras file; each reading in a fresh process (imports not timed), "
        f"{len(result.seconds['keras'])} rounds in rotating order, medians; seconds "
        + json.dumps({name: [round(value, 2) for value in values] for name, values in result.seconds.items()})
        + "."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "rounds", "readings per contender")
    args = parser.parse_args()
    result = run(rounds=args.rounds)
    print(table(result))
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
