"""`inputs(model)`: batches a model takes, of any batch size and any size of its named dims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .._errors import TypednnError
from .._model import Model
from .._shapes import Dim, Symbol
from ..layers import Tensor

Batch = np.ndarray[Any, Any] | tuple[np.ndarray[Any, Any], ...]
"""What a model takes: one array, or a tuple of them for a model with several inputs."""

DimSizes = st.SearchStrategy[int] | Mapping[type[Dim], st.SearchStrategy[int]]

BATCH_SIZES = st.integers(1, 8)
DIM_SIZES = st.integers(1, 16)
"""The sizes a named dim gets by default."""


def inputs(
    model: Model[Any, Any],
    *,
    batch: st.SearchStrategy[int] = BATCH_SIZES,
    dims: DimSizes = DIM_SIZES,
) -> st.SearchStrategy[Batch]:
    """A strategy of input batches for `model`: numpy arrays of shape ``(batch, *dims)``.

    Each named dim (`tn.Dim`) gets one size per batch, the same wherever it appears.
    Features are float32 (standard normal); token ids (`tn.Input(..., dtype="int32")`)
    are int32 below the vocab of the layers that read them (`nn.Embedding`).

    Args:
        model: The model.
        batch: The batch sizes to draw.
        dims: The sizes of the named dims: one strategy for all of them, or one per
            `tn.Dim` class (the others get 1 to 16).

    Returns:
        A strategy of one array, or of a tuple of arrays for a model with several inputs.

    Raises:
        TypednnError: if `dims` names a `tn.Dim` that no input of the model has.

    Example:
        >>> from hypothesis import find
        >>> import typednn as tn
        >>> from typednn import nn
        >>> class Seq(tn.Dim): ...
        >>> ids = tn.Input(Seq, dtype="int32")
        >>> model = tn.Model(ids, ids >> nn.Embedding(50, 8) >> nn.GlobalAvgPool1D())
        >>> x = find(inputs(model), lambda x: x.shape[1] == 7)
        >>> x.shape, x.dtype.name, bool(x.max() < 50)
        ((1, 7), 'int32', True)
    """
    tensors = tuple(model.graph.inputs)
    symbols = list(dict.fromkeys(d for t in tensors for d in t.shape.dims if isinstance(d, Symbol)))
    default = dims if isinstance(dims, st.SearchStrategy) else DIM_SIZES
    chosen = {} if isinstance(dims, st.SearchStrategy) else {Symbol.of(dim): sizes for dim, sizes in dims.items()}
    stray = [symbol for symbol in chosen if symbol not in symbols]
    if stray:
        raise TypednnError(
            f"inputs({model!r}): dims names {', '.join(map(repr, stray))}, which no input of the model has",
            hint=f"the model's named dims: {', '.join(map(repr, symbols)) or 'none'}",
        )
    vocabs = tuple(_vocab(model, t) for t in tensors)

    @st.composite
    def batches(draw: st.DrawFn) -> Batch:
        n = draw(batch, label="batch")
        bound = {symbol: draw(chosen.get(symbol, default), label=symbol.name) for symbol in symbols}
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
        arrays: list[np.ndarray[Any, Any]] = []
        for tensor, vocab in zip(tensors, vocabs):
            shape = (
                n,
                *(
                    d if isinstance(d, int) else bound[d] if isinstance(d, Symbol) else draw(default)
                    for d in tensor.shape.dims
                ),
            )
            if tensor.shape.tokens:
                arrays.append(rng.integers(0, vocab, size=shape, dtype=np.int32))
            else:
                arrays.append(rng.standard_normal(shape, dtype=np.float32))
        return arrays[0] if len(arrays) == 1 else tuple(arrays)

    return batches()


def _vocab(model: Model[Any, Any], x: Tensor[*tuple[Any, ...]]) -> int:
    """The ids that every layer reading `x` takes: below the smallest vocab among them."""
    vocabs = [
        vocab
        for node, _ in model.graph.nodes()
        if node.layer is not None
        and node.layer.hyper.takes_tokens
        and any(t is x for t in node.inputs)
        and isinstance(vocab := getattr(node.layer.hyper, "vocab", None), int)
    ]
    # A layer that takes ids but states no vocab (a custom one) surely takes id 0.
    return min(vocabs, default=1)
