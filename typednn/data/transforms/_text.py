"""Text to token ids: a raw text column as a fixed-length row of integer ids (Keras's TextVectorization).

Each cell is standardized (lower-cased, ASCII punctuation stripped), split into words
(or characters), and each word mapped to its id: 0 is padding, `1 .. oov` the
out-of-vocabulary buckets (a word unseen in training goes to `1 + crc32(word) % oov`),
then the vocabulary fitted on the training rows from id `oov + 1`. The row is cut to
its first `length` words, or padded with 0 after them.

The vocabulary is ranked by `lookup()`'s own fit (`_category.py`: most frequent first,
ties sorted, at most `max_tokens`, `MAX_VOCABULARY` at most), given the training rows'
words one per entry, so a word counts as often as it occurs (term frequency, as Keras
counts), not once per row.

Token ids reach the model as int32 (an `nn.Embedding` input, `tn.Tokens`), so a
`Columns` of text columns makes int32 features; numbers and text do not mix in one
`Columns` (a model with both takes two inputs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from ..._errors import TypednnError
from ..._shapes._columns import OOV
from .._show import quoted
from ._base import Array, Transform, Where, stable_hash
from ._category import MAX_VOCABULARY, Lookup

MAX_LENGTH = 100_000
"""The most token ids a row may hold."""

StandardizeMode = Literal["lower_and_strip_punctuation", "lower"] | None
SplitMode = Literal["whitespace", "character"]
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", None)
_SPLIT = ("whitespace", "character")
_PUNCTUATION = re.compile(r"[!\"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~']")
"""Keras's DEFAULT_STRIP_REGEX: the ASCII punctuation that "lower_and_strip_punctuation" removes."""


@dataclass(frozen=True)
class Tokenize(Transform):
    """A text cell as `length` token ids: 0 padding, `1..oov` unknown words, then the vocabulary."""

    kind = "tokens"
    categorical = True  # it reads a raw column, so it comes first (and, making ids, alone)
    length: int
    max_tokens: int | None = None
    oov: int = OOV
    standardize: StandardizeMode = "lower_and_strip_punctuation"
    split: SplitMode = "whitespace"
    vocabulary: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (_whole(self.length) and 1 <= self.length <= MAX_LENGTH):
            raise TypednnError(
                f"tokens(length={self.length!r}): give the ids a row holds, a whole number from 1 to {MAX_LENGTH:,}",
                hint="longer texts are cut to their first `length` words, shorter ones padded with 0",
            )
        if self.max_tokens is not None and not (_whole(self.max_tokens) and 1 <= self.max_tokens <= MAX_VOCABULARY):
            raise TypednnError(
                f"tokens(max_tokens={self.max_tokens!r}): give a whole number from 1 to {MAX_VOCABULARY:,}, or None"
            )
        if not (_whole(self.oov) and 1 <= self.oov <= MAX_VOCABULARY):
            raise TypednnError(
                f"tokens(oov={self.oov!r}): give the number of out-of-vocabulary ids, a whole number >= 1",
                hint="a word unseen in training needs an id; oov=1 (the default) gives every such word id 1",
            )
        if self.standardize not in _STANDARDIZE:
            raise TypednnError(
                f"tokens(standardize={self.standardize!r}): give 'lower_and_strip_punctuation', 'lower' or None"
            )
        if self.split not in _SPLIT:
            raise TypednnError(f"tokens(split={self.split!r}): give 'whitespace' or 'character'")

    @property
    def fitted(self) -> bool:
        return self.vocabulary is not None

    @property
    def vocab_size(self) -> int:
        """The ids a row may hold, `1 + oov + len(vocabulary)`: an `nn.Embedding`'s vocab.

        Raises:
            TypednnError: before `fit`.
        """
        if self.vocabulary is None:
            raise self.unfitted()
        return 1 + self.oov + len(self.vocabulary)

    def words(self, values: Array, where: Where) -> list[list[str]]:
        """Each cell's words (or characters), standardized.

        Raises:
            TypednnError: for a column that is not text, naming the first cell that is not.
        """
        if values.ndim != 1:
            raise TypednnError(
                f"{where(0)}: tokens() reads a raw text column, not the output of another step",
                hint="give the column tokens() alone",
            )
        hint = "tokens() makes token ids of text; for a numeric column use standardize() or min_max()"
        if values.dtype != object and len(values):
            raise TypednnError(f"{where(0)}: tokens() reads text, not numbers of dtype {values.dtype}", hint=hint)
        bad = next((i for i, value in enumerate(values) if not isinstance(value, str)), None)
        if bad is not None:
            value = values[bad]
            raise TypednnError(
                f"{where(bad)}: tokens() reads text, found {quoted(value)} of type {type(value).__name__}", hint=hint
            )
        return [self._split(self._standardized(text)) for text in values]

    def _standardized(self, text: str) -> str:
        if self.standardize is None:
            return text
        lowered = text.lower()
        return _PUNCTUATION.sub("", lowered) if self.standardize == "lower_and_strip_punctuation" else lowered

    def _split(self, text: str) -> list[str]:
        # As Keras: "whitespace" drops empty words; "character" keeps every character, spaces too.
        return text.split() if self.split == "whitespace" else list(text)

    def fit(self, values: Array, where: Where) -> Tokenize:
        every = [word for row in self.words(values, where) for word in row]
        flat = np.empty(len(every), dtype=object)
        flat[:] = every
        try:
            ranked = Lookup(self.max_tokens).fit(flat, where).vocabulary
        except TypednnError as error:  # too many distinct words: said for tokens(), not lookup()
            raise TypednnError(
                error.message.replace("lookup()", "tokens()").replace("categories", "distinct words"),
                hint="keep the most frequent with max_tokens=...",
            ) from None
        return replace(self, vocabulary=ranked)

    def apply(self, values: Array, where: Where) -> Array:
        if self.vocabulary is None:
            raise self.unfitted()
        first = 1 + self.oov
        position = {word: first + index for index, word in enumerate(self.vocabulary)}
        rows = self.words(values, where)
        result = np.zeros((len(rows), self.length), np.float64)  # float64 as every step; Columns casts to int32
        for row, words in enumerate(rows):
            ids = [position.get(word) for word in words[: self.length]]
            result[row, : len(ids)] = [
                1 + stable_hash(word) % self.oov if found is None else found for word, found in zip(words, ids)
            ]
        return result

    def state(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "max_tokens": self.max_tokens,
            "oov": self.oov,
            "standardize": self.standardize,
            "split": self.split,
            "vocabulary": list(self.vocabulary or ()),
        }


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def tokens(
    length: int,
    *,
    max_tokens: int | None = None,
    oov: int = OOV,
    standardize: StandardizeMode = "lower_and_strip_punctuation",
    split: SplitMode = "whitespace",
) -> Tokenize:
    """A text column as `length` int32 token ids a row (Keras's TextVectorization, output_mode="int").

    Args:
        length: The ids a row holds: longer texts are cut to their first `length` words,
            shorter ones padded with 0 (an `nn.Embedding(..., mask_zero=True)` skips them).
        max_tokens: The most words the vocabulary keeps (the most frequent in the training
            rows); None keeps every word. Unlike Keras, padding and oov ids are not counted.
        oov: How many out-of-vocabulary ids (1 .. oov) unknown words share, by CRC-32.
        standardize: "lower_and_strip_punctuation" (lower-case, ASCII punctuation removed),
            "lower", or None (the text as it is).
        split: "whitespace" (words) or "character" (every character, spaces included).

    Example:
        >>> import numpy as np
        >>> step = tokens(4).fit(np.array(["Good film!", "bad film"], object), str)
        >>> step.vocabulary, step.vocab_size
        (('film', 'bad', 'good'), 5)
        >>> step.apply(np.array(["a GOOD, good film", "bad"], object), str).astype(int).tolist()
        [[1, 4, 4, 2], [3, 0, 0, 0]]
    """
    return Tokenize(length, max_tokens, oov, standardize, split)


def features_dtype(columns: Mapping[str, tuple[Transform, ...]]) -> Literal["int32", "float32"]:
    """What `Columns` makes of these columns: int32 token ids when every column ends in tokens(), else float32.

    Raises:
        TypednnError: for a step after tokens(), or text columns mixed with numeric ones.
    """
    text = []
    for name, steps in columns.items():
        is_text = bool(steps) and isinstance(steps[0], Tokenize)
        if is_text and len(steps) > 1:  # (Columns refuses tokens() after another step: it reads a raw column)
            raise TypednnError(
                f"Columns: column {quoted(name)}: tokens() makes token ids, so it is the column's only step",
                hint="ids are indices into an Embedding, not numbers to scale: give the column tokens() alone",
            )
        text.append(is_text)
    if any(text) and not all(text):
        words = [name for name, is_text in zip(columns, text) if is_text]
        others = [name for name, is_text in zip(columns, text) if not is_text]
        raise TypednnError(
            f"Columns: text columns ({', '.join(map(quoted, words))}: int32 token ids) and other columns"
            f" ({', '.join(map(quoted, others))}: float32 values) cannot make one feature array",
            hint="a model with text and numbers takes two inputs: make two Columns, one of the text columns"
            " (for a tn.Input(length, dtype='int32')) and one of the others",
        )
    return "int32" if text and all(text) else "float32"
