"""Column transforms for tables: fitted on the training rows, saved with the model, applied at predict time.

As Keras's preprocessing layers (Normalization, StringLookup, CategoryEncoding, Hashing)
and DataVec's TransformProcess: read every column of a CSV file raw (`tn.data.table`),
say what each column becomes, fit on the training split alone, and apply the same
statistics and vocabularies to the validation rows and to raw rows at predict time::

    from typednn.data.transforms import Columns, lookup, one_hot, standardize

    raw = tn.data.table("heart.csv", label="target")       # every column as read, text kept
    train, val = raw.split(0.2, seed=0)
    prep = Columns({"age": standardize(), "thal": one_hot(), "sex": None}).fit(train)
    data = prep(train)                                     # a Dataset: float32 (rows, prep.output_width)
    trainer.fit(data, validation=prep(val))                # validation rows: the training statistics
    tn.save(model, trainer.params, "model", transform=prep)  # spec.json holds them (plain JSON)
    # typednn predict --model model raw.csv                 # the same preprocessing, on raw rows

Transforms (each a frozen dataclass; `fit` returns a fitted copy):

- numbers: `standardize()` (mean 0, std 1), `min_max()` (0..1), `clip(low, high)`,
  `log()` (log1p); None takes a numeric column as it is;
- categories (text or whole numbers; whole numbers count as their digits, so `3` and
  `"3"` are one category): `lookup()` (an index), `one_hot()`, `multi_hot()` (a cell
  of several categories, `"a|b"`), each with a vocabulary fitted on the training rows
  (most frequent first, ties sorted, `max_tokens` at most) after `oov` out-of-vocabulary
  buckets (a category unseen in training goes there); `hashing(bins)` (CRC-32 of the
  UTF-8 bytes modulo `bins`: stable across processes and machines, unlike Python's
  `hash`).
- text: `tokens(length, max_tokens=None)` (Keras's TextVectorization, output_mode="int"):
  a text column standardized (lower-cased, punctuation stripped), split into words and
  mapped to `length` int32 token ids a row: 0 pads, `1..oov` are unknown words, then the
  vocabulary fitted on the training rows (most frequent first). A `Columns` of text
  columns makes int32 features (`prep.dtype`), for a `tn.Input(length, dtype="int32")`
  and an `nn.Embedding(..., mask_zero=True)`; text and number columns do not mix in one
  `Columns` (two inputs, two `Columns`).

A column's steps may be a list applied in order (`[clip(0, 1e5), log(), standardize()]`);
a categorical step comes first. `Columns.output_width` is the feature width: four
columns, one of them a 3-category column one-hot encoded (one bucket for unknown
categories) give 4 - 1 + 3 + 1 = 7 values.

Types: where every column's width is known from the source (numbers, `lookup()`,
`hashing(bins)`, a vocabulary given up front: `one_hot(vocabulary=["fixed", "normal"])`),
the mypy plugin types the `Columns` call, so `prep(train)` is a
`Dataset[Tensor[L[7]], Any]` that mypy checks against the model. A width fitted from
the rows (`one_hot()` alone) leaves it `Dataset[Any, Any]`: annotate it
(`data: tn.data.Dataset[tn.Tensor[L[7]], tn.Classes[L[2]]] = prep(train)`), and the
trainer checks the width at run time against the model, as for any dataset.
"""

from ._base import Transform as Transform
from ._base import stable_hash as stable_hash
from ._category import MAX_VOCABULARY as MAX_VOCABULARY
from ._category import hashing as hashing
from ._category import lookup as lookup
from ._category import multi_hot as multi_hot
from ._category import one_hot as one_hot
from ._columns import Columns as Columns
from ._json import from_json as from_json
from ._json import to_json as to_json
from ._numeric import clip as clip
from ._numeric import log as log
from ._numeric import min_max as min_max
from ._numeric import standardize as standardize
from ._text import tokens as tokens

__all__ = [
    "MAX_VOCABULARY",
    "Columns",
    "Transform",
    "clip",
    "from_json",
    "hashing",
    "log",
    "lookup",
    "min_max",
    "multi_hot",
    "one_hot",
    "stable_hash",
    "standardize",
    "to_json",
    "tokens",
]
