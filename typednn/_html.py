"""Small HTML tables for Jupyter's `_repr_html_`: a model's summary, a dataset, a history.

Every text goes through `html.escape`: a layer's name, a class name or a metric's name
may come from a spec or a data file, and a notebook renders whatever HTML it is given.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

_STYLE = "border-collapse: collapse; font-family: monospace; font-size: 12px"
_CELL = "padding: 2px 8px; border-bottom: 1px solid #ddd"


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    caption: str = "",
    footer: Sequence[str] = (),
    right: Sequence[int] = (),
) -> str:
    """An HTML table of `rows` under `header`, with a caption and lines of text below.

    Args:
        header: The column titles.
        rows: The cells, shown as `str` shows them; escaped.
        caption: A title above the table.
        footer: Lines shown under the table (totals, notes).
        right: The columns aligned right (numbers).

    Example:
        >>> print(table(["a"], [["<b>"]]))
        <div><table style="border-collapse: collapse; font-family: monospace; font-size: 12px"><thead><tr><th style="padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left">a</th></tr></thead><tbody><tr><td style="padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left">&lt;b&gt;</td></tr></tbody></table></div>
    """  # noqa: E501 - the doctest's output is one line

    def cell(tag: str, column: int, value: object) -> str:
        align = "right" if column in right else "left"
        return f'<{tag} style="{_CELL}; text-align: {align}">{html.escape(str(value))}</{tag}>'

    head = "".join(cell("th", i, title) for i, title in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows)
    parts = ["<div>"]
    if caption:
        parts.append(f"<strong>{html.escape(caption)}</strong>")
    parts.append(f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    parts.extend(f'<div style="font-family: monospace; font-size: 12px">{html.escape(line)}</div>' for line in footer)
    parts.append("</div>")
    return "".join(parts)
