"""Python source text as `ruff format` writes it: calls split one item per line, fresh names, literals."""

from __future__ import annotations

import builtins
import dataclasses
import itertools
import keyword
import re
import typing
from dataclasses import dataclass

LINE_LENGTH = 120
"""The longest line written (the project's ruff setting); a longer call gets one argument per line."""
INDENT = "    "
# Variables named after long layer names are cut, so `a = b >> c` (each maybe with `_12`) fits.
_MAX_VARIABLE = 30


@dataclass(frozen=True)
class Call:
    """A statement that ends in a bracketed list, which may be split one item per line."""

    head: str
    items: tuple[str, ...] | None = None  # None: no brackets
    brackets: str = "()"

    def flat(self) -> str:
        if self.items is None:
            return self.head
        return f"{self.head}{self.brackets[0]}{', '.join(self.items)}{self.brackets[1]}"

    def lines(self, indent: str, comment: str | None = None) -> list[str]:
        """As `ruff format` writes it: one line, then the comment above it, then one item per line."""
        flat = indent + self.flat()
        if comment is not None and len(flat) + 2 + len(comment) <= LINE_LENGTH:
            return [f"{flat}  {comment}"]
        above = [] if comment is None else [indent + comment]
        if len(flat) <= LINE_LENGTH or not self.items:
            return [*above, flat]
        # The trailing comma keeps ruff from joining the lines again (its "magic trailing comma").
        inner = [fitted(f"{indent}{INDENT}{item},") for item in self.items]
        return [*above, f"{indent}{self.head}{self.brackets[0]}", *inner, indent + self.brackets[1]]

    def assigned(self, target: str) -> Call:
        return dataclasses.replace(self, head=f"{target} = {self.head}")


class Names:
    """Python names, each used once: valid, not a keyword or builtin, lowercase for variables."""

    def __init__(self, *taken: str) -> None:
        self.taken = set(taken)

    def variable(self, wanted: str, suffix: str = "") -> str:
        """`wanted` as a variable.

        >>> names = Names("x")
        >>> [names.variable(n) for n in ["Dense", "dense", "class", "x", "3x3"]] + [names.variable("a b", "_layer")]
        ['dense', 'dense_out', 'class_out', 'x_out', 't_3x3', 'a_b_layer']
        """
        base = re.sub(r"[^0-9a-z_]+", "_", wanted.lower()).strip("_")[: _MAX_VARIABLE - len(suffix)] or "t"
        base = f"t_{base}" if base[0].isdigit() else base
        first = [base + suffix] if suffix else [base, f"{base}_out"]
        return self._first(itertools.chain(first, (f"{base}{suffix}_{n}" for n in itertools.count(2))))

    def constant(self, wanted: str) -> str:
        return self._first(itertools.chain([wanted], (f"{wanted}{n}" for n in itertools.count(2))))

    def _first(self, candidates: typing.Iterable[str]) -> str:
        for name in candidates:
            if name not in self.taken and not keyword.iskeyword(name) and not hasattr(builtins, name):
                self.taken.add(name)
                return name
        raise AssertionError("unreachable: the candidates never end")


def string(text: str) -> str:
    """A string literal in double quotes, as ruff format writes it."""
    spelled = repr(text)
    if spelled.startswith("'") and '"' not in text:
        spelled = '"' + spelled[1:-1].replace("\\'", "'") + '"'
    return spelled


def docstring_text(value: str | None) -> str:
    """Text that can stand in a docstring: no backslashes, double quotes or control characters."""
    text = (value or "").replace("\\", "/").replace('"', "'")
    return "".join(c if c.isprintable() else "?" for c in text)


def fitted(line: str) -> str:
    """The line, with a noqa where ruff would find it too long (a long name in quotes).

    ruff's E501 spares a line of one word, which no split can shorten; so must this.
    """
    return f"{line}  # noqa: E501" if len(line) > LINE_LENGTH and len(line.split()) > 1 else line


def member_order(name: str) -> tuple[int, str, str]:
    """The order of imported names in ruff's isort: constants, then classes, then the rest."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name
