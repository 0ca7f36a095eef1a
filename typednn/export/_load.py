"""`load`: a model and its parameters from an export directory, validated throughout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._model import Model
from ..lower import Params
from . import _document, _weights
from ._atomic import recover
from ._dtype import DEFAULT, ExportDtype, at_dtype, cast, check_dtype
from ._graph_json import graph_from_dict

if TYPE_CHECKING:
    from ..data.transforms import Columns


class Loaded(tuple[Model[Any, Any], Params]):
    """What `load` returns: `(model, params)`, which unpacks as before, and `.transform`.

    Attributes:
        transform: The fitted column transforms saved with the model
            (`tn.save(..., transform=prep)`), which make its features from raw table rows
            (`loaded.transform.features(tn.data.table("raw.csv"))`); None when none were saved.
        stored_dtype: The dtype the export stores its floating parameters in
            (`tn.save(..., dtype=)`): "float32", "bfloat16" or "float16".
    """

    transform: Columns | None
    stored_dtype: ExportDtype

    def __new__(
        cls,
        model: Model[Any, Any],
        params: Params,
        transform: Columns | None = None,
        stored_dtype: ExportDtype = DEFAULT,
    ) -> Loaded:
        loaded = super().__new__(cls, (model, params))
        loaded.transform = transform
        loaded.stored_dtype = stored_dtype
        return loaded


def load(directory: str | os.PathLike[str], *, dtype: ExportDtype | None = DEFAULT) -> Loaded:
    """The model and parameters that `tn.save(model, params, directory)` wrote.

    Nothing in the files is executed: spec.json is JSON, and the weights are read with
    safetensors. Everything is checked: the JSON, the format and version, every layer's
    kind and hyperparameters, the shapes (by the same rules as `tn.Model`), the weights
    file's sha256, and each tensor's name, shape and dtype against both spec.json and
    what the rebuilt model needs. A save interrupted by a crash is rolled back first.

    Args:
        directory: The export's directory.
        dtype: The dtype the floating parameters come back in: "float32" (the default,
            whatever the export stores, so that training, `predict` and `zoo`'s
            `weights=` get float32 master weights), "bfloat16" or "float16", or None for
            the dtype stored (`tn.save(..., dtype=)`; `.stored_dtype` says which).

    Returns:
        The model, and its parameters as `{layer: {param: jax.Array}}` (a `Loaded`
        pair: its `.transform` holds the column transforms saved with the model, or None).

    Raises:
        TypednnError: naming the file, and the layer or tensor, that is wrong (its
            subclasses `ShapeError` and `HyperparameterError` where the rules reject
            a layer).

    Example:
        >>> import tempfile, jax, jax.numpy as jnp
        >>> import typednn as tn
        >>> from typednn import nn
        >>> from typednn.export import load
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(8) >> nn.relu >> nn.Dense(3))
        >>> params = model.init(jax.random.key(0))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     tn.save(model, params, f"{folder}/mlp")
        ...     again, loaded = load(f"{folder}/mlp")
        >>> again
        Model((4,) -> (3,))
        >>> bool((again.apply(loaded, jnp.ones((2, 4))) == model.apply(params, jnp.ones((2, 4)))).all())
        True
    """
    target = Path(os.path.abspath(directory))
    if dtype is not None:
        dtype = check_dtype(dtype, f"loading {target}")
    recover(target, _document.FILES)
    if not target.is_dir():
        raise TypednnError(
            f"{target}: no such directory" if not os.path.lexists(target) else f"{target}: not a directory",
            hint="pass the directory that tn.save wrote",
        )
    spec_path = target / _document.SPEC_FILE
    document = _document.read(spec_path)
    model = graph_from_dict(document.model, source=str(spec_path), name=document.name)
    try:
        needed = _weights.needed(model)
    except TypednnError as error:  # e.g. a named dim where parameters need a fixed size
        raise TypednnError(f"{spec_path}: {error.message}", hint=error.hint) from None
    except (OverflowError, ValueError) as error:
        # The shape rules accept any positive int; JAX's initializers compute in floats
        # and C integers, and overflow on sizes that no real model has.
        raise TypednnError(
            f"{spec_path}: the model's parameter shapes cannot be computed ({type(error).__name__}: {error})",
            hint="a size in the model section is far too large; was the file edited? Save the model again",
        ) from None
    stored = document.dtype
    _weights.compare(
        document.tensors,
        at_dtype(needed, stored),  # an export in bfloat16 holds its floating tensors in bfloat16
        sides=(_document.SPEC_FILE, "the model"),
        verbs=("says", "needs") if stored == DEFAULT else ("says", f"needs in weights.dtype {stored}"),
        where=str(spec_path),
        hint=f"the model section and the tensor table of {_document.SPEC_FILE} disagree; was it edited?"
        " Save the model again",
    )
    weights_path = target / document.weights_file
    arrays = _weights.read(weights_path, document.sha256)
    _weights.compare(
        _weights.table(arrays),
        document.tensors,
        sides=(document.weights_file, _document.SPEC_FILE),
        verbs=("holds", "says"),
        where=str(weights_path),
        hint="the weights file does not belong to this spec.json; save the model again",
    )
    if dtype is not None:
        arrays = cast(arrays, dtype)
    return Loaded(model, _weights.unflatten(arrays), document.transform, stored)
