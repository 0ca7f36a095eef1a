"""CSV ingest: `tn.data.csv` against pyarrow's and pandas's readers, and streaming into the cache.

One numeric CSV file (by default 1,000,000 rows of 16 float32 columns and an integer label,
about 176 MB; generated once with a fixed seed and kept in the temp folder) is read into
NumPy by each contender, in one process:

- ``typednn``: `tn.data.csv(path)`, a `Dataset` of float32 features `(rows, 16)` and int32
  class ids, with every check typednn makes (finite numbers, no empty cell, ids in range);
- ``pyarrow``: `pyarrow.csv.read_csv(path)` (types inferred), then the feature columns
  copied into one float32 `(rows, 16)` array and the labels cast to int32;
- ``pandas``: `pandas.read_csv(path)` (its C engine), then `.to_numpy(np.float32)` and
  `.to_numpy(np.int32)`;
- ``typednn stream``: `tn.data.csv(path, cache=folder)` into an empty folder: the file
  converted block by block into memory-mapped `.npy` files (written, flushed, fsynced);
- ``typednn cached``: the same call again, which maps the cached files.

After a warm-up call each (the file is then in the page cache for all of them), the
contenders take turns for `rounds` rounds in rotating order; each figure is the best call.

Run alone with ``python bench/csv_ingest.py [--rounds N] [--rows N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from _common import add_option, markdown_table, rotated, timed, verdict

import typednn as tn

PYARROW_TARGET = 1.5
COLUMNS = 16
Arrays = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def bench_file(rows: int, *, seed: int = 0) -> Path:
    """The benchmark's CSV file, written once (atomically) into the temp folder."""
    folder = Path(tempfile.gettempdir()) / "typednn-bench"
    path = folder / f"numeric-{rows}x{COLUMNS}-seed{seed}.csv"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    columns = {f"x{i}": pa.array(rng.standard_normal(rows, dtype=np.float32)) for i in range(COLUMNS)}
    columns["label"] = pa.array(rng.integers(0, 10, rows))
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    pacsv.write_csv(pa.table(columns), partial, write_options=pacsv.WriteOptions(quoting_style="none"))
    partial.replace(path)
    return path


def read_typednn(path: Path) -> Arrays:
    data = tn.data.csv(path)
    return data.features, data.targets


def read_pyarrow(path: Path) -> Arrays:
    table = pacsv.read_csv(path)
    features = np.empty((table.num_rows, COLUMNS), np.float32)
    for column in range(COLUMNS):  # the fastest of the obvious ways (column_stack, to_tensor) here
        features[:, column] = table.column(column).to_numpy()
    return features, table.column(COLUMNS).to_numpy().astype(np.int32)


def read_pandas(path: Path) -> Arrays:
    frame = pd.read_csv(path)
    return frame.iloc[:, :COLUMNS].to_numpy(np.float32), frame.iloc[:, COLUMNS].to_numpy(np.int32)


def stream(path: Path, folder: Path) -> Arrays:
    shutil.rmtree(folder, ignore_errors=True)
    data = tn.data.csv(path, cache=folder)
    return data.features, data.targets


def reload(path: Path, folder: Path) -> Arrays:
    data = tn.data.csv(path, cache=folder)
    return data.features, data.targets


@dataclass
class Ingest:
    """The best seconds of each contender on one file, and how their arrays compare."""

    rows: int
    megabytes: float
    seconds: dict[str, list[float]] = field(default_factory=dict)
    differing_values: int = 0
    max_difference: float = 0.0
    labels_equal: bool = True

    def best(self, name: str) -> float:
        return min(self.seconds[name])

    def ratio(self, against: str) -> float:
        """typednn's best / that contender's best."""
        return self.best("typednn") / self.best(against)


def run(*, rounds: int = 3, rows: int = 1_000_000) -> Ingest:
    """Time every contender on the file of `rows` rows: a warm-up call, then `rounds` rotating rounds."""
    path = bench_file(rows)
    with tempfile.TemporaryDirectory(prefix="typednn-bench-cache-") as temporary:
        folder = Path(temporary) / "cache"
        contenders: dict[str, Callable[[], Arrays]] = {
            "typednn": lambda: read_typednn(path),
            "pyarrow": lambda: read_pyarrow(path),
            "pandas": lambda: read_pandas(path),
            "typednn stream": lambda: stream(path, folder),
            "typednn cached": lambda: reload(path, folder),
        }
        result = Ingest(rows, path.stat().st_size / 1e6, {name: [] for name in contenders})
        ours, theirs = contenders["typednn"](), contenders["pyarrow"]()
        difference = np.abs(ours[0] - theirs[0])
        result.differing_values = int(np.count_nonzero(difference))
        result.max_difference = float(difference.max())
        result.labels_equal = bool(np.array_equal(ours[1], theirs[1]))
        del ours, theirs, difference
        for read in contenders.values():  # warm-up
            read()
        for round_ in range(rounds):
            # The cached reload needs an entry: keep it after the stream's turn.
            for name in rotated([n for n in contenders if n != "typednn cached"], round_):
                result.seconds[name].append(timed(contenders[name])[0])
            result.seconds["typednn cached"].append(timed(contenders["typednn cached"])[0])
    return result


def table(result: Ingest) -> str:
    """A Markdown table: best and median seconds, rows/s, MB/s and typednn's ratio to each."""
    rows = []
    for name, seconds in result.seconds.items():
        best = min(seconds)
        ratio = f"{result.ratio(name):.3f}" if name in ("pyarrow", "pandas") else ""
        rows.append(
            [
                name,
                f"{best:.3f}",
                f"{sorted(seconds)[len(seconds) // 2]:.3f}",
                f"{result.rows / best / 1e6:.2f}",
                f"{result.megabytes / best:.0f}",
                ratio,
            ]
        )
    header = ["contender", "best (s)", "median (s)", "M rows/s", "MB/s", "typednn / contender (best)"]
    return markdown_table(header, "lrrrrr", rows)


def targets(result: Ingest) -> list[str]:
    return [
        f"- CSV ingest ({result.rows:,} rows): typednn / pyarrow = {verdict(result.ratio('pyarrow'), PYARROW_TARGET)}",
        f"- CSV ingest ({result.rows:,} rows): typednn / pandas = {result.ratio('pandas'):.3f} (no target)",
    ]


def notes(result: Ingest) -> list[str]:
    same = "equal" if result.labels_equal else "NOT equal"
    written = result.rows * (COLUMNS + 1) * 4 / 1e6
    return [
        f"- CSV ingest: a {result.megabytes:.0f} MB file of {result.rows:,} rows ({COLUMNS} float32 columns and a"
        f" label); {len(result.seconds['typednn'])} timed rounds. typednn's features differ from pyarrow's"
        f" (float64 parse, then cast) in {result.differing_values} values, by at most {result.max_difference:.1e}"
        f" (typednn parses straight to float32); labels {same}. Streaming writes {written:.0f} MB of .npy"
        " files and fsyncs them.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "rounds", "timed rounds per contender")
    add_option(parser, run, "rows", "rows in the CSV file")
    args = parser.parse_args()
    result = run(rounds=args.rounds, rows=args.rows)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
