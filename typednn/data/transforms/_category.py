"""Categorical column transforms: a vocabulary lookup (as an index, one-hot or multi-hot), and hashing.

The vocabulary is fitted on the training rows: the most frequent categories first,
ties in sorted order, at most `max_tokens` of them. Indices `0 .. oov-1` are the
out-of-vocabulary buckets (as Keras's StringLookup numbers them), and the vocabulary
follows: a category not seen in training (or cut by `max_tokens`) goes to bucket
`crc32(category) % oov`; with `oov=0` it is an error. A vocabulary given up front
(`one_hot(vocabulary=["fixed", "normal", "reversible"])`, as Keras's StringLookup takes
one) is kept as given: `fit` learns nothing, and the width is known before any data is
read (the mypy plugin types the features from it).
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..._errors import TypednnError
from ..._shapes._columns import HASHING_ONE_HOT, OOV
from .._show import quoted
from ._base import Array, Transform, Where, categories, stable_hash

MAX_VOCABULARY = 1_000_000
"""The most categories a vocabulary (or hashing's bins) may hold: one-hot rows of more would not fit in memory."""


@dataclass(frozen=True)
class _Vocabulary(Transform):
    """A lookup: the category's index; `OneHot` and `MultiHot` encode that index."""

    categorical = True
    max_tokens: int | None = None
    oov: int = OOV
    vocabulary: tuple[str, ...] | None = None
    given: bool = field(default=False, kw_only=True, repr=False)
    """Whether the vocabulary was given up front: `fit` keeps it."""

    def __post_init__(self) -> None:
        if self.max_tokens is not None and not (_count(self.max_tokens) and 1 <= self.max_tokens <= MAX_VOCABULARY):
            raise TypednnError(
                f"{self.kind}(max_tokens={self.max_tokens!r}):"
                f" give a whole number from 1 to {MAX_VOCABULARY:,}, or None"
            )
        if not (_count(self.oov) and 0 <= self.oov <= MAX_VOCABULARY):
            raise TypednnError(
                f"{self.kind}(oov={self.oov!r}): give the number of out-of-vocabulary buckets, a whole number >= 0",
                hint="oov=1 (the default) sends every unknown category to index 0",
            )

    @property
    def fitted(self) -> bool:
        return self.vocabulary is not None

    def tokens(self, values: Array, where: Where) -> list[list[str]]:
        """Each row's categories (one; several for multi-hot)."""
        return [[value] for value in categories(values, where, self.kind)]

    def fit(self, values: Array, where: Where) -> Any:
        if self.given:
            self.tokens(values, where)  # the column is still checked: text or whole numbers
            return self
        counts = collections.Counter(token for row in self.tokens(values, where) for token in set(row))
        ranked = sorted(counts, key=lambda token: (-counts[token], token))
        if self.max_tokens is None and len(ranked) > MAX_VOCABULARY:
            raise TypednnError(
                f"{where(0)}: {self.kind}() finds {len(ranked):,} categories, more than {MAX_VOCABULARY:,}",
                hint="keep the most frequent with max_tokens=..., or use hashing(bins)",
            )
        return replace(self, vocabulary=tuple(ranked[: self.max_tokens]))

    def indices(self, values: Array, where: Where) -> list[list[int]]:
        """Each row's category indices: `oov + position` in the vocabulary, or an out-of-vocabulary bucket."""
        if self.vocabulary is None:
            raise self.unfitted()
        position = {token: index + self.oov for index, token in enumerate(self.vocabulary)}
        rows = self.tokens(values, where)
        found: list[list[int]] = []
        for number, row in enumerate(rows):
            indices = []
            for token in row:
                index = position.get(token)
                if index is None:
                    if not self.oov:
                        raise TypednnError(
                            f"{where(number)}: {quoted(token)} is not in the vocabulary of {self.kind}(), and oov=0",
                            hint="give oov=1 to send unknown categories to an out-of-vocabulary index",
                        )
                    index = stable_hash(token) % self.oov
                indices.append(index)
            found.append(indices)
        return found

    def apply(self, values: Array, where: Where) -> Array:
        return np.asarray([row[0] for row in self.indices(values, where)], np.float64).reshape(-1, 1)

    def state(self) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, "oov": self.oov, "vocabulary": list(self.vocabulary or ())}


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Lookup(_Vocabulary):
    """A category's index, `oov + rank` (rank 0: the most frequent training category)."""

    kind = "lookup"


@dataclass(frozen=True)
class OneHot(_Vocabulary):
    """A category as a one-hot row of `oov + len(vocabulary)` values."""

    kind = "one_hot"

    def apply(self, values: Array, where: Where) -> Array:
        found = self.indices(values, where)
        result = np.zeros((len(found), self.output_width(1)), np.float64)
        result[np.arange(len(found)), [row[0] for row in found]] = 1.0
        return result


@dataclass(frozen=True)
class MultiHot(_Vocabulary):
    """Several categories in one cell (`"a|b"`, split at `separator`) as a row of 0/1, one per index."""

    kind = "multi_hot"
    separator: str = "|"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.separator, str) or not self.separator:
            raise TypednnError(f"multi_hot(separator={self.separator!r}): give a non-empty string, e.g. '|'")

    def tokens(self, values: Array, where: Where) -> list[list[str]]:
        return [
            [token for token in value.split(self.separator) if token] for value in categories(values, where, self.kind)
        ]

    def apply(self, values: Array, where: Where) -> Array:
        found = self.indices(values, where)
        result = np.zeros((len(found), self.output_width(1)), np.float64)
        for row, indices in enumerate(found):
            result[row, indices] = 1.0
        return result

    def state(self) -> dict[str, Any]:
        return {**super().state(), "separator": self.separator}


@dataclass(frozen=True)
class Hashing(Transform):
    """A category's bin, `crc32(utf-8 bytes) % bins` (nothing to fit); one-hot with `one_hot=True`."""

    kind = "hashing"
    categorical = True
    bins: int = 1
    one_hot: bool = HASHING_ONE_HOT

    def __post_init__(self) -> None:
        if not (_count(self.bins) and 1 <= self.bins <= MAX_VOCABULARY):
            raise TypednnError(f"hashing(bins={self.bins!r}): give a whole number from 1 to {MAX_VOCABULARY:,}")
        if not isinstance(self.one_hot, bool):
            raise TypednnError(f"hashing(one_hot={self.one_hot!r}): give True or False")

    def apply(self, values: Array, where: Where) -> Array:
        bins = np.asarray([stable_hash(token) % self.bins for token in categories(values, where, self.kind)], np.int64)
        if not self.one_hot:
            return bins.astype(np.float64).reshape(-1, 1)
        result = np.zeros((len(bins), self.bins), np.float64)
        result[np.arange(len(bins)), bins] = 1.0
        return result

    def state(self) -> dict[str, Any]:
        return {"bins": self.bins, "one_hot": self.one_hot}


def lookup(*, max_tokens: int | None = None, oov: int = OOV, vocabulary: Sequence[str | int] | None = None) -> Lookup:
    """A category (text or whole number) as its index: `oov` buckets, then the vocabulary by frequency.

    `vocabulary`: the categories, in index order, instead of fitting them (kept by `fit`).
    """
    found, given = _given(vocabulary, max_tokens, "lookup")
    return Lookup(max_tokens, oov, found, given=given)


def one_hot(*, max_tokens: int | None = None, oov: int = OOV, vocabulary: Sequence[str | int] | None = None) -> OneHot:
    """A category as a one-hot row of `oov + vocabulary` values.

    `vocabulary`: the categories, in index order, instead of fitting them (kept by `fit`).

    Example:
        >>> one_hot(vocabulary=["fixed", "normal", "reversible"]).output_width(1)
        4
    """
    found, given = _given(vocabulary, max_tokens, "one_hot")
    return OneHot(max_tokens, oov, found, given=given)


def multi_hot(
    *,
    max_tokens: int | None = None,
    oov: int = OOV,
    separator: str = "|",
    vocabulary: Sequence[str | int] | None = None,
) -> MultiHot:
    """A cell of several categories (`"a|b"`) as a multi-hot row of `oov + vocabulary` values.

    `vocabulary`: the categories, in index order, instead of fitting them (kept by `fit`).
    """
    found, given = _given(vocabulary, max_tokens, "multi_hot")
    return MultiHot(max_tokens, oov, found, separator, given=given)


def _given(
    vocabulary: Sequence[str | int] | None, max_tokens: int | None, kind: str
) -> tuple[tuple[str, ...] | None, bool]:
    """A vocabulary given up front, checked, as the transform holds it (whole numbers as their digits)."""
    if vocabulary is None:
        return None, False
    if isinstance(vocabulary, str) or not isinstance(vocabulary, Sequence):
        raise TypednnError(
            f"{kind}(vocabulary={vocabulary!r}): give a list of categories",
            hint=f'e.g. {kind}(vocabulary=["fixed", "normal", "reversible"])',
        )
    bad = next((token for token in vocabulary if not isinstance(token, str) and not _count(token)), None)
    if bad is not None:
        raise TypednnError(f"{kind}(vocabulary=...): a category is text or a whole number, not {quoted(bad)}")
    tokens = tuple(str(token) for token in vocabulary)
    if not tokens or len(tokens) > (max_tokens or MAX_VOCABULARY):
        raise TypednnError(
            f"{kind}(vocabulary=...) lists {len(tokens):,} categories: give 1 to {max_tokens or MAX_VOCABULARY:,}",
            hint="max_tokens caps a fitted vocabulary; a given one need not set it",
        )
    if len(set(tokens)) != len(tokens):
        twice = next(token for token, count in collections.Counter(tokens).items() if count > 1)
        raise TypednnError(f"{kind}(vocabulary=...) lists {quoted(twice)} twice", hint="list each category once")
    return tokens, True


def hashing(bins: int, *, one_hot: bool = HASHING_ONE_HOT) -> Hashing:
    """A category as `crc32(its UTF-8 bytes) % bins` (stable across processes), or that bin one-hot."""
    return Hashing(bins, one_hot)
