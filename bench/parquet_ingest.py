"""Reading a Parquet file into float32 features and int32 labels: `tn.data.parquet` against plain pyarrow.

The file (`rows` rows of 20 float32 columns and an int64 label, Snappy-compressed, row
groups of 128Ki rows) is written once into the temp folder. The peer is what a user
writes without typednn: ``pyarrow.dataset.dataset(path).to_table()``, then each column
copied into one float32 array and the label cast to int32. typednn's side,
``tn.data.parquet(path, label="label")``, does the same work and checks it besides
(no nulls, every value finite, class ids in range). After a warm-up call each (the file
is then in the page cache), the two take turns for `rounds` rounds in rotating order;
the figures are medians, and the ratio is typednn's median / pyarrow's median (target
<= 1.2).

Run alone with ``python bench/parquet_ingest.py [--rounds N] [--rows N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from _common import add_option, markdown_table, rotated, timed, verdict

import typednn as tn

PYARROW_TARGET = 1.2
COLUMNS = 20
Arrays = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]


def bench_file(rows: int, *, seed: int = 0) -> Path:
    """The benchmark's Parquet file, written once (atomically) into the temp folder."""
    folder = Path(tempfile.gettempdir()) / "typednn-bench"
    path = folder / f"numeric-{rows}x{COLUMNS}-seed{seed}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    columns = {f"x{i}": pa.array(rng.standard_normal(rows, dtype=np.float32)) for i in range(COLUMNS)}
    columns["label"] = pa.array(rng.integers(0, 10, rows))
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    pq.write_table(pa.table(columns), partial, row_group_size=128 * 1024)
    partial.replace(path)
    return path


def read_typednn(path: Path) -> Arrays:
    data = tn.data.parquet(path, label="label")
    return data.features, data.targets


def read_pyarrow(path: Path) -> Arrays:
    table = ds.dataset(path, format="parquet").to_table()
    features = np.empty((table.num_rows, COLUMNS), np.float32)
    for column in range(COLUMNS):
        features[:, column] = table.column(column).to_numpy()
    return features, table.column("label").to_numpy().astype(np.int32)


@dataclass
class Ingest:
    """The seconds of each contender's timed calls on one file, and whether their arrays agree."""

    rows: int
    megabytes: float
    seconds: dict[str, list[float]] = field(default_factory=dict)
    equal: bool = True

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def ratio(self) -> float:
        """typednn's median / pyarrow's median."""
        return self.median("typednn") / self.median("pyarrow")


def run(*, rounds: int = 5, rows: int = 2_000_000) -> Ingest:
    """Time both readers on the file of `rows` rows: a warm-up call each, then `rounds` rotating rounds."""
    path = bench_file(rows)
    contenders: dict[str, Callable[[], Arrays]] = {
        "typednn": lambda: read_typednn(path),
        "pyarrow": lambda: read_pyarrow(path),
    }
    result = Ingest(rows, path.stat().st_size / 1e6, {name: [] for name in contenders})
    ours, theirs = contenders["typednn"](), contenders["pyarrow"]()  # the warm-up, and a check
    result.equal = bool(np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1]))
    del ours, theirs
    for round_ in range(rounds):
        for name in rotated(list(contenders), round_):
            result.seconds[name].append(timed(contenders[name])[0])
    return result


def table(result: Ingest) -> str:
    """A Markdown table: median and best seconds, rows/s, file MB/s, and typednn / pyarrow."""
    rows = []
    for name, seconds in result.seconds.items():
        median = statistics.median(seconds)
        rows.append(
            [
                name,
                f"{median:.3f}",
                f"{min(seconds):.3f}",
                f"{result.rows / median / 1e6:.2f}",
                f"{result.megabytes / median:.0f}",
                f"{result.ratio():.3f}" if name == "pyarrow" else "",
            ]
        )
    header = ["contender", "median (s)", "best (s)", "M rows/s", "file MB/s", "typednn / pyarrow (median)"]
    return markdown_table(header, "lrrrrr", rows)


def targets(result: Ingest) -> list[str]:
    return [
        f"- Parquet ingest ({result.rows:,} rows): typednn / pyarrow.dataset = "
        f"{verdict(result.ratio(), PYARROW_TARGET)}"
    ]


def notes(result: Ingest) -> list[str]:
    same = "equal" if result.equal else "NOT equal"
    return [
        f"- Parquet ingest: a {result.megabytes:.0f} MB Snappy file of {result.rows:,} rows ({COLUMNS} float32"
        f" columns and an int64 label); {len(result.seconds['typednn'])} timed rounds; typednn's arrays and"
        f" pyarrow's are {same}. typednn also checks for nulls, non-finite values and class ids out of range.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "rounds", "timed rounds per contender")
    add_option(parser, run, "rows", "rows in the Parquet file")
    args = parser.parse_args()
    result = run(rounds=args.rounds, rows=args.rows)
    print(table(result), end="\n\n")
    print("\n".join([*targets(result), *notes(result)]))


if __name__ == "__main__":
    main()
