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
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=600, help="examples in the dataset (default 600)")
    parser.add_argument("--short", type=int, default=5, help="epochs of the short run (default 5)")
    parser.add_argument("--long", type=int, default=55, help="epochs of the long run (default 55)")
    parser.add_argument("--repeats", type=int, default=1, help="measure each way this many times (default 1)")
    args = parser.parse_args()
    results: dict[str, list[float]] = {"cli": [], "python": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for way, figures in results.items():
                figures.append(per_epoch(Path(tmp), way, short=args.short, long=args.long, rows=args.rows))
    cli, python = (statistics.median(results[way]) for way in ("cli", "python"))
    print(f"{args.rows} examples, epochs {args.short} and {args.long}, median of {args.repeats}")
    print(f"typednn train : {cli:.3f} s/epoch")
    print(f"Trainer.fit   : {python:.3f} s/epoch")
    print(f"CLI overhead  : {cli - python:+.3f} s/epoch")


if __name__ == "__main__":
    main()
