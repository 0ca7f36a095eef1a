"""`Batch`: one batch from Python, typed as a dataset is, so the mypy plugin checks a generator of them."""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

Features = TypeVar("Features")
Target = TypeVar("Target")


class Batch(NamedTuple, Generic[Features, Target]):
    """`(x, y)` from a generator given to `fit`, its type naming ONE example's, as a `Dataset`'s does.

    A tuple at run time (`fit` reads it as any `(x, y)`): the type parameters are for mypy.
    A generator annotated `Iterator[tn.data.Batch[tn.Tensor[L[4]], tn.Classes[L[3]]]]`
    is checked by the mypy plugin against the model on the line of `fit`, as a
    `Dataset[tn.Tensor[L[4]], tn.Classes[L[3]]]` is; plain tuples are not.

    Example:
        >>> import numpy as np
        >>> x, y = Batch(np.zeros((32, 4), np.float32), np.zeros(32, np.int64))
        >>> x.shape, y.shape
        ((32, 4), (32,))
    """

    x: Any
    """The features of the batch's examples, `(batch, *feature_dims)` (a tuple for several inputs)."""
    y: Any
    """Their targets, `(batch, ...)` (a tuple for several outputs)."""
