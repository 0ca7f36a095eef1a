"""Reading a spec file: text -> validated sections -> a model checked by the shape rules.

Every error names the file, line and column it is about (`spec.yaml:12:9: ...`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import optax
import pydantic

from .._errors import TypednnError, all_errors
from .._model import Model
from .._shapes import ShapeError
from .._shapes._bindings import Bindings
from .._shapes._data import check_features, check_fit_all, check_targets
from .._words import did_you_mean, show
from ..data._schema import Schema
from ..data._sources import SOURCES
from ..data.transforms import Columns
from ..export._graph_json import graph_from_dict
from ..train import _losses, _metrics
from ..train._remat import remat_spans
from ._errors import raise_validation
from ._schema import OPTIMIZERS, DataSection, SpecFile, TrainSection, optimizer_kinds, source_kinds
from ._text import Document, read_document
from ._transform import section_errors, transform_columns

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
        """The loss of a model with one output: as named, or the usual one for the targets."""
        loss = self.train.loss
        return loss if isinstance(loss, str) else _usual_loss(schema.classes)

    def losses(self, schema: Schema) -> dict[str, str]:
        """Each output's loss by name: as the train section names it, or the usual one for its targets."""
        outputs = self.model.output_names
        several = schema.several
        if several is None:
            return {outputs[0]: self.loss_name(schema)}
        loss = self.train.loss
        if isinstance(loss, str):
            return dict.fromkeys(outputs, loss)
        classes = dict(zip(several.target_names, several.target_classes))
        return {name: (loss or {}).get(name) or _usual_loss(classes.get(name)) for name in outputs}

    def loss(self, schema: Schema) -> Any:
        """The loss as the Trainer takes it: a function, or for several outputs a dict of them by name."""
        found = {name: _losses.get(loss) for name, loss in self.losses(schema).items()}
        return next(iter(found.values())) if len(found) == 1 else found

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

    def transform(self) -> Columns | None:
        """The column transforms `data.transform` names (not fitted), or None without that section."""
        if self.data is None or self.data.transform is None:
            return None
        return transform_columns(self.document, self.data.transform)

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
    # Every independent problem is reported in one run (a spec with four typos should not
    # take four): each part is checked unless an error above already covers it.
    errors: list[TypednnError] = []
    sections: SpecFile | None = None
    wrong: list[tuple[str | int, ...]] = []  # where pydantic found errors: the rest is checked on
    try:
        sections = SpecFile.model_validate(document.value)
    except pydantic.ValidationError as error:
        wrong = [problem["loc"] for problem in error.errors()]
        try:
            raise_validation(error, document, (), SpecFile)
        except TypednnError as found:
            errors.append(found)
    name = sections.name if sections is not None and sections.name else file.stem
    model: Model[Any, Any] | None = None
    if _sound(("model",), wrong) and "model" in document.value:
        model = _caught(
            errors,
            lambda: graph_from_dict(
                document.value["model"],
                source=str(path),
                name=name,
                locate=lambda part: document.where(("model", *part)),
            ),
        )
    # The tagged values: validated now so that every error shows at `check` time.
    for section, key, kinds in (("train", "optimizer", optimizer_kinds), ("data", "source", source_kinds)):
        value = document.value.get(section)
        if _sound((section, key), wrong) and isinstance(value, dict) and key in value:
            _caught(errors, lambda: kinds().parse(value[key], document, (section, key)))  # noqa: B023 - run at once
    if sections is not None:
        errors += _check_names(document, sections.train, model)
        errors += _check_remat(document, sections.train, model)
    data = document.value.get("data")
    if _sound(("data", "transform"), wrong) and isinstance(data, dict) and isinstance(data.get("transform"), dict):
        source = data.get("source") if _sound(("data", "source"), wrong) else None
        errors += section_errors(document, data["transform"], source)
    if errors:
        raise all_errors(sorted(errors, key=lambda error: _position(str(error))))
    assert sections is not None and model is not None
    return Spec(file, document, name, model, sections.data, sections.train)


def _position(message: str) -> tuple[float, float]:
    """The `file:line:col` a message starts with, to list a file's errors in its order (unknown: last)."""
    found = re.match(r"[^\n]*?:(\d+):(\d+)", message)
    return (int(found[1]), int(found[2])) if found else (math.inf, math.inf)


def _sound(part: tuple[str, ...], wrong: list[tuple[str | int, ...]]) -> bool:
    """Whether no error found is about `part` of the spec, or about a part that holds it."""
    return not any(loc[: len(part)] == part or part[: len(loc)] == loc for loc in wrong)


def _caught(errors: list[TypednnError], work: Callable[[], T]) -> T | None:
    """`work()`'s result; or None, adding the TypednnError it raised to `errors`."""
    try:
        return work()
    except TypednnError as error:
        errors.append(error)
        return None


def _check_suffix(file: Path) -> None:
    if file.suffix not in SUFFIXES:
        raise TypednnError(
            f"{file}: a spec file is YAML or JSON ({', '.join(SUFFIXES)}), not {file.suffix or 'without suffix'}",
            hint="name it e.g. model.yaml",
        )


def _check_names(document: Document, train: TrainSection, model: Model[Any, Any] | None) -> list[TypednnError]:
    """Loss, metric and output names, so a typo shows at `check` time rather than after loading data.

    Returns:
        What is wrong: an output the model lacks (checked only with a model), else every
        unknown loss and metric name.
    """
    metrics = train.metrics if isinstance(train.metrics, dict) else {None: train.metrics}
    checks: list[tuple[tuple[str | int, ...], str, Any]] = []
    for output, names in metrics.items():
        where: tuple[str | int, ...] = ("train", "metrics") if output is None else ("train", "metrics", output)
        checks += [((*where, i), m, _metrics.get) for i, m in enumerate(names)]
    losses = train.loss if isinstance(train.loss, dict) else {}
    if isinstance(train.loss, str):
        checks.append((("train", "loss"), train.loss, _losses.get))
    checks += [(("train", "loss", output), name, _losses.get) for output, name in losses.items()]
    try:
        if model is not None:
            _check_outputs(document, train, model, {"loss": losses, "metrics": metrics})
    except TypednnError as error:
        return [error]  # as before: names are looked up once the outputs are right
    errors = []
    for path, value, lookup in checks:
        try:
            lookup(value)
        except TypednnError as error:
            errors.append(TypednnError(f"{document.where(path)}: {error.message}", hint=error.hint))
    return errors


def _check_remat(document: Document, train: TrainSection, model: Model[Any, Any] | None) -> list[TypednnError]:
    """`train.remat`'s layer names, against the model, at their line (`Trainer(remat=...)`'s check)."""
    if model is None or isinstance(train.remat, bool):
        return []
    errors = []
    for i, entry in enumerate(train.remat):
        try:
            remat_spans(model.graph, [entry])
        except TypednnError as error:
            message = error.message.removeprefix("Trainer: ")
            errors.append(TypednnError(f"{document.where(('train', 'remat', i))}: {message}", hint=error.hint))
    return errors


def _check_outputs(document: Document, train: TrainSection, model: Model[Any, Any], named: dict[str, Any]) -> None:
    """The outputs that train's loss, metrics and loss weights name: the model's."""
    outputs = model.output_names
    for key, names in (*named.items(), ("loss_weights", train.loss_weights or {})):
        for output in names:
            if output is not None and output not in outputs:
                raise TypednnError(
                    f"{document.where(('train', key, output))}: the model has no output {output!r}"
                    f"{did_you_mean(output, outputs)}",
                    hint=f"its outputs are {', '.join(map(repr, outputs))}",
                )
    if isinstance(train.metrics, list) and train.metrics and len(outputs) > 1:
        raise TypednnError(
            f"{document.where(('train', 'metrics'))}: the model has {len(outputs)} outputs: give metrics per output",
            hint=f"e.g. metrics: {{{outputs[0]}: [accuracy]}}",
        )


def check_data(spec: Spec, *, allow_pickle: bool = False) -> Schema:
    """The data's schema, checked against the model's input and output.

    Reads only what the source needs to know its shapes (a CSV's header and first
    rows, a .npy's header), not the whole data; with a `data.transform` section, the
    whole file, to fit the transforms on the training split (a vocabulary decides a
    width); the schema then also lists each column's width (`TransformedSchema`).

    Raises:
        TypednnError: at the data source's line for a problem with the data, at the
            model's input for features of another shape, at the last layer for targets
            the model cannot output, at the transform section for columns the data lacks.
    """
    if spec.data is not None and spec.data.transform is not None:
        from ._transform_fit import prepare  # noqa: PLC0415 - it reads a Spec: imported when one is read

        return check_schema(spec, prepare(spec).schema)
    kind, options = spec.source()
    where = spec.where("data", "source")
    schema = in_spec(where, lambda: SOURCES[kind].schema(options, root=spec.path.parent, allow_pickle=allow_pickle))
    return check_schema(spec, schema)


def check_schema(spec: Spec, schema: Schema) -> Schema:
    """The data's schema (found by `check_data`), checked against the model's input and output."""
    where = spec.where("data", "source")
    model = spec.model
    if schema.several is not None or len(model.graph.inputs) > 1 or len(model.graph.outputs) > 1:
        _check_several(spec, schema, where)
        _check_training(spec, schema)
        return schema
    (x,), (y,) = model.graph.inputs, model.graph.outputs
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


def _usual_loss(classes: int | None) -> str:
    """The loss a train section need not name: cross-entropy for class ids, squared error for values."""
    return "softmax_cross_entropy" if classes is not None else "mean_squared_error"


def in_spec(where: str, work: Callable[[], T]) -> T:
    """Run `work()`, prefixing its TypednnError with the spec position it concerns."""
    try:
        result = work()
    except TypednnError as error:
        raise TypednnError(f"{where}: {error.message}", hint=error.hint) from None
    return result


def _check_several(spec: Spec, schema: Schema, where: str) -> None:
    """A source of several arrays against a model of several inputs or outputs: by name, then by the rule."""
    model = spec.model
    several = schema.several
    if several is None:
        raise TypednnError(
            f"{where}: the model has {len(model.graph.inputs)} input(s) ({', '.join(model.input_names)}) and"
            f" {len(model.graph.outputs)} output(s) ({', '.join(model.output_names)}), but the source gives one"
            " feature array and one target array",
            hint="name an array per input and per output: npz: {path: ..., features: [...], targets: [...]},"
            " or csv: {path: ..., features: {input: [columns]}, label: {output: column}}",
        )
    for what, names, wanted in (
        ("features", several.feature_names, model.input_names),
        ("targets", several.target_names, model.output_names),
    ):
        if sorted(names) != sorted(wanted):
            raise TypednnError(
                f"{where}: the source's {what} are {', '.join(map(repr, names))}, but the model's"
                f" {'inputs' if what == 'features' else 'outputs'} are {', '.join(map(repr, wanted))}",
                hint="name the arrays as the model's inputs and outputs, which the trainer matches by name",
            )
    x_at = {name: i for i, name in enumerate(several.feature_names)}
    y_at = {name: i for i, name in enumerate(several.target_names)}
    try:
        check_fit_all(
            tuple(x.shape for x in model.graph.inputs),
            tuple(y.shape for y in model.graph.outputs),
            tuple(several.feature_shapes[x_at[name]] for name in model.input_names),
            tuple(several.target_shapes[y_at[name]] for name in model.output_names),
            tuple(several.target_classes[y_at[name]] for name in model.output_names),
            input_names=model.input_names,
            output_names=model.output_names,
        )
    except ShapeError as error:
        raise error.at(f"{where} (data: {schema})") from None


def _check_training(spec: Spec, schema: Schema) -> None:
    """The losses and the metrics against the data's targets, so `check` finds what training would fail on.

    The model's outputs fit the targets already; what remains is whether each loss can
    take its targets (`binary_cross_entropy` of class ids cannot) and whether a top-k
    accuracy has k classes to choose from.
    """
    several = schema.several
    if several is None:
        targets = {spec.model.output_names[0]: (schema.target_shape, schema.classes)}
    else:
        targets = dict(zip(several.target_names, zip(several.target_shapes, several.target_classes)))
    losses = spec.losses(schema)
    for output, (shape, classes) in targets.items():
        dims = None if shape is None else shape.dims
        target = None if dims is None else tuple(d for d in dims if isinstance(d, int))
        if dims is None or (target is not None and len(target) == len(dims)):  # a data shape is known
            named = output if several is not None else None
            where = spec.where("train", "loss") if not isinstance(spec.train.loss, dict) else spec.where("train")
            try:
                _losses.check_applies(_losses.get(losses[output]), classes=classes, target_shape=target, output=named)
            except TypednnError as error:
                raise TypednnError(f"{where}: train.loss: {error.message}", hint=error.hint) from None
    metrics = spec.train.metrics
    for output, names in metrics.items() if isinstance(metrics, dict) else [(None, metrics)]:
        classes = targets[output][1] if output is not None else schema.classes
        for index, name in enumerate(names):
            metric = _metrics.get(name)
            if isinstance(metric, _metrics.TopKAccuracy) and classes is not None and metric.k > classes:
                path = ("train", "metrics", index) if output is None else ("train", "metrics", output, index)
                raise TypednnError(
                    f"{spec.where(*path)}: {show(name)} counts a hit among the {show(metric.k)}"
                    f" highest scores, but the data has {classes} classes",
                    hint=f"k is at most the number of classes; top_{classes}_accuracy is always 1",
                )
