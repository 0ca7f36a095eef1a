"""The commands about one spec or model: summary, train, evaluate, predict, codegen, schema.

Each command imports what it runs (the spec package, JAX) when it runs: `typednn --help`
and `typednn check model.py` need neither, and JAX takes a second or two to import.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import TypednnError
from .._files import write_atomic
from . import _distributed
from ._usage import UsageError, existing

if TYPE_CHECKING:
    from ..data.transforms import Columns

PICKLE_HELP = "trust pickle data sources: loading a pickle runs any code the file holds"


def add_summary(commands: Any) -> None:
    command = commands.add_parser(
        "summary",
        help="a table of the layers, their output shapes and parameter counts",
        description=(
            "Print a Keras-style table of a spec's model, or of an exported model (a directory that tn.save or"
            " `typednn train` wrote): each layer, its output shape and parameters."
        ),
    )
    command.add_argument("file", metavar="FILE", type=existing, help="a spec file, or an exported model's directory")
    command.add_argument(
        "--batch-size",
        metavar="N",
        type=_positive,
        help="also compile (not run) one training step at this batch size and print its peak memory"
        " from XLA's memory analysis, on the current backend (takes seconds)",
    )
    command.set_defaults(run=_summary)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"a batch size is an int from 1 to 2**31 - 1, not {text!r}")
    return value


def _summary(args: argparse.Namespace) -> int:
    from ..spec import read  # noqa: PLC0415 - see the module docstring

    if Path(args.file).is_dir():
        return _summary_of_export(args)
    spec = read(args.file)
    print(spec.model.summary(batch_size=args.batch_size or spec.train.batch_size))
    if args.batch_size is not None:
        from ..spec._run import memory_trainer  # noqa: PLC0415

        print(memory_trainer(spec).memory(args.batch_size).line())
    return 0


def _summary_of_export(args: argparse.Namespace) -> int:
    """`typednn summary DIR`: an export's table, and with --batch-size its step memory under assumed training."""
    from ..export import load  # noqa: PLC0415 - see the module docstring
    from ..train._step_memory import EXPORT_ASSUMPTIONS, export_trainer  # noqa: PLC0415

    model = load(args.file)[0]
    print(model.summary(batch_size=args.batch_size))
    if args.batch_size is not None:
        print(export_trainer(model).memory(args.batch_size).line())
        # An export does not say how it was trained: the figure is for the assumed loss and optimizer.
        print(f"  (training assumed: {EXPORT_ASSUMPTIONS}, float32; an export records neither loss nor optimizer)")
    return 0


def add_train(commands: Any) -> None:
    command = commands.add_parser(
        "train",
        help="train a spec's model on its data and export it",
        description=(
            "Check the spec, read and split its data, train with a progress bar, and write a run directory:"
            " checkpoints/, metrics.csv, training.png (the curves), model/ (the exported model) and"
            " test_metrics.json when the spec holds out a test split."
        ),
    )
    command.add_argument("file", metavar="FILE", type=existing, help="a spec file")
    command.add_argument("--out", metavar="DIR", type=Path, help="the run directory (default: runs/<spec name>)")
    command.add_argument("--resume", action="store_true", help="continue the run in DIR from its newest checkpoint")
    command.add_argument("--overwrite", action="store_true", help="delete an earlier run in DIR first")
    command.add_argument("--quiet", action="store_true", help="no progress output")
    command.add_argument("--allow-pickle", action="store_true", help=PICKLE_HELP)
    _distributed.add_options(command)
    command.set_defaults(run=_train)


def _train(args: argparse.Namespace) -> int:
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite contradict each other", hint="pass one of them")
    _distributed.check(args)
    if args.processes is not None:
        from ..distributed._launch import launch, without_option  # noqa: PLC0415

        return launch(without_option(args.argv, "--processes"), args.processes)
    if not _distributed.join(args):
        return _train_here(args)
    from ..distributed import is_chief  # noqa: PLC0415

    return _train_here(args, chief=is_chief())


def _train_here(args: argparse.Namespace, *, chief: bool = True) -> int:
    from ..spec import read, train  # noqa: PLC0415

    spec = read(args.file)
    out = args.out or Path("runs") / spec.name
    result = train(
        spec,
        out,
        allow_pickle=args.allow_pickle,
        resume=args.resume,
        overwrite=args.overwrite,
        verbose=0 if args.quiet else "auto",
        **_distributed.trainer_options(args),
    )
    if not chief:
        return 0
    if result.test is not None:
        print("test: " + ", ".join(f"{name} {value:.4f}" for name, value in result.test.items()))
    print(f"run directory: {result.directory} (model in {result.directory / 'model'})")
    return 0


def add_evaluate(commands: Any) -> None:
    command = commands.add_parser(
        "evaluate",
        help="a trained model's loss and metrics on a spec's test split",
        description=(
            "Evaluate the model in DIR on the spec's data: its test split when it holds one out, else all of it."
            " The loss and metrics are the spec's. A model saved with column transforms makes its features"
            " from the spec's raw rows with its own fitted transforms, never fitted again."
        ),
    )
    command.add_argument("file", metavar="FILE", type=existing, help="a spec file")
    command.add_argument("--model", metavar="DIR", type=existing, required=True, help="an exported model directory")
    command.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    command.add_argument("--allow-pickle", action="store_true", help=PICKLE_HELP)
    command.set_defaults(run=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    from .._shapes import ShapeError  # noqa: PLC0415
    from ..export import load  # noqa: PLC0415
    from ..spec import load_data, read  # noqa: PLC0415
    from ..train import evaluate  # noqa: PLC0415

    spec = read(args.file)
    model, params = loaded = load(args.model)
    # The model's own fitted transforms (saved with it), not the spec's fitted again.
    parts = load_data(spec, allow_pickle=args.allow_pickle, transform=loaded.transform)
    data = parts.test if parts.test is not None else parts.train
    try:
        # No trainer: evaluating needs the parameters, the loss and the metrics, not an optimizer.
        scores = evaluate(
            model,
            params,
            data,
            loss=spec.loss(parts.schema),
            metrics=spec.train.metrics,
            loss_weights=spec.train.loss_weights,
        )
    except ShapeError as error:  # say which model and which data disagree
        raise error.at(f"{args.model} on the data of {spec.path}") from None
    if args.json:
        print(json.dumps(scores))
    else:
        split = "test split" if parts.test is not None else "all the data (the spec holds out no test split)"
        print(f"{args.model} on {split} of {spec.path} ({len(data)} examples):")
        for name, value in scores.items():
            print(f"  {name}: {value:.4f}")
    return 0


def add_predict(commands: Any) -> None:
    command = commands.add_parser(
        "predict",
        help="a trained model's outputs for inputs in a CSV or NPY file",
        description=(
            "Run the model in DIR on INPUT: a CSV file (one example per row, a header of column names, every"
            " column a feature) or a .npy array (examples along the first axis). Writes CSV: one row per"
            " example, one column per output value (output_0, output_1, ...); with --classes, the class id with"
            " the highest score instead. A model with several inputs takes one INPUT per input, in its order,"
            " or one .npz archive with an array per input name; with several outputs, -o names a directory"
            " that gets one CSV file per output (<output name>.csv). A model saved with column transforms"
            " (tn.save(..., transform=prep)) takes one raw CSV, Parquet, Arrow (.feather) or JSON Lines file: its"
            " named columns, numbers and text, go through the saved transforms (other columns are ignored)."
        ),
    )
    command.add_argument("input", metavar="INPUT", type=existing, nargs="+", help="a .csv or .npy file of inputs")
    command.add_argument("--model", metavar="DIR", type=existing, required=True, help="an exported model directory")
    command.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write the CSV here (default: stdout); a directory for several",
    )
    command.add_argument("--classes", action="store_true", help="write the highest-scoring class id per example")
    command.set_defaults(run=_predict)


def _predict(args: argparse.Namespace) -> int:
    from ..data import read_input_arrays  # noqa: PLC0415
    from ..export import load  # noqa: PLC0415
    from ..train import predict  # noqa: PLC0415

    loaded = load(args.model)
    model, params = loaded
    outputs = model.graph.outputs
    if len(outputs) > 1 and args.output is None:
        raise UsageError(f"the model has {len(outputs)} outputs ({', '.join(model.output_names)}): give -o DIR")
    if len(outputs) > 1 and args.classes:
        raise UsageError("--classes takes a model with one output; read the class scores from its CSV file")
    shapes = [x.shape for x in model.graph.inputs]
    if loaded.transform is not None:  # raw rows: the transforms saved with the model make the features
        inputs = {model.input_names[0]: _transformed(args.input, loaded.transform)}
    else:
        inputs = read_input_arrays(args.input, model.input_names, shapes)
    found = predict(model, params, inputs, batch_size=_BATCH)
    results = found if isinstance(found, tuple) else (found,)
    texts = []
    for result in results:
        array = np.asarray(result)
        flat = array.reshape(len(array), -1)  # a named dim has the size the inputs gave it
        buffer = io.StringIO()
        if args.classes:
            np.savetxt(buffer, flat.argmax(axis=1), fmt="%d", header="class", comments="")
        else:
            header = ",".join(f"output_{i}" for i in range(flat.shape[1]))
            np.savetxt(buffer, flat, fmt="%.9g", delimiter=",", header=header, comments="")
        texts.append(buffer.getvalue())
    if len(texts) == 1:
        return _write(args.output, texts[0])
    return _write_each(args.output, dict(zip(model.output_names, texts)))


_BATCH = 1024


def _transformed(paths: list[Path], transform: Columns) -> np.ndarray[Any, Any]:
    """The features of a raw table file (CSV, Parquet, Arrow, JSON Lines), made by the saved transforms."""
    from ..data import table  # noqa: PLC0415 - see the module docstring
    from ..data._raw_table_read import SUFFIXES  # noqa: PLC0415

    if len(paths) != 1 or paths[0].suffix.lower() not in SUFFIXES:
        raise UsageError(
            "the model was saved with column transforms, so it predicts on one raw table file",
            hint=f"give one {', '.join(SUFFIXES)} file with the columns {', '.join(map(repr, transform.names))}",
        )
    return transform.features(table(paths[0]))


def _write_each(folder: Path, texts: dict[str, str]) -> int:
    """One CSV file per output in `folder` (made if missing), never over a file already there."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: not a directory; with several outputs, -o names a directory")
    files = {name: folder / f"{name}.csv" for name in texts}
    taken = [str(path) for path in files.values() if os.path.lexists(path)]
    if taken:
        raise TypednnError(
            f"{', '.join(taken)}: already there; typednn predict does not write over files",
            hint="give -o a new directory, or move the old results away",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TypednnError(f"{folder}: cannot make the directory: {error.strerror}") from None
    for name, text in texts.items():
        write_atomic(files[name], text.encode())
    return 0


def add_codegen(commands: Any) -> None:
    command = commands.add_parser(
        "codegen",
        help="typed Python that builds a spec's model",
        description=(
            "Write a Python module whose build_model() builds the spec's model: the same layers, names and"
            " wiring, with every shape in the types, so it passes mypy --strict with the typednn plugin and"
            " gives the same outputs for the same parameters."
        ),
    )
    command.add_argument("file", metavar="FILE", type=existing, help="a spec file")
    command.add_argument("-o", "--output", metavar="FILE", type=Path, help="the .py file (default: stdout)")
    command.set_defaults(run=_codegen)


def _codegen(args: argparse.Namespace) -> int:
    from ..spec import codegen, read  # noqa: PLC0415

    spec = read(args.file)
    _write(args.output, codegen(spec.model, source=str(args.file)))
    return 0


def add_schema(commands: Any) -> None:
    command = commands.add_parser(
        "schema",
        help="the JSON Schema of spec files, for editors",
        description="Print the JSON Schema of spec files (for YAML/JSON editors' completion and validation).",
    )
    command.add_argument("-o", "--output", metavar="FILE", type=Path, help="write it here (default: stdout)")
    command.set_defaults(run=_schema)


def _schema(args: argparse.Namespace) -> int:
    from ..spec import json_schema  # noqa: PLC0415

    return _write(args.output, json.dumps(json_schema(), indent=2) + "\n")


def _write(path: Path | None, text: str) -> int:
    if path is None:
        sys.stdout.write(text)
        return 0
    if path.is_dir():
        raise UsageError(f"{path}: a directory; give a file name")
    try:
        write_atomic(path, text.encode())
    except FileNotFoundError:
        raise TypednnError(f"{path}: its directory does not exist") from None
    return 0
