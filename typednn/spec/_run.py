"""Running a spec: its data split as it says, its trainer, and a run directory.

A run directory (`typednn train` writes `runs/<spec name>` by default) holds::

    spec.yaml            the spec as it was run (its original suffix)
    checkpoints/         step_<N>/ folders, for --resume
    metrics.csv          one row per epoch, numbered from 1 as the progress bar numbers them
    training.png         the training curves, redrawn every few seconds and at the end
    model/               the trained model: spec.json + weights.safetensors
    test_metrics.json    the test split's metrics, when the spec holds one out
    tensorboard/         TensorBoard's event files (`train.tensorboard: false` turns them off)
    .typednn-run         the marker: typednn resumes or replaces only a directory holding it
    .typednn-run.lock    locked while a run trains; names the process holding it

See `_run_directory` for what `--overwrite` may remove.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from .._files import WRITE_ERRNOS, write_atomic
from .._memory import require as require_memory
from .._model import Model
from .._reading import SPEC_LIMIT, read_regular, size
from ..data import Dataset
from ..data._schema import Schema
from ..data._shard import Shard
from ..data._sources import SOURCES
from ..data.transforms import Columns
from ..distributed import barrier, collective_failures, is_chief, process_count, process_index
from ..export import save
from ..export._dtype import ExportDtype
from ..train import CSVLogger, EarlyStopping, History, PlotHistory, ReduceLROnPlateau, TensorBoard, Trainer
from ..train._checkpoint_callback import Checkpoint
from ..train._losses import get as get_loss
from ..train._progress import ProgressBar, Verbose
from ..train._tensorboard_hparams import flatten
from ._load import Spec, check_data, check_schema, in_spec
from ._run_directory import CHECKPOINTS, METRICS, MODEL, PLOT, TENSORBOARD, TEST_METRICS, claimed, examine
from ._transform_fit import prepare

if TYPE_CHECKING:
    from jax.sharding import Mesh


@dataclass(frozen=True)
class Parts:
    """A spec's data, split as its `data.split` says.

    Attributes:
        schema: The data's schema, checked against the model.
        train: The training examples.
        validation: The validation examples, if the spec holds some out.
        test: The test examples, if the spec holds some out.
    """

    schema: Schema
    train: Dataset[Any, Any]
    validation: Dataset[Any, Any] | None
    test: Dataset[Any, Any] | None
    transform: Columns | None = None
    """The transforms `data.transform` names, fitted on the training split (saved with the model)."""


def load_data(
    spec: Spec, *, allow_pickle: bool = False, transform: Columns | None = None, shard: Shard | None = None
) -> Parts:
    """Read the spec's data, check it against the model, and split it.

    `transform`: fitted column transforms (a trained model's) to apply instead of fitting
    the spec's `data.transform` on the training split; ignored without that section.

    `shard`: `(index, count)`, one process's part of a multi-process job: the source
    reads only that part's rows (`Source.load(..., shard=...)`), and the split is the
    whole source's, each side keeping this part's rows (`Dataset.partition`), so the
    validation and test rows are a one-process run's. A spec with `data.transform` still
    reads the whole table in every process: the fitted statistics are the whole training
    split's.

    Raises:
        TypednnError: at the spec's data source for data problems, or at the model
            for shapes that do not fit.
    """
    if spec.data is not None and spec.data.transform is not None:
        # The csv file read raw, split, the transforms fitted on the training rows alone.
        prepared = prepare(spec, transform)
        schema = check_schema(spec, prepared.schema)
        return Parts(schema, prepared.train, prepared.validation, prepared.test, prepared.columns)
    schema = check_data(spec, allow_pickle=allow_pickle)
    section = spec.data
    assert section is not None  # check_data needs it
    kind, options = spec.source()
    where = spec.where("data", "source")
    data = in_spec(
        where, lambda: SOURCES[kind].load(options, root=spec.path.parent, allow_pickle=allow_pickle, shard=shard)
    )
    split = section.split
    parts = in_spec(
        spec.where("data", "split"),
        lambda: data.partition(validation=split.validation, test=split.test, seed=section.seed),
    )
    return Parts(schema, parts.train, parts.validation, parts.test)


def trainer(
    spec: Spec, schema: Schema, *, model: Model[Any, Any] | None = None, **distributed: Any
) -> Trainer[Any, Any]:
    """A trainer for the spec's model (or another, e.g. a trained one), as its train section says.

    `distributed`: the Trainer's `mesh` and `shard_params`.
    """
    return Trainer(
        model or spec.model,
        loss=spec.loss(schema),
        optimizer=spec.optimizer(),
        metrics=spec.train.metrics,
        loss_weights=spec.train.loss_weights,
        seed=spec.train.seed,
        accumulate=spec.train.accumulate,
        remat=spec.train.remat,
        precision=spec.train.precision,
        **distributed,
    )


def memory_trainer(spec: Spec) -> Trainer[Any, Any]:
    """A trainer for `typednn summary --batch-size` (`Trainer.memory`), without reading the data.

    The train section's loss, or mean squared error when it names none (the usual loss
    depends on the data's targets; a loss adds next to nothing to a step's memory).
    """
    loss = spec.train.loss
    losses: Any = (
        get_loss(loss or "mean_squared_error")
        if not isinstance(loss, dict)
        else {name: get_loss(loss.get(name, "mean_squared_error")) for name in spec.model.output_names}
    )
    return in_spec(
        spec.where("train"),
        lambda: Trainer(
            spec.model,
            loss=losses,
            optimizer=spec.optimizer(),
            seed=spec.train.seed,
            accumulate=spec.train.accumulate,
            remat=spec.train.remat,
            precision=spec.train.precision,
        ),
    )


@dataclass(frozen=True)
class Result:
    """What a run produced.

    Attributes:
        directory: The run directory.
        history: Per-epoch metrics.
        test: The test split's metrics, if the spec holds one out.
    """

    directory: Path
    history: History
    test: dict[str, float] | None


def train(
    spec: Spec,
    directory: Path,
    *,
    allow_pickle: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    verbose: Verbose = "auto",
    mesh: Mesh | None = None,
    shard_params: bool = False,
) -> Result:
    """Train the spec's model on its data, writing a run directory.

    Args:
        spec: The spec.
        directory: The run directory.
        allow_pickle: Trust a pickle data source (only the command line can say so).
        resume: Continue from the run directory's newest checkpoint (a run that
            wrote none yet starts afresh, saying so).
        overwrite: Remove an earlier run's entries from `directory` first (only
            a directory holding typednn's marker; see `_run_directory`).
        verbose: Progress output, as `Trainer.fit` takes it.
        mesh: Train data-parallel over this mesh's `data` axis (a multi-process job
            uses every device of the job by default).
        shard_params: Shard the parameters over the mesh too (FSDP-style).

    In a multi-process job every process calls it; process 0 writes the files, the
    checkpoints are written by all (each its shards).

    Raises:
        TypednnError: for bad data; a directory that holds another run (unless
            resuming or overwriting), files typednn did not write, or a run in
            progress; a disk that is full or read-only (naming the file).
    """
    # In a multi-process job each process reads only its own part of the rows.
    parts = load_data(spec, allow_pickle=allow_pickle, shard=_process_shard())
    # Before the run directory is touched: a model that cannot fit leaves nothing behind.
    in_spec(spec.where("model"), lambda: require_memory(spec.model, spec.optimizer(), batch_size=spec.train.batch_size))
    state = examine(directory, resume=resume, overwrite=overwrite)
    if resume and not state.checkpoint and is_chief() and verbose != 0:
        print(f"{directory}: no checkpoint to resume from yet; starting afresh", file=sys.stderr)
    barrier("typednn-run-checked")  # every process has looked before process 0 changes anything
    try:
        with claimed(directory, overwrite=overwrite and state.earlier) if is_chief() else contextlib.nullcontext():
            if is_chief():
                text = read_regular(spec.path, what="spec file", limit=SPEC_LIMIT)
                write_atomic(directory / f"spec{spec.path.suffix}", text)
            barrier("typednn-run-prepared")
            return _train(spec, parts, directory, resume=resume, verbose=verbose, mesh=mesh, shard_params=shard_params)
    except OSError as error:
        if error.errno not in WRITE_ERRNOS:
            raise
        model = size(spec.model.count_params() * 4)
        raise TypednnError(
            f"{error.filename or directory}: cannot be written: {error.strerror}",
            hint=f"free some space or pass --out on another disk; the model alone takes {model} and each checkpoint"
            " about three times that; the last complete checkpoint is kept for --resume",
        ) from None


def _process_shard() -> Shard | None:
    """This process's part, `(index, count)`, in a job of several processes; None in a one-process run."""
    count = process_count()
    return (process_index(), count) if count > 1 else None


def _train(
    spec: Spec, parts: Parts, directory: Path, *, resume: bool, verbose: Verbose, mesh: Mesh | None, shard_params: bool
) -> Result:
    fitted = trainer(spec, parts.schema, mesh=mesh, shard_params=shard_params)
    options = spec.train
    callbacks = [
        # First, as Keras puts its progress bar: an epoch's line comes before what other
        # callbacks print about it, and the bar stops before a failed checkpoint is raised.
        ProgressBar(verbose=verbose),
        Checkpoint(directory / CHECKPOINTS, **options.checkpoint.model_dump()),
        CSVLogger(directory / METRICS),
        PlotHistory(directory / PLOT),
    ]
    if options.early_stopping is not None:
        callbacks.append(EarlyStopping(**options.early_stopping.model_dump()))
    if options.reduce_lr_on_plateau is not None:
        plateau = options.reduce_lr_on_plateau.model_dump()
        # --quiet silences its notices too; else the spec's `verbose` (1 by default) says.
        callbacks.append(ReduceLROnPlateau(**{**plateau, "verbose": plateau["verbose"] if verbose != 0 else 0}))
    if options.tensorboard:
        callbacks.append(TensorBoard(directory / TENSORBOARD, hparams=flatten(options.optimizer, prefix="optimizer")))
    history = fitted.fit(
        parts.train,
        epochs=options.epochs,
        batch_size=options.batch_size,
        validation=parts.validation,
        callbacks=callbacks,
        verbose=verbose,
        resume=resume,
        class_weight=options.class_weight,
    )
    if parts.transform is None:
        fitted.save(str(directory / MODEL), dtype=options.export_dtype)
    else:
        _save_with(fitted, directory / MODEL, parts.transform, dtype=options.export_dtype)
    test = None
    if parts.test is not None:
        test = fitted.evaluate(parts.test)
        if is_chief():
            write_atomic(directory / TEST_METRICS, (json.dumps(test, indent=2) + "\n").encode())
    return Result(directory, history, test)


def _save_with(fitted: Trainer[Any, Any], directory: Path, transform: Columns, *, dtype: ExportDtype) -> None:
    """`Trainer.save`, with the fitted transforms in the export (so `typednn predict` takes raw rows)."""
    with collective_failures():
        params = fitted.host_params()
        if is_chief():
            save(fitted.model, params, directory, transform=transform, dtype=dtype)
        barrier(f"typednn-save-{directory}")
