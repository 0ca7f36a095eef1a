"""The first bad row of a CSV file the fast reader refused, found by re-reading it row by row.

pyarrow's errors give no row numbers; the standard library's `csv` module re-reads the
file and `_csv_plan.check_row` (the one statement of what a good row is) names the row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .._errors import TypednnError
from ._csv_plan import Plan, check_row
from ._csv_text import open_text, records


def diagnose(plans: Plan | Sequence[Plan], cause: str) -> TypednnError:
    """The error for the first bad row of the file, found by re-reading it row by row.

    Args:
        plans: How the file is read (several plans of one file: one per label column).
        cause: What the fast reader said, for the rare file it refuses that this scan
            finds nothing wrong with.
    """
    every = (plans,) if isinstance(plans, Plan) else tuple(plans)
    plan = every[0]
    with open_text(plan.path, plan.encoding) as text:
        rows = records(text, plan.path, plan.delimiter)
        if plan.header_lines:
            next(rows, None)
        for row, (line, fields) in enumerate(rows, start=1):
            problem = next(filter(None, (check_row(each, fields) for each in every)), None)
            if problem:
                return plan.error(line, row, problem)
    return TypednnError(
        f"{plan.path}: not readable as CSV: {_summary(cause)}",
        hint="values holding line breaks are not supported; check quoting",
    )


def _summary(cause: str) -> str:
    r"""The message of pyarrow, without the text it quotes from the file (a row, a value).

    Example:
        >>> _summary("CSV parse error: Expected 3 columns, got 2: 1,2")
        'CSV parse error: Expected 3 columns, got 2'
        >>> _summary("In CSV column #2: CSV conversion error to int64: invalid value '0\n'")
        'In CSV column #2: CSV conversion error to int64: invalid value'
    """
    # pyarrow quotes a value after a quote mark, and a whole row after "got N:".
    kept = re.split(r"['\"\n]", cause, maxsplit=1)[0]
    kept = re.sub(r"(got \d+): .*", r"\1", kept).rstrip(" :")
    return kept if len(kept) <= 120 else kept[:120] + "…"
