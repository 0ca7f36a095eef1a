"""What the benchmark scripts share besides the models: timing, turn order, verdicts, tables, options.

Standard library only, so that `mypy_time.py` stays free of JAX (it times mypy in subprocesses).
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """Wall seconds of one call, and what it returned (the caller makes the call wait for its work).

    >>> seconds, value = timed(lambda: 6 * 7)
    >>> value, seconds >= 0
    (42, True)
    """
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def rotated(names: Sequence[T], index: int) -> list[T]:
    """`names` in the order for turn `index`: rotated by it, so that none always goes first.

    >>> rotated(["a", "b", "c"], 4)
    ['b', 'c', 'a']
    """
    shift = index % len(names)
    return [*names[shift:], *names[:shift]]


def verdict(value: float, target: float) -> str:
    """A ratio against its upper bound: `met` or `NOT met`, with the figure and the target.

    >>> verdict(0.8, 0.9), verdict(1.25, 1.05)
    ('0.800 <= 0.9 met', '1.250 > 1.05 NOT met')
    """
    return f"{value:.3f} <= {target} met" if value <= target else f"{value:.3f} > {target} NOT met"


def markdown_table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table of already formatted cells.

    Args:
        header: The column titles.
        align: One letter per column: ``l`` for text, ``r`` (right-aligned) for figures.
        rows: The cells of each row, as strings.

    Returns:
        The table's lines, joined by newlines (no trailing newline).

    >>> print(markdown_table(["what", "s"], "lr", [["a", "1.00"], ["b", ""]]))
    | what | s |
    | --- | ---: |
    | a | 1.00 |
    | b |  |
    """
    rule = [{"l": "---", "r": "---:"}[letter] for letter in align]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, rule, *rows])


def add_option(
    parser: argparse.ArgumentParser, run: Callable[..., Any], keyword: str, help: str, *, prefix: str = ""
) -> None:
    """Add the option ``--{prefix}{keyword}`` (dashes for underscores) for a keyword argument of `run`.

    Its type and default are those of `run`'s own default, so each default lives in one place
    whichever script offers the option.

    >>> def run(*, round_seconds: float = 0.3) -> None: ...
    >>> parser = argparse.ArgumentParser()
    >>> add_option(parser, run, "round_seconds", "time per round", prefix="step-")
    >>> parser.parse_args([]), parser.parse_args(["--step-round-seconds", "2"])
    (Namespace(step_round_seconds=0.3), Namespace(step_round_seconds=2.0))
    """
    default = inspect.signature(run).parameters[keyword].default
    parser.add_argument(
        f"--{prefix}{keyword}".replace("_", "-"),
        type=type(default),
        default=default,
        help=f"{help} (default {default})",
    )
