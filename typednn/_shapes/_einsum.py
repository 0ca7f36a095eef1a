"""The shape rule of `jnp.einsum`, read from its subscripts string.

Kept apart from `_jnp` because it parses a small language of its own: comma-separated
input terms of one-letter labels, at most one `...` per term, and an optional `->`
output term. A label names one size wherever it appears; as in jax, a size of 1 is
broadcast against the label's other sizes, and the `...` axes of the operands broadcast
together like numpy's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._dims import UNKNOWN, Shape, Size, Unknown, listed
from ._errors import ShapeError
from ._jnp import broadcast, broadcast_size

ELLIPSIS = "..."


@dataclass(frozen=True)
class _Term:
    """One term of the subscripts: the labels before and after its `...` (if it has one)."""

    before: str
    after: str
    ellipsis: bool

    @property
    def labels(self) -> str:
        return self.before + self.after


def einsum(subscripts: str, operands: Sequence[Shape], *, name: str = "jnp.einsum") -> Shape:
    """`jnp.einsum(subscripts, *operands)`: the output term's labels, with their sizes.

    Without `->` the output is the `...` axes, then the labels used exactly once, sorted.

    Example:
        >>> einsum("bqd,bkd->bqk", [Shape.of(2, 5, 8), Shape.of(2, 7, 8)])
        (2, 5, 7)
        >>> einsum("ij,jk", [Shape.of(3, 4), Shape.of(4, 6)])
        (3, 6)
    """
    described = f"{name}({subscripts!r})"
    spec = subscripts.replace(" ", "")
    if ("-" in spec or ">" in spec) and (spec.count("-") > 1 or spec.count(">") > 1 or spec.count("->") != 1):
        raise ShapeError(described, "at most one '->'", repr(subscripts), hint="write inputs->output")
    inputs, arrow, output = spec.partition("->")
    terms = [_term(described, text) for text in inputs.split(",")]
    out_term = _term(described, output) if arrow else None
    if len(terms) != len(operands):
        raise ShapeError(
            described,
            f"{len(terms)} operand{'s' if len(terms) != 1 else ''}, one per input term",
            f"{len(operands)} operand{'s' if len(operands) != 1 else ''}",
            hint="give one comma-separated term per array",
        )
    used = "".join(term.labels for term in terms)
    if out_term is not None:
        _check_output(described, out_term, used)
    if not all(label.isalpha() and label.isascii() for label in used + (out_term.labels if out_term else "")):
        return Shape.anything()  # jax accepts more than letters; such labels are not checked
    sizes: dict[str, Size] = {}
    unsure: set[str] = set()
    ellipses = [
        _bind(described, index, term, shape, sizes, unsure, operands)
        for index, (term, shape) in enumerate(zip(terms, operands))
    ]
    leading = _broadcast_ellipses(described, ellipses, operands)
    if unsure:
        return Shape.anything()
    if out_term is None:
        counts = Counter(used)
        out_term = _Term("", "".join(sorted(label for label, n in counts.items() if n == 1)), ellipsis=True)
    before = tuple(sizes[label] for label in out_term.before)
    after = tuple(sizes[label] for label in out_term.after)
    if not out_term.ellipsis:
        return Shape(before + after)
    if leading.open:
        return Shape(leading.dims + after, open=True) if not before else Shape(after, open=True)
    return Shape(before + leading.dims + after)


def _term(described: str, text: str) -> _Term:
    before, found, after = text.partition(ELLIPSIS)
    if "." in before or "." in after:
        raise ShapeError(
            described, "at most one '...' in each term", repr(text), hint="write '...' for the leading axes, once"
        )
    return _Term(before, after, ellipsis=bool(found))


def _check_output(described: str, out_term: _Term, used: str) -> None:
    seen: set[str] = set()
    for label in out_term.labels:
        if label in seen:
            raise ShapeError(
                described,
                "each output label once",
                f"{label!r} twice",
                hint="an output axis cannot repeat a label; use jnp.diagonal for a diagonal",
            )
        if label not in used:
            raise ShapeError(
                described,
                "output labels that appear in the inputs",
                f"{label!r} in the output only",
                hint="every output label must name an axis of some operand",
            )
        seen.add(label)


def _bind(
    described: str,
    index: int,
    term: _Term,
    shape: Shape,
    sizes: dict[str, Size],
    unsure: set[str],
    operands: Sequence[Shape],
) -> Shape:
    """Record the sizes the term's labels take on this operand; return the operand's `...` axes.

    A label repeated in one term (a diagonal) with sizes 1 and n goes into `unsure`: jax
    broadcasts it in some contractions and fails inside others.
    """
    dims: tuple[Size, ...] | None
    rest = Shape(())
    cut = len(shape.dims) - len(term.after)
    if not term.ellipsis:
        dims = shape.ranked(len(term.labels))
    elif shape.open:
        # Its known axes are the last ones: the labels after `...` take them first; which
        # of any others belong to `...` rather than to the labels before it is unknown.
        dims = (UNKNOWN,) * len(term.before) + (UNKNOWN,) * max(-cut, 0) + shape.dims[max(cut, 0) :]
        rest = Shape.anything()
    elif cut >= len(term.before):
        dims = shape.dims[: len(term.before)] + shape.dims[cut:]
        rest = Shape(shape.dims[len(term.before) : cut])
    else:
        dims = None
    if dims is None:
        raise ShapeError(
            described,
            f"operand {index} to have {'at least ' if term.ellipsis else ''}{len(term.labels)} "
            f"ax{'is' if len(term.labels) == 1 else 'es'}, one per label of {_spelled(term)!r}",
            listed(operands),
            hint="each label of a term names one axis of its operand; '...' stands for any leading axes",
        )
    for label, size in zip(term.labels, dims):
        merged = broadcast_size(sizes.get(label, 1), size)
        if merged is not None and term.labels.count(label) > 1 and len(set(_on(term, label, dims))) > 1:
            unsure.add(label)
        if merged is None:
            raise ShapeError(
                described,
                f"one size for label {label!r} (or 1)",
                listed(operands),
                hint=f"{label!r} is {sizes[label]!r} on an earlier axis and {size!r} on operand {index}",
            )
        sizes[label] = merged
    return rest


def _broadcast_ellipses(described: str, ellipses: list[Shape], operands: Sequence[Shape]) -> Shape:
    """The `...` axes of all operands, broadcast together (trailing axes aligned)."""
    try:
        return broadcast(described, *ellipses)
    except ShapeError as error:
        raise ShapeError(
            described,
            "'...' axes that broadcast together",
            listed(operands),
            hint=f"each operand's '...' axes must be equal or 1, trailing axes aligned; {error.hint}",
        ) from error


def _on(term: _Term, label: str, dims: tuple[Size, ...]) -> list[Size]:
    return [size for other, size in zip(term.labels, dims) if other == label and not isinstance(size, Unknown)]


def _spelled(term: _Term) -> str:
    return term.before + (ELLIPSIS if term.ellipsis else "") + term.after
