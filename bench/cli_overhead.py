"""CLI overhead: seconds per epoch of `typednn train` against `Trainer.fit` on the same model and data.

`typednn train` adds to each epoch what a run directory needs: a checkpoint, a row of
`metrics.csv` and a redraw of `training.png`. This times both ways on a tiny spec (the
iris MLP of `examples/iris.json`, its CSV repeated to `--rows` rows) so that the
per-epoch work is small and the overhead shows:

- ``cli``: `python -m typednn train SPEC --out DIR --quiet` in a subprocess;
- ``python``: `typednn.spec.trainer(...).fit(..., verbose=0)` in a subprocess, no callbacks.

Each is run for `--short` and for `--long` epochs; the difference of the two wall times
divided by the difference of the epochs is the seconds per epoch, free of the start-up
and compile time both pay once. The CLI's overhead per epoch is the difference of the
two figures.

Run alone with ``python bench/cli_overhead.py [--rows N] [--short E] [--long E] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import add_option, verdict

ROOT = Path(__file__).resolve().parent.parent

PYTHON_FIT = """
import sys
from typednn.spec import load_data, read, trainer
spec = read(sys.argv[1])
parts = load_data(spec)
fitted = trainer(spec, parts.schema)
fitted.fit(parts.train, epochs=spec.train.epochs, batch_size=spec.train.batch_size,
           validation=parts.validation, verbose=0)
"""


def write_spec(folder: Path, *, epochs: int, rows: int) -> Path:
    """The iris spec with `epochs`, on the iris CSV repeated to at least `rows` rows."""
    lines = (ROOT / "examples" / "data" / "iris.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    repeated = (body * (rows // len(body) + 1))[:rows]
    (folder / "iris.csv").write_text("\n".join([header, *repeated]) + "\n")
    spec = json.loads((ROOT / "examples" / "iris.json").read_text())
    spec["data"]["source"]["csv"]["path"] = "iris.csv"
    spec["train"]["epochs"] = epochs
    path = folder / f"iris_{epochs}.json"
    path.write_text(json.dumps(spec))
    return path


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def per_epoch(folder: Path, way: str, *, short: int, long: int, rows: int) -> float:
    """Seconds per epoch of `way` ("cli" or "python"), from the wall times of a short and a long run."""
    times = []
    for epochs in (short, long):
        spec = write_spec(folder, epochs=epochs, rows=rows)
        if way == "cli":
            out = folder / f"run_{epochs}"
            shutil.rmtree(out, ignore_errors=True)
            command = [sys.executable, "-m", "typednn", "train", str(spec), "--out", str(out), "--quiet"]
        else:
            command = [sys.executable, "-c", PYTHON_FIT, str(spec)]
        times.append(wall(command))
    return (times[1] - times[0]) / (long - short)


OVERHEAD_TARGET = 0.1
"""Seconds per epoch the CLI may add: below a tenth of a second, 50 small epochs take 5 s more."""


@dataclass(frozen=True)
class Overhead:
    """Seconds per epoch of each way, the medians of `repeats` measurements."""

    rows: int
    short: int
    long: int
    repeats: int
    cli: float
    python: float


def run(*, rows: int = 600, short: int = 5, long: int = 105, repeats: int = 1) -> Overhead:
    """Time `typednn train` and `Trainer.fit` on the iris MLP, short and long runs of each."""
    results: dict[str, list[float]] = {"cli": [], "python": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for way, figures in results.items():
                figures.append(per_epoch(Path(tmp), way, short=short, long=long, rows=rows))
    cli, python = (statistics.median(results[way]) for way in ("cli", "python"))
    return Overhead(rows, short, long, repeats, cli, python)


def targets(result: Overhead) -> list[str]:
    """The target line: the seconds the CLI adds to each epoch."""
    return [
        f"- CLI overhead per epoch (iris MLP, {result.rows} rows): typednn train - Trainer.fit, seconds ="
        f" {verdict(result.cli - result.python, OVERHEAD_TARGET)}"
    ]


def notes(result: Overhead) -> list[str]:
    """How the overhead was measured."""
    return [
        f"- CLI overhead: typednn train {result.cli:.3f} s/epoch, Trainer.fit {result.python:.3f} s/epoch, from"
        f" runs of {result.short} and {result.long} epochs (their difference divided by the extra epochs, so"
        f" start-up and compiling cancel out), median of {result.repeats}; each epoch of the CLI writes a"
        " checkpoint (in the background after the first), a row of metrics.csv and TensorBoard scalars and"
        " histograms, and redraws training.png at most every 5 s."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for keyword, text in (
        ("rows", "examples in the dataset"),
        ("short", "epochs of the short run"),
        ("long", "epochs of the long run"),
        ("repeats", "measurements of each way"),
    ):
        add_option(parser, run, keyword, text)
    args = parser.parse_args()
    result = run(rows=args.rows, short=args.short, long=args.long, repeats=args.repeats)
    print(f"{result.rows} examples, epochs {result.short} and {result.long}, median of {result.repeats}")
    print(f"typednn train : {result.cli:.3f} s/epoch")
    print(f"Trainer.fit   : {result.python:.3f} s/epoch")
    print("\n".join(targets(result)))


if __name__ == "__main__":
    main()
