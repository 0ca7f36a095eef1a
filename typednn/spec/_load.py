"""Reading a spec file: text -> validated sections -> a model checked by the shape rules.

Every error names the file, line and column it is about (`spec.yaml:12:9: ...`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import optax
import pydantic

from .._errors import TypednnError
from .._model import Model
from .._shapes import ShapeError
from .._shapes._bindings import Bindings
from .._shapes._data import check_features, check_targets
from .._words import show
from ..data._schema import Schema
from ..data._sources import SOURCES
from ..export._graph_json import graph_from_dict
from ..train import _losses, _metrics
from ._errors import raise_validation
from ._schema import OPTIMIZERS, DataSection, SpecFile, TrainSection, optimizer_kinds, source_kinds
from ._text import Document, read_document

SUFFIXES = (".yaml", ".yml", ".json")
T = TypeVar("T")


@dataclass(frozen=True)
class Spec:
    """A spec file, validated: its model is built and checked by the shape rules.

    Attributes:
        path: The file.
        document: Its text as data, with positions (for messages).
        name: The spec's name: its `name`, or the file's stem.
        model: The model, validated.
        data: The data section, if any.
        train: The training section (defaults where the file has none).
    """

    path: Path
    document: Document
    name: str
    model: Model[Any, Any]
    data: DataSection | None
    train: TrainSection

    def optimizer(self) -> optax.GradientTransformation:
        """The optax optimizer the train section names."""
        kind, options = optimizer_kinds().parse(self.train.optimizer, self.document, ("train", "optimizer"))
        function, _ = OPTIMIZERS[kind]
        return optax.inject_hyperparams(function)(**options.model_dump())

    def loss_name(self, schema: Schema) -> str:
        """The loss: as named, or the usual one for the targets."""
        if self.train.loss is not None:
            return self.train.loss
        return "softmax_cross_entropy" if schema.classes is not None else "mean_squared_error"

    def source(self) -> tuple[str, pydantic.BaseModel]:
        """The data source's kind and options.

        Raises:
            TypednnError: if the spec has no data section.
        """
        if self.data is None:
            raise TypednnError(
                f"{self.path}: the spec has no data section",
                hint="add one, e.g. data: {source: {builtin: digits}}",
            )
        return source_kinds().parse(self.data.source, self.document, ("data", "source"))

    def where(self, *path: str | int) -> str:
        """`file:line:col` of a part of the spec."""
        return self.document.where(path)


def read(path: str | os.PathLike[str]) -> Spec:
    r"""Read and validate a spec file, building its model (without reading its data).

    Raises:
        TypednnError: at the file's line and column, for any problem.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> file = Path(tempfile.mkdtemp()) / "tiny.yaml"
        >>> _ = file.write_text("model:\n  input: [4]\n  layers: [{dense: 3}]\n")
        >>> read(file).model
        Model((4,) -> (3,))
    """
    file = Path(path)
    _check_suffix(file)
    document = read_document(file)
    if not isinstance(document.value, dict):
        raise TypednnError(
            f"{document.where(())}: a spec file is a mapping with a model section, not {show(document.value)}",
            hint="start from an example in examples/",
        )
    try:
        sections = SpecFile.model_validate(document.value)
    except pydantic.ValidationError as error:
        raise_validation(error, document, (), SpecFile)
    name = sections.name or file.stem
    model = graph_from_dict(
        document.value["model"],
        source=str(path),
        name=name,
        locate=lambda part: document.where(("model", *part)),
    )
    _check_names(document, sections.train)
    spec = Spec(file, document, name, model, sections.data, sections.train)
    # The tagged values: validated now so that every error shows at `check` time.
    spec.optimizer()
    if spec.data is not None:
        spec.source()
    return spec


def _check_suffix(file: Path) -> None:
    if file.suffix not in SUFFIXES:
        raise TypednnError(
            f"{file}: a spec file is YAML or JSON ({', '.join(SUFFIXES)}), not {file.suffix or 'without suffix'}",
            hint="name it e.g. model.yaml",
        )


def _check_names(document: Document, train: TrainSection) -> None:
    """Loss and metric names, so a typo shows at `check` time rather than after loading data."""
    checks: list[tuple[tuple[str | int, ...], str, Any]] = [
        (("train", "metrics", i), m, _metrics.get) for i, m in enumerate(train.metrics)
    ]
    if train.loss is not None:
        checks.append((("train", "loss"), train.loss, _losses.get))
    for path, value, lookup in checks:
        try:
            lookup(value)
        except TypednnError as error:
            raise TypednnError(f"{document.where(path)}: {error.message}", hint=error.hint) from None


def check_data(spec: Spec, *, allow_pickle: bool = False) -> Schema:
    """The data's schema, checked against the model's input and output.

    Reads only what the source needs to know its shapes (a CSV's header and first
    rows, a .npy's header), not the whole data.

    Raises:
        TypednnError: at the data source's line for a problem with the data, at the
            model's input for features of another shape, at the last layer for targets
            the model cannot output.
    """
    kind, options = spec.source()
    where = spec.where("data", "source")
    schema = in_spec(where, lambda: SOURCES[kind].schema(options, root=spec.path.parent, allow_pickle=allow_pickle))
    x, y = spec.model.one_to_one(f"{where}: a data section")
    bound = Bindings()  # a named dim has one size in the features and the targets
    try:
        check_features(x.shape, schema.feature_shape, bound=bound)
    except ShapeError as error:
        raise error.at(f"{spec.where('model', 'input')} (data: {schema})") from None
    try:
        check_targets(y.shape, schema.target_shape, schema.classes, bound=bound)
    except ShapeError as error:
        last = len(spec.document.value["model"]["layers"]) - 1
        raise error.at(f"{spec.where('model', 'layers', last)} (data: {schema})") from None
    _check_training(spec, schema)
    return schema


def _check_training(spec: Spec, schema: Schema) -> None:
    """The loss and the metrics against the data's targets, so `check` finds what training would fail on.

    The model's output fits the targets already; what remains is whether the loss can
    take them (`binary_cross_entropy` of class ids cannot) and whether a top-k
    accuracy has k classes to choose from.
    """
    dims = None if schema.target_shape is None else schema.target_shape.dims
    target = None if dims is None else tuple(d for d in dims if isinstance(d, int))
    if dims is None or (target is not None and len(target) == len(dims)):  # a data shape is known
        in_spec(
            f"{spec.where('train', 'loss')}: train.loss",
            lambda: _losses.check_applies(
                _losses.get(spec.loss_name(schema)), classes=schema.classes, target_shape=target
            ),
        )
    for index, name in enumerate(spec.train.metrics):
        metric = _metrics.get(name)
        if isinstance(metric, _metrics.TopKAccuracy) and schema.classes is not None and metric.k > schema.classes:
            raise TypednnError(
                f"{spec.where('train', 'metrics', index)}: {show(name)} counts a hit among the {show(metric.k)}"
                f" highest scores, but the data has {schema.classes} classes",
                hint=f"k is at most the number of classes; top_{schema.classes}_accuracy is always 1",
            )


def in_spec(where: str, work: Callable[[], T]) -> T:
    """Run `work()`, prefixing its TypednnError with the spec position it concerns."""
    try:
        result = work()
    except TypednnError as error:
        raise TypednnError(f"{where}: {error.message}", hint=error.hint) from None
    return result
