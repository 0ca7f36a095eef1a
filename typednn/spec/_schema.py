"""The spec file's schema: pydantic models derived from the Python definitions.

A spec file has four keys::

    name: digits-cnn            # optional; default: the file's stem
    model: {input: [...], layers: [...]}   (or inputs: {name: [...]}, layers, outputs: [names])
    data: {source: ..., split: {validation: 0.1, test: 0.2}, seed: 0, transform: {column: steps}}
    train: {epochs: 30, batch_size: 32, optimizer: adam, loss: ..., metrics: [...], ...}

Nothing here repeats a definition: a layer kind's options are its hyperparameter
dataclass's fields (`layers/_registry.py`), an optimizer's are its optax function's
parameters, a data source's are its reader function's, a column transform's are its
constructor's (`tn.data.transforms.one_hot`), and a callback's are its class's. A new
layer, source, transform or option appears in spec files and in the JSON schema with
no change here.
"""

from __future__ import annotations

import inspect
import os
import types
import typing
from collections.abc import Callable
from functools import cache
from types import GenericAlias, MappingProxyType
from typing import Annotated, Any, Final, TypeAlias

import optax
import pydantic

from .._reading import excerpt
from .._shapes import Dtype
from .._shapes._dims import MAX_SIZE
from .._signature import options_model
from ..data import Dataset
from ..data._sources import SOURCES
from ..data.transforms._kinds import CONSTRUCTORS
from ..export._dtype import DEFAULT as DEFAULT_EXPORT_DTYPE
from ..export._dtype import ExportDtype
from ..export._graph_json import REUSE
from ..export._options import DIM_NAME_TYPE, OPTIONS_CONFIG, camel, layer_options_model
from ..layers import Input
from ..layers._names import NAME_HINT, name_problem
from ..layers._registry import KINDS
from ..train import EarlyStopping, ReduceLROnPlateau, Trainer
from ..train._checkpoint_callback import Checkpoint
from ..train._fit_inputs import BATCH_SIZE
from ..train._precision import Precision
from ..train._trainer import SEED_LIMIT
from ._errors import located
from ._tagged import Kinds

_STRICT = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)

OPTIMIZERS: typing.Mapping[str, tuple[Callable[..., optax.GradientTransformation], float]] = MappingProxyType(
    {
        "sgd": (optax.sgd, 0.01),
        "adam": (optax.adam, 0.001),
        "adamw": (optax.adamw, 0.001),
        "nadam": (optax.nadam, 0.001),
        "adamax": (optax.adamax, 0.001),
        "rmsprop": (optax.rmsprop, 0.001),
        "adagrad": (optax.adagrad, 0.001),
        "lamb": (optax.lamb, 0.001),
        "lion": (optax.lion, 0.0001),
    }
)
"""The optimizers a spec names, with the learning rate each gets when none is given
(Keras's defaults; optax requires one)."""


def _default(function: Callable[..., Any], parameter: str) -> Any:
    """A parameter's default in the Python API, so that a spec's default is the same one."""
    return inspect.signature(function).parameters[parameter].default


@cache
def optimizer_kinds() -> Kinds:
    options = {
        name: options_model(function, name=f"{camel(name)}Options", defaults={"learning_rate": rate})
        for name, (function, rate) in OPTIMIZERS.items()
    }
    return Kinds("optimizer", options, {name: "learning_rate" for name in options})


@cache
def source_kinds() -> Kinds:
    return Kinds(
        "data source",
        {name: source.options for name, source in SOURCES.items()},
        {name: source.main for name, source in SOURCES.items() if source.main},
        check=_source_paths,
    )


@cache
def transform_kinds() -> Kinds:
    """The column transforms of `data.transform`: each kind's options are its constructor's parameters."""
    options = {kind: options_model(function, name=f"{camel(kind)}Options") for kind, function in CONSTRUCTORS.items()}
    # A bare value sets the one option a kind requires (`{hashing: 16}`); clip needs both its limits.
    main = {kind: required[0] for kind, model in options.items() if len(required := _required(model)) == 1}
    return Kinds("transform", options, main)


def _required(model: type[pydantic.BaseModel]) -> list[str]:
    return [name for name, field in model.model_fields.items() if field.is_required()]


COMPONENT_LIMIT: Final = 255
"""The most bytes of one path component (a file's or a folder's name) on common file systems."""
PATH_LIMIT: Final = 4096
"""The most bytes of a whole path (Linux's PATH_MAX)."""


def path_problem(path: str, *, what: str = "a path") -> str | None:
    """What keeps `path` from naming a file on any common filesystem, or None.

    The OS would refuse it anyway, but with an `OSError` from deep inside a reader;
    this says so at the spec's line.

    Example:
        >>> path_problem("data/iris.csv") is None
        True
        >>> path_problem("data/" + "x" * 300)
        "a path's parts have at most 255 bytes each, but 'xxxxxxxxxxxxxxxxxxxxxxxx…' (300 characters) has 300"
    """
    if "\0" in path:
        return f"{what} holds no NUL character, but {excerpt(path)} does"
    try:
        encoded = os.fsencode(path)
    except UnicodeEncodeError:
        return f"{what} must be text the file system can encode, but {excerpt(path)} cannot be"
    if len(encoded) > PATH_LIMIT:
        return f"{what} has at most {PATH_LIMIT:,} bytes, but {excerpt(path)} has {len(encoded):,}"
    for part in path.split("/"):
        size = len(os.fsencode(part))
        if size > COMPONENT_LIMIT:
            return f"{what}'s parts have at most {COMPONENT_LIMIT} bytes each, but {excerpt(part)} has {size:,}"
    return None


def _source_paths(kind: str, options: pydantic.BaseModel) -> tuple[str, str, str] | None:
    """The first path option of a data source that no file system takes, with what is wrong."""
    for name in sorted(SOURCES[kind].paths):
        value = getattr(options, name, None)
        if isinstance(value, str) and (problem := path_problem(value)) is not None:
            return name, problem, "no file system takes such a path; check it"
    return None


def layer_kinds() -> Kinds:
    """The layer entries, for the JSON schema: each kind's options model is the one `graph_from_dict` validates with."""
    return _layer_kinds(tuple(KINDS))  # registering a custom layer adds a kind


@cache
def _layer_kinds(kinds: tuple[str, ...]) -> Kinds:
    # The models `graph_from_dict` validates the entries with: the schema is theirs.
    options = {kind: layer_options_model(KINDS[kind]) for kind in kinds}
    names: dict[str, Any] = {"name": (str | None, None), "inputs": (list[str] | None, None)}
    options[REUSE] = pydantic.create_model("ReuseOptions", __config__=OPTIONS_CONFIG, layer=(str, ...), **names)
    main = {kind: m for kind in kinds if (m := KINDS[kind].main_option())}
    return Kinds("layer", options, {**main, REUSE: "layer"})


# Becomes a "$ref" in `json_schema` (pydantic would try to resolve a "$ref" as it builds).
_REF = "typednn-ref"

# The sections. Their tagged values (layers, source, optimizer) are checked by `Kinds`
# after these models, so their messages name the kinds; the schema still shows them.


class Split(pydantic.BaseModel):
    """The shares of the examples held out for validation and for testing."""

    model_config = _STRICT
    validation: Annotated[float, pydantic.Field(ge=0, lt=1)] = 0.0
    test: Annotated[float, pydantic.Field(ge=0, lt=1)] = 0.0


def _layer_entry(entry: Any) -> Any:
    """Refuse an entry's `name` that no checkpoint can key (the rest is `graph_from_dict`'s work).

    Checked here, before the model is built, so the message points at the name and
    does not repeat it (the builder's messages name the entry by it).
    """
    if isinstance(entry, dict) and len(entry) == 1:
        ((kind, options),) = entry.items()
        name = options.get("name") if isinstance(options, dict) else None
        if isinstance(name, str) and (problem := name_problem(name)) is not None:
            raise located(problem, at=(kind, "name"), hint=NAME_HINT)
    return entry


Seed = Annotated[int, pydantic.Field(ge=0, le=SEED_LIMIT)]
"""A seed as a spec states it: an int from 0 to 2**63 - 1."""


Sizes = list[int | DIM_NAME_TYPE]
"""One example's sizes (the batch axis is implicit): ints, or a named dim's full name."""


class InputOptions(pydantic.BaseModel):
    model_config = _STRICT
    shape: Sizes
    dtype: Dtype = _default(Input, "dtype")
    """int32: the input is token ids, for an embedding layer."""


class ModelSection(pydantic.BaseModel):
    model_config = _STRICT
    input: Sizes | None = None
    """The sizes of the model's one input; a model with several gives `inputs`."""
    dtype: Dtype = _default(Input, "dtype")
    """int32: the input is token ids, for an embedding layer."""
    inputs: dict[str, Sizes | InputOptions] | None = None
    """Several inputs by name: `{image: [32, 32, 3], ids: {shape: [64], dtype: int32}}`."""
    layers: Annotated[
        list[Annotated[Any, pydantic.AfterValidator(_layer_entry)]], pydantic.WithJsonSchema({_REF: "Layers"})
    ]
    outputs: list[str] | None = None
    """The names of the layers whose outputs the model gives, in order (default: the last layer's)."""


class DataSection(pydantic.BaseModel):
    model_config = _STRICT
    source: Annotated[Any, pydantic.WithJsonSchema({_REF: "Source"})]
    split: Split = Split()
    seed: Seed = _default(Dataset.partition, "seed")
    """Shuffles the examples before the split."""
    transform: Annotated[dict[str, Any] | None, pydantic.WithJsonSchema({_REF: "Transform"})] = None
    """Column name -> its transforms (`standardize`, `[clip: ..., log, standardize]`, `{one_hot: {...}}`,
    null for a number as it is), fitted on the training split; the source is then a csv file read raw."""


if typing.TYPE_CHECKING:  # models made at run time: mypy knows them as models
    CheckpointOptions: TypeAlias = pydantic.BaseModel
    EarlyStoppingOptions: TypeAlias = pydantic.BaseModel
    ReduceLROnPlateauOptions: TypeAlias = pydantic.BaseModel
else:
    CheckpointOptions = options_model(Checkpoint, name="CheckpointOptions", skip=["directory"])
    EarlyStoppingOptions = options_model(EarlyStopping, name="EarlyStoppingOptions")
    ReduceLROnPlateauOptions = options_model(ReduceLROnPlateau, name="ReduceLROnPlateauOptions")


class TrainSection(pydantic.BaseModel):
    model_config = _STRICT
    epochs: Annotated[int, pydantic.Field(ge=1, le=MAX_SIZE)] = 10
    # At most the longest axis JAX indexes: a batch is an axis of every array the steps make.
    batch_size: Annotated[int, pydantic.Field(ge=1, le=MAX_SIZE)] = BATCH_SIZE
    optimizer: Annotated[Any, pydantic.WithJsonSchema({_REF: "Optimizer"})] = "adam"
    loss: str | dict[str, str] | None = None
    """Default: softmax_cross_entropy for class ids, mean_squared_error otherwise; for a
    model with several outputs, one loss for all, or a dict by output name."""
    loss_weights: dict[str, float] | None = None
    """Each output's weight in the loss training minimizes (default 1 each)."""
    metrics: list[str] | dict[str, list[str]] = []
    """For a model with several outputs, a dict by output name."""
    seed: Seed = _default(Trainer, "seed")
    """Initialises the parameters, draws dropout masks and orders each epoch."""
    checkpoint: CheckpointOptions = CheckpointOptions()
    early_stopping: EarlyStoppingOptions | None = None
    reduce_lr_on_plateau: ReduceLROnPlateauOptions | None = None
    tensorboard: bool = True
    """TensorBoard files in the run directory's `tensorboard/` (scalars, histograms, hparams)."""
    class_weight: (
        dict[
            Annotated[int, pydantic.Strict(False), pydantic.Field(ge=0)],
            Annotated[float, pydantic.Field(ge=0, allow_inf_nan=False)],
        ]
        | None
    ) = None
    """A weight per class id in the loss (Keras's `class_weight`), for a model with one output of class ids."""
    accumulate: Annotated[int, pydantic.Field(ge=1, le=MAX_SIZE)] = _default(Trainer, "accumulate")
    """Batches per optimizer update, with the mean of their gradients (`Trainer(accumulate=...)`)."""
    remat: bool | list[str] = _default(Trainer, "remat")
    """Layers to rematerialise in the training step (`Trainer(remat=...)`): names or patterns, each a block."""
    precision: Precision = _default(Trainer, "precision")
    """The dtype the layers compute in: float32, or bfloat16 / float16 for mixed precision
    (float32 parameters, optimizer state, losses and metrics; see docs/training.md)."""
    export_dtype: ExportDtype = DEFAULT_EXPORT_DTYPE
    """The dtype the run's `model/` export stores its floating parameters in (`tn.save(dtype=)`):
    float32 whatever the precision, unless bfloat16 or float16 is asked for."""


def _run_name(name: str) -> str:
    """Refuse a spec name that is not one path component: it names the run directory, `runs/<name>`.

    `..` made a run write into (and `--overwrite` delete) the current directory.
    """
    if name in (".", ".."):
        raise located(
            f"the name {name!r} is no directory of its own; the run directory is runs/<name>",
            hint="give the spec a name made of letters, digits, '_', '-' and '.', e.g. name: digits-cnn",
        )
    if len(name.encode()) > COMPONENT_LIMIT:
        raise located(
            f"a name has at most {COMPONENT_LIMIT} bytes (UTF-8), the longest a folder's name may be,"
            f" but {excerpt(name)} has {len(name.encode()):,}",
            hint="the name becomes the run directory, runs/<name>; give a shorter one",
        )
    return name


class SpecFile(pydantic.BaseModel):
    """A whole spec file."""

    model_config = _STRICT
    # The pattern keeps a name to one path component (no '/', '\\' or NUL); `_run_name` does the rest.
    name: Annotated[str, pydantic.Field(pattern=r"^[\w.-]+$"), pydantic.AfterValidator(_run_name)] | None = None
    model: ModelSection
    data: DataSection | None = None
    train: TrainSection = TrainSection()


def json_schema() -> dict[str, Any]:
    """The JSON Schema of spec files, for editors (`typednn schema`)."""
    schema = SpecFile.model_json_schema()
    definitions = schema.setdefault("$defs", {})
    parts: tuple[tuple[str, Any], ...] = (
        ("Layers", types.GenericAlias(list, (layer_kinds().json_type(),))),
        ("Source", source_kinds().json_type()),
        ("Optimizer", optimizer_kinds().json_type()),
        ("Transform", _transform_type()),
    )
    for title, type_ in parts:
        part = pydantic.TypeAdapter(type_).json_schema(ref_template="#/$defs/{model}")
        definitions.update(part.pop("$defs", {}))
        definitions[title] = part
    schema = typing.cast(dict[str, Any], _link(schema))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "typednn spec file"
    return schema


def _transform_type() -> Any:
    """`data.transform`'s type: column name -> a transform, a list of them, or null."""
    step = transform_kinds().json_type()
    # Built as values (`GenericAlias`), not as a type expression: `step` is made at run time.
    return GenericAlias(dict, (str, step | GenericAlias(list, (step,)) | None)) | None


def _link(value: Any) -> Any:
    if isinstance(value, dict):
        if _REF in value:
            return {"$ref": f"#/$defs/{value[_REF]}"}
        return {key: _link(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_link(item) for item in value]
    return value
