"""`save`: a model and its parameters as a directory with spec.json and weights.safetensors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._model import Model
from ..lower import Params
from . import _json
from ._atomic import foreign_entries, recover, replace_directory
from ._document import FILES, FORMAT, SPEC_FILE, WEIGHTS_FILE, Document
from ._dtype import DEFAULT, ExportDtype, at_dtype, cast, check_dtype
from ._graph_json import graph_to_dict
from ._safetensors import encode
from ._weights import compare, flatten, needed, sha256, table

if TYPE_CHECKING:
    from ..data.transforms import Columns


def save(
    model: Model[Any, Any],
    params: Params,
    directory: str | os.PathLike[str],
    *,
    transform: Columns | None = None,
    dtype: ExportDtype = DEFAULT,
) -> None:
    """Export a model: `directory/spec.json` (the graph) and `directory/weights.safetensors`.

    `tn.save(model, params, directory)`; `tn.load(directory)` gives `(model, params)`
    back. The directory is written next to its place and moved in at once, replacing an
    earlier export there: a crash at any point leaves the old export or the new one.

    Args:
        model: The model.
        params: The parameters, `{layer: {param: array}}`, as `model.init` or training
            gives them.
        directory: The export's directory; its parents are created.
        transform: Fitted column transforms (`tn.data.transforms.Columns`) that make the
            model's features from raw table rows: written into spec.json as plain JSON
            (statistics, vocabularies, column order), read back by `load` (`.transform`)
            and applied by `typednn predict` to a raw CSV file.
        dtype: The dtype the floating parameters are stored in: "float32" (the default,
            whatever precision the model was trained in), or "bfloat16" / "float16" for
            a file half the size. spec.json records it; `load` gives float32 back
            unless asked for the stored dtype.

    Raises:
        TypednnError: if the parameters do not fit the model, a layer cannot be written,
            the transforms are not fitted or make features of another width than the
            model's input,
            or `directory` exists and is not a typednn export (it is never replaced then),
            or `dtype` is not one of "float32", "bfloat16", "float16".

    Example:
        >>> import jax, tempfile
        >>> import typednn as tn
        >>> from typednn import nn
        >>> from typednn.export import load, save
        >>> x = tn.Input(4)
        >>> model = tn.Model(x, x >> nn.Dense(3))
        >>> folder = tempfile.mkdtemp()
        >>> save(model, model.init(jax.random.key(0)), f"{folder}/mlp")
        >>> load(f"{folder}/mlp")[0]
        Model((4,) -> (3,))
    """
    if isinstance(params, (str, os.PathLike)):  # the order of the former Model.save(directory, params)
        raise TypednnError(
            f"save takes the parameters second and the directory third, but receives {os.fspath(params)!r} as params",
            hint="call tn.save(model, params, directory)",
        )
    target = Path(os.path.abspath(directory))
    where = f"saving {model.name!r} to {target}"
    dtype = check_dtype(dtype, where)
    section = graph_to_dict(model.graph)
    # Parameters in any of the export dtypes are cast to the one asked for (a bfloat16
    # export loaded as stored saves again); float64 ones stay, and are refused below.
    arrays = cast(flatten(params), dtype)
    tensors = table(arrays)
    compare(
        tensors,
        at_dtype(needed(model), dtype),
        sides=("params", "the model"),
        verbs=("holds", "needs"),
        where=where,
        hint="pass the parameters of this model, as model.init or training returned them",
    )
    if transform is not None:
        _check_transform(model, transform, where)
    weights = encode(arrays, where=where)
    document = Document(model.name, section, WEIGHTS_FILE, sha256(weights), tensors, transform, dtype)
    recover(target, FILES)
    _check_replaceable(target)
    replace_directory(target, {WEIGHTS_FILE: weights, SPEC_FILE: document.dumps()})


def _check_transform(model: Model[Any, Any], transform: Columns, where: str) -> None:
    """The transforms must be fitted and make the one input's features, `(output_width,)`."""
    from ..data.transforms import Columns  # noqa: PLC0415 - only an export with transforms reads typednn.data

    if not isinstance(transform, Columns):
        raise TypednnError(
            f"{where}: transform= takes a tn.data.transforms.Columns, not {type(transform).__name__}",
            hint='e.g. Columns({"age": standardize(), "thal": one_hot()}).fit(train)',
        )
    if not transform.fitted:
        raise TypednnError(f"{where}: the transforms are not fitted", hint="call prep.fit(train) before saving")
    inputs = model.graph.inputs
    width = transform.output_width
    if len(inputs) != 1 or tuple(inputs[0].shape.dims) != (width,):
        shapes = ", ".join(repr(x.shape) for x in inputs)
        raise TypednnError(
            f"{where}: the transforms make features of shape ({width},), but the model takes {shapes}",
            hint="save the transforms with the model trained on their features",
        )
    if bool(inputs[0].shape.tokens) != (transform.dtype == "int32"):  # ids cast to floats, or floats cut to ids
        raise TypednnError(
            f"{where}: the transforms make {transform.dtype} features, but the model's input takes"
            f" {'int32 token ids' if inputs[0].shape.tokens else 'float32 values'}",
            hint="token ids (tokens()) go to a tn.Input(length, dtype='int32'); other transforms to a float input",
        )


def _check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a typednn export (or an empty directory)."""
    if not os.path.lexists(target):
        return
    hint = "save to a new directory, or move this one away first"
    if not target.is_dir() or target.is_symlink():
        raise TypednnError(f"{target}: exists and is not a directory; refusing to replace it", hint=hint)
    entries = sorted(entry.name for entry in target.iterdir())
    others = foreign_entries(target, FILES)  # a symlink or a folder named spec.json is no export's either
    if others:
        listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise TypednnError(
            f"{target}: holds {listed}, so it is not a typednn export; refusing to replace it", hint=hint
        )
    if entries and not _is_export(target / SPEC_FILE):
        raise TypednnError(f"{target}: its {SPEC_FILE} is not a typednn export's; refusing to replace it", hint=hint)


def _is_export(spec: Path) -> bool:
    # Read as any spec.json is (a symlink to /dev/zero or a FIFO must not hang a save).
    try:
        document = _json.read(spec, what=SPEC_FILE, missing="")
    except TypednnError:
        return False
    return isinstance(document, dict) and document.get("format") == FORMAT
