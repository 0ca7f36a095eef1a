"""Metric logs: one CSV row or one JSON object per epoch, safe across resumes.

A log always describes the run that wrote it: a fresh run (`initial_epoch == 0`)
starts a new file; a resumed run keeps the file but first drops the rows of the
epochs it is about to redo, so no epoch appears twice. Each row is flushed and
fsynced when its epoch ends; a rewrite (that truncation, or a new CSV column) goes
to a temporary file that then replaces the log, so a crash never leaves half a log.

Epochs are numbered from 1, as the progress bar (`epoch 1/25`) and `training.png`
number them (Keras's CSVLogger numbers from 0). A log of an earlier typednn, which
numbered from 0, is recognised by its epoch 0 and renumbered when a run resumes it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import TypednnError
from .._files import write_atomic
from ._callback import Callback, Run


def _append_durably(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _complete_lines(path: Path) -> list[str]:
    """The lines of `path` that end in a newline (a line without one was cut by a crash)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return [line for line in lines if line.endswith("\n")]


def _number(value: Any) -> int | float:
    """A log value as a Python int or float whose repr is the shortest that round-trips.

    A float32 goes through numpy's own shortest repr, so 0.1 stays `0.1` rather than
    becoming `0.10000000149011612`.
    """
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(str(value))
    return float(value)


def _csv_cell(value: Any) -> str:
    # repr of a float round-trips and spells the non-finite values nan, inf and -inf.
    return repr(_number(value))


def _json_value(value: Any) -> int | float | str:
    number = _number(value)
    if isinstance(number, float) and not math.isfinite(number):
        # JSON has no NaN or Infinity. Strings keep which one it was, and float() in
        # Python (and Number() in JavaScript) reads them back.
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    return number


class CSVLogger(Callback):
    """Write one CSV row per epoch: `epoch` (from 1, as the progress bar counts), then the epoch's logs.

    Columns follow the order in which keys first appear. A key that first appears in
    a later epoch (say `val_loss` when validating every few epochs) adds a column at
    the end: the file is rewritten with the wider header and earlier rows leave that
    cell empty, as they do for a key missing from an epoch. Floats are written with
    the shortest text that reads back to the same value; NaN and infinities are
    written `nan`, `inf` and `-inf` (pandas and `float()` read them).

    Only the chief process writes.

    Args:
        path: The CSV file; missing parent folders are created.
        separator: The one-character field separator.

    Raises:
        TypednnError: If the separator is not one plain character, or a resumed
            run finds a file that is not such a log.

    Example:
        >>> import typednn as tn
        >>> logger = tn.callbacks.CSVLogger("runs/mnist/metrics.csv", separator=";")
        >>> history = trainer.fit(data, epochs=10, callbacks=[logger])  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], *, separator: str = ",") -> None:
        if len(separator) != 1 or separator in '"\r\n':
            raise TypednnError(
                f"CSVLogger separator must be one character other than a quote or a line break, got {separator!r}",
                hint='use "," (the default), ";" or "\\t"',
            )
        self.path = Path(path)
        self.separator = separator
        self._columns: list[str] = []

    def on_train_begin(self, run: Run) -> None:
        if not run.is_chief:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._columns, rows = self._read() if run.initial_epoch > 0 and self.path.exists() else ([], [])
        # Keyed by the number written, which is the epoch's index + 1.
        kept = {int(row[0]): row for row in rows if int(row[0]) <= run.initial_epoch}
        # A process killed between a checkpoint's commit and this epoch's row lost the
        # row; the checkpoint recorded the epoch's logs (`run.history`), so it is rewritten.
        first = run.initial_epoch - len(run.history)
        for epoch, logs in enumerate(run.history, start=first):
            if epoch + 1 not in kept:
                self._columns = [*(self._columns or ["epoch"]), *(k for k in logs if k not in self._columns)]
                kept[epoch + 1] = self._row(epoch, logs)
        # Rewritten even when no row is dropped: that also removes a row cut short by a crash.
        write_atomic(self.path, self._encode([kept[epoch] for epoch in sorted(kept)]))

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if not run.is_chief:
            return
        new = [key for key in logs if key not in self._columns and key != "epoch"]
        if self._columns and not new:
            _append_durably(self.path, self._encode([self._row(epoch, logs)], header=False))
            return
        # The first row, or a new column: the header is written (again) with the rows.
        _, rows = self._read()
        self._columns = [*(self._columns or ["epoch"]), *new]
        write_atomic(self.path, self._encode([*rows, self._row(epoch, logs)]))

    def _row(self, epoch: int, logs: Mapping[str, float]) -> list[str]:
        return [str(epoch + 1), *(_csv_cell(logs[key]) if key in logs else "" for key in self._columns[1:])]

    def _encode(self, rows: list[list[str]], *, header: bool = True) -> bytes:
        """The CSV text of the header (unless told not to) and rows padded to its width."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=self.separator, lineterminator="\n")
        if header and self._columns:
            writer.writerow(self._columns)
        width = len(self._columns)
        writer.writerows(row + [""] * (width - len(row)) for row in rows)
        return out.getvalue().encode()

    def _read(self) -> tuple[list[str], list[list[str]]]:
        """The header and rows of the existing log (its cells kept as written, epochs numbered from 1)."""
        lines = _complete_lines(self.path)
        if not lines:
            return [], []
        header, *rows = csv.reader(lines, delimiter=self.separator)
        if not header or header[0] != "epoch":
            raise TypednnError(
                f"{self.path}: line 1 should be a CSVLogger header starting with 'epoch', got {lines[0].rstrip()!r}",
                hint="give the logger a new path, or check that its separator is the one the file uses",
            )
        for number, row in enumerate(rows, start=2):
            if not row or not row[0].isdigit():
                raise TypednnError(
                    f"{self.path}: line {number} should start with an epoch number, got {lines[number - 1].rstrip()!r}",
                    hint="this file was not written by CSVLogger; give the logger a new path",
                )
        if rows and rows[0][0] == "0":  # written by an earlier typednn, which numbered epochs from 0
            rows = [[str(int(row[0]) + 1), *row[1:]] for row in rows]
        return header, rows


class JSONLLogger(Callback):
    """Write one JSON object per line and epoch: `{"epoch": 1, "loss": 0.31, ...}`.

    Keys are `epoch` (from 1, as the progress bar counts), then the epoch's logs in their order; an epoch may add keys
    that earlier lines lack. Floats are written with the shortest text that reads
    back to the same value. JSON has no NaN or infinity, so those are written as the
    strings `"NaN"`, `"Infinity"` and `"-Infinity"`, which keep the file valid JSON
    and which `float()` reads back.

    Only the chief process writes.

    Args:
        path: The JSONL file; missing parent folders are created.

    Raises:
        TypednnError: If a resumed run finds a file that is not such a log.

    Example:
        >>> import typednn as tn
        >>> logger = tn.callbacks.JSONLLogger("runs/mnist/metrics.jsonl")
        >>> history = trainer.fit(data, epochs=10, callbacks=[logger])  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def on_train_begin(self, run: Run) -> None:
        if not run.is_chief:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = _complete_lines(self.path) if run.initial_epoch > 0 and self.path.exists() else []
        # Keyed by the number written, which is the epoch's index + 1.
        kept = {self._epoch(line, number): line for number, line in enumerate(lines, start=1)}
        if 0 in kept:  # written by an earlier typednn, which numbered epochs from 0
            kept = {epoch + 1: _renumbered(line, epoch + 1) for epoch, line in kept.items()}
        kept = {epoch: line for epoch, line in kept.items() if epoch <= run.initial_epoch}
        for epoch, logs in enumerate(run.history, start=run.initial_epoch - len(run.history)):
            kept.setdefault(epoch + 1, self._line(epoch, logs))  # lost to a kill after its checkpoint
        write_atomic(self.path, "".join(kept[epoch] for epoch in sorted(kept)).encode())

    def on_epoch_end(self, run: Run, epoch: int, logs: dict[str, float]) -> None:
        if not run.is_chief:
            return
        _append_durably(self.path, self._line(epoch, logs).encode())

    @staticmethod
    def _line(epoch: int, logs: Mapping[str, float]) -> str:
        record = {"epoch": epoch + 1, **{key: _json_value(value) for key, value in logs.items() if key != "epoch"}}
        return json.dumps(record, allow_nan=False) + "\n"

    def _epoch(self, line: str, number: int) -> int:
        try:
            epoch = json.loads(line)["epoch"]
        except (ValueError, TypeError, KeyError):
            epoch = None
        if not isinstance(epoch, int):
            raise TypednnError(
                f"{self.path}: line {number} should be a JSON object with an integer 'epoch', got {line.rstrip()!r}",
                hint="this file was not written by JSONLLogger; give the logger a new path",
            )
        return epoch


def _renumbered(line: str, epoch: int) -> str:
    """A JSONL line with its `epoch` set to `epoch`, the other keys kept in their order."""
    record = json.loads(line)
    record["epoch"] = epoch
    return json.dumps(record, allow_nan=False) + "\n"
