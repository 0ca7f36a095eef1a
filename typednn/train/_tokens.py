"""Token ids against the vocabulary: checked on the data, where the row can be named.

Inside the compiled model an id outside `[0, vocab)` cannot raise; it gives NaN (see
`nn.Embedding`). So the Trainer checks each dataset before it runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import TypednnError
from .._model import Model

_ROWS = 65_536  # rows per pass, so a memory-mapped dataset is read in bounded pieces


def check_token_ids(model: Model[Any, Any], features: Any, *, what: str = "data", x: Any = None) -> None:
    """Raise if an id is negative or not below the vocab of a layer that reads a model input.

    Args:
        model: The model.
        features: The ids given for the input.
        what: What the features are, for the message (`data`, `input 'ids'`).
        x: The input tensor they are for (by default the model's one input).

    Raises:
        TypednnError: naming the first such row, the position in it, the id and the layer.
    """
    x = model.graph.inputs[0] if x is None else x
    if not x.shape.tokens:
        return
    readers = [
        node.layer
        for node, _ in model.graph.nodes()
        if node.layer is not None and any(t is x for t in node.inputs) and isinstance(vocab_of(node.layer), int)
    ]
    if not readers:
        return
    layer = min(readers, key=vocab_of)
    vocab = vocab_of(layer)
    for start in range(0, len(features), _ROWS):
        block = np.asarray(features[start : start + _ROWS])
        bad = (block < 0) | (block >= vocab)
        if bad.any():
            row, *axes = (int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
            value = int(block[(row, *axes)])
            position = "" if not axes else f", position {axes[0] if len(axes) == 1 else tuple(axes)}"
            raise TypednnError(
                f"{what} row {start + row}{position}: token id {value} is not in"
                f" [0, {vocab}), the vocab of {model.graph.name(layer)} ({layer!r})",
                hint="raise the vocab to cover every id, or map unknown tokens to a reserved id",
            )


def vocab_of(layer: Any) -> Any:
    """The vocab of a layer that takes token ids (its `vocab` hyperparameter), else None."""
    params = layer.hyper
    return getattr(params, "vocab", None) if params.takes_tokens else None
