"""Run every benchmark, print the figures and, with ``--write``, record them in bench/RESULTS.md.

Usage: ``python bench/run.py [--write] [--rounds N] [--fit-mlp-repeats N] [--fit-cnn-repeats N]
[--long-epochs N] [--seq2seq-repeats N] [--cold-rounds N] [--warm-rounds N] [--csv-rounds N] [--csv-rows N]
[--zoo-compile-repeats N] [--zoo-rounds N] [--keras-rounds N] [--parquet-rounds N] [--parquet-rows N]
[--folder-rounds N] [--folder-images N] [--wait-examples N] [--wait-batch-size N] [--wait-epochs N]
[--start-rounds N] [--onnx-calls N] [--serve-seconds S]``.
The targets come from the issue: typed / Flax NNX step time <= 1.03; a `fit` epoch, typednn / Keras <= 0.9 and typednn /
scan loop <= 1.05, with the MLP's fit at >= 60% of matmul FLOP/s; mypy with the plugin / without
it <= 1.5 cold and <= 1.3 warm, on the examples and on the typecheck corpus; reading a CSV file,
typednn / pyarrow <= 1.5; the zoo's compile and train step, typednn /
hand-written Flax NNX <= 1.05 (the seq2seq Transformer among them); importing Keras's ResNet-50,
`tn.import_keras` / `keras.saving.load_model` <= 1.0; the seq2seq Transformer's
`fit` epoch, typednn / Keras, is measured without a target; reading a Parquet file, typednn /
pyarrow.dataset <= 1.2; an image folder's decode (+ flip and crop) against a Pillow loop, without a
target; the share of a ResNet-18 epoch spent waiting for input < 5%; the first epoch from a fresh
process, compile included, typednn / Keras <= 1.0, and a second run's launch to first step < 2 s
with the compilation cache; `typednn serve` >= 3x a naive server's throughput at 64 clients; ONNX Runtime
against `model.apply`, without a target. The GPU table runs in its CPU-sized form (`gpu.py --small`: every
cell runs, its GPU targets are reported as not measured). Each figure is a ratio against its peer in the same run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import cli_overhead
import csv_ingest
import first_step
import forward_backward
import gpu
import image_folder
import input_wait
import jax
import keras_import
import long_fit
import mypy_time
import onnx_runtime
import parquet_ingest
import seq2seq_fit
import serve
import train_speed
import zoo_speed
from _common import add_option, verdict

# The benchmarks time compiling (warm-up epochs, the zoo's compile): typednn's persistent
# compilation cache would serve them from disk after the first run. `first_step` sets it per child.
os.environ.setdefault("TYPEDNN_COMPILATION_CACHE", "0")

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
STEP_TARGET = 1.03
MYPY_TARGETS = {"cold": 1.5, "warm": 1.3}


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """Cores, CPU, Python and the versions that matter, on one line."""
    names = ("jax", "jaxlib", "flax", "optax", "keras", "mypy")
    versions = ", ".join(f"{name} {version(name)}" for name in names)
    return (
        f"{os.cpu_count()} cores, {cpu_model()}; JAX backend {jax.default_backend()}; "
        f"Python {platform.python_version()}; {versions}"
    )


@dataclass(frozen=True)
class Figures:
    """Every benchmark's results from one run."""

    steps: list[forward_backward.Comparison]
    fits: list[train_speed.Case]
    long: long_fit.LongFit
    seq2seq: tuple[train_speed.Case, dict[str, int]]  # the seq2seq fit epochs, and the parameter counts
    checks: list[mypy_time.MypyTimes]
    ingest: csv_ingest.Ingest
    zoo: list[zoo_speed.Result]
    overhead: cli_overhead.Overhead
    keras_import: keras_import.Imports
    parquet: parquet_ingest.Ingest
    images: image_folder.Throughput
    waits: input_wait.Waits
    starts: list[first_step.Start]
    onnx: list[onnx_runtime.Case]
    serving: serve.Serving
    gpu: gpu.Results  # the CPU-sized form (`gpu.py --small`); GPU figures come from a GPU run


def targets(figures: Figures) -> list[str]:
    """One Markdown bullet per target."""
    steps, fits, checks, ingest = figures.steps, figures.fits, figures.checks, figures.ingest
    lines = []
    for result in steps:
        ratio = result.ratio(result.baseline)
        lines.append(f"- {result.model}: typed / {result.baseline} = {verdict(ratio, STEP_TARGET)}")
    lines.extend(train_speed.targets(fits))
    lines.extend(long_fit.targets(figures.long))
    lines.extend(seq2seq_fit.targets(figures.seq2seq[0]))
    for check in checks:
        for situation in check.runs:
            ratio = verdict(check.ratio(situation), MYPY_TARGETS[situation])
            lines.append(f"- mypy {situation} on {check.note}: plugin / no plugin = {ratio}")
    lines.extend(csv_ingest.targets(ingest))
    lines.extend(zoo_speed.targets(figures.zoo))
    lines.extend(cli_overhead.targets(figures.overhead))
    lines.extend(keras_import.targets(figures.keras_import))
    lines.extend(parquet_ingest.targets(figures.parquet))
    lines.extend(image_folder.targets(figures.images))
    lines.extend(input_wait.targets(figures.waits))
    lines.extend(first_step.targets(figures.starts))
    lines.extend(onnx_runtime.targets(figures.onnx))
    lines.extend(serve.targets(figures.serving))
    lines.extend(gpu.targets(figures.gpu))
    return lines


def notes(figures: Figures) -> list[str]:
    """What the figures rest on: identical programs, equal gradients, which files were checked."""
    steps, fits, checks, ingest = figures.steps, figures.fits, figures.checks, figures.ingest
    lines = []
    for result in steps:
        same = "the same StableHLO as" if result.same_program else "a DIFFERENT StableHLO from"
        lines.append(
            f"- {result.model}: typed compiles to {same} nnx-pure; with the same weights the "
            f"gradients differ by at most {result.max_grad_diff:.1e}; {result.rounds} rounds "
            f"of {result.iterations} alternating calls per implementation."
        )
    lines.extend(train_speed.notes(fits))
    lines.extend(long_fit.notes(figures.long))
    lines.extend(seq2seq_fit.notes(*figures.seq2seq))
    for check in checks:
        lines.append(f"- mypy checked {check.note}; warm rounds voided by edits to typednn meanwhile: {check.voided}.")
    lines.extend(csv_ingest.notes(ingest))
    lines.extend(zoo_speed.notes(figures.zoo))
    lines.extend(cli_overhead.notes(figures.overhead))
    lines.extend(keras_import.notes(figures.keras_import))
    lines.extend(parquet_ingest.notes(figures.parquet))
    lines.extend(image_folder.notes(figures.images))
    lines.extend(input_wait.notes(figures.waits))
    lines.extend(first_step.notes(figures.starts))
    lines.extend(onnx_runtime.notes(figures.onnx))
    lines.extend(serve.notes(figures.serving))
    lines.extend(gpu.notes(figures.gpu))
    return lines


def report(figures: Figures, load: str) -> str:
    """The whole of RESULTS.md."""
    steps, fits, checks, ingest = figures.steps, figures.fits, figures.checks, figures.ingest
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "# Benchmark results",
            "",
            "Generated by `python bench/run.py --write`; do not edit by hand. Every figure is a",
            "ratio against its peer measured in the same run (see `bench/README.md`).",
            "",
            f"- Date: {today}",
            f"- Machine: {machine()}",
            f"- Load average (1, 5, 15 min) before / after: {load}",
            "",
            "## Targets",
            "",
            *targets(figures),
            "",
            "## Forward + backward step (jitted value_and_grad of mean softmax cross-entropy)",
            "",
            forward_backward.table(steps),
            "",
            "Compile is the first call (trace, compile, one run). Step is the median of all timed calls.",
            "The ratio column is typed / that implementation: the median over pairs of calls made side",
            "by side, and in brackets the range of the per-round medians.",
            "",
            "## Training speed: one epoch of `fit` (adam 1e-3, softmax cross-entropy, random data)",
            "",
            train_speed.table(fits),
            "",
            "The warm-up epoch includes compiling. Then the contenders take turns, one epoch each per round",
            "in rotating order; the ratio column is typednn's best epoch / that contender's best epoch.",
            "typednn and Keras get NumPy arrays each `fit`; the hand-written loops keep the data on device.",
            "",
            train_speed.flops_table(fits),
            "",
            f"## Training speed: one {figures.long.epochs}-epoch `fit` of the CNN, typednn against Keras 3",
            "",
            long_fit.table(figures.long),
            "",
            "One `fit(epochs=N)` each, compile included (no compilation cache); later epoch is the median of",
            "the second half. typednn runs one step per dispatch in the first epoch and eight in the later",
            "ones when the fit's FLOPs pay for compiling them (the chunking per epoch is in the notes).",
            "",
            "## Training speed: the seq2seq Transformer, typednn `fit` against Keras 3 `fit`",
            "",
            train_speed.table([figures.seq2seq[0]]),
            "",
            seq2seq_fit.params_table(figures.seq2seq[1]),
            "",
            "`zoo.transformer_seq2seq()` and the same network from Keras's own layers (two int32 inputs of 32 ids,",
            "a class id per target position, mean cross-entropy over the positions, adam 1e-3); warm-up, turns and",
            "ratio as above. No target: the issue asks for the measurement.",
            "",
            "## mypy with and without `plugins = typednn.mypy`",
            "",
            *(line for check in checks for line in (f"On {check.note}:", "", mypy_time.table(check), "")),
            f"## CSV ingest: {ingest.rows:,} rows of {csv_ingest.COLUMNS} floats and a label, into NumPy",
            "",
            csv_ingest.table(ingest),
            "",
            "Each contender's best of its timed calls (after a warm-up call; the file is in the page cache).",
            "`typednn stream` converts the file into memory-mapped `.npy` files (`cache=`); `typednn cached`",
            "maps them again. The ratio column is typednn's best / that reader's best.",
            "",
            "## The zoo against hand-written Flax NNX: one training step "
            f"({zoo_speed.OPTIMIZER}, softmax cross-entropy)",
            "",
            zoo_speed.table(figures.zoo),
            "",
            "typednn is the step `tn.Trainer` compiles, on a one-step chunk; flax is the hand-written module split",
            "once and merged inside the jitted step. Compile is `jax.jit(step).lower(...).compile()` on a fresh",
            "function, best of the repeats (taken in turns). Step is the median of calls made alternately; the",
            "step ratio is the median over pairs of calls made side by side (range of the round medians).",
            "HLO ops counts the instructions of the optimised module.",
            "",
            "## Keras import: ResNet-50, `tn.import_keras` against `keras.saving.load_model`",
            "",
            keras_import.table(figures.keras_import),
            "",
            "The same `.keras` file (Keras's `ResNet50(weights=None)`), each reading in a fresh process: the",
            "library's import is not timed, the call is, until the weights are on the device. Median of the",
            "rounds, taken in rotating order; the ratio is typednn's median / Keras's median.",
            "",
            f"## Parquet ingest: {figures.parquet.rows:,} rows of {parquet_ingest.COLUMNS} floats and a label,"
            " into NumPy",
            "",
            parquet_ingest.table(figures.parquet),
            "",
            "`tn.data.parquet` against `pyarrow.dataset.dataset(path).to_table()` then float32 features and int32",
            "labels; medians of the rounds (after a warm-up call each), taken in rotating order.",
            "",
            "## Image folder: decode + resize, then random flip + crop, in images/s",
            "",
            image_folder.table(figures.images),
            "",
            "`tn.data.images` against a Pillow loop (and the same on threads); then `nn.RandomFlip` + `nn.RandomCrop`",
            "applied by the jitted model to batches against Pillow's flip and crop per image. Medians of the rounds.",
            "",
            "## Input wait: the share of a ResNet-18 `fit` epoch spent waiting for input",
            "",
            input_wait.table(figures.waits),
            "",
            "`fit`'s own measure of the time its loop waited for the next batch, over the timed epochs (a warm-up",
            "epoch per case left out); one step per dispatch.",
            "",
            "## Time to first step: a fresh process, cold and with a warm compilation cache, against Keras",
            "",
            first_step.table(figures.starts),
            "",
            "One epoch of the demo (`examples/digits.yaml`) and of the benchmark CNN, each reading in a fresh process;",
            "`typednn warm` is a second process on the compilation cache the cold one filled. Medians of the rounds.",
            "",
            "## Inference on CPU: the ONNX export in ONNX Runtime against `model.apply`",
            "",
            onnx_runtime.table(figures.onnx),
            "",
            "Each zoo model exported by `typednn.export.onnx` (verified on writing); alternating calls after a",
            "warm-up, `model.apply` read back to NumPy. Medians; below 1, ONNX Runtime is faster.",
            "",
            "## Serving: `typednn serve` against a one-request-one-`apply` server",
            "",
            serve.table(figures.serving),
            "",
            "Each server in its own process on 127.0.0.1, one JSON example per request from keep-alive connections",
            "that send their next request when the last is answered; throughput and each request's latency.",
            "",
            "## GPU table (CPU-sized run; no GPU figures yet)",
            "",
            gpu.table(figures.gpu),
            "",
            "`python bench/gpu.py --small` (batch 4, one step per epoch): it shows that every cell runs, not how fast;",
            "the GPU figures come from `python bench/gpu.py --out bench/gpu_results.md` on a GPU (bench/README.md).",
            "",
            "## Notes",
            "",
            *notes(figures),
            "",
        ]
    )


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {RESULTS.name} with the figures")
    add_option(parser, forward_backward.run, "rounds", "forward+backward timing rounds")
    add_option(parser, train_speed.run, "mlp_repeats", "timed MLP fit epochs", prefix="fit-")
    add_option(parser, train_speed.run, "cnn_repeats", "timed CNN fit epochs", prefix="fit-")
    add_option(parser, long_fit.run, "epochs", "epochs of the one long CNN fit", prefix="long-")
    add_option(parser, seq2seq_fit.run, "repeats", "timed seq2seq fit epochs", prefix="seq2seq-")
    add_option(parser, mypy_time.run, "cold_rounds", "cold mypy runs per config")
    add_option(parser, mypy_time.run, "warm_rounds", "warm mypy runs per config")
    add_option(parser, csv_ingest.run, "rounds", "timed CSV reads per contender", prefix="csv-")
    add_option(parser, csv_ingest.run, "rows", "rows in the benchmark's CSV file", prefix="csv-")
    add_option(parser, zoo_speed.run, "compile_repeats", "compiles per zoo model and implementation", prefix="zoo-")
    add_option(parser, zoo_speed.run, "rounds", "zoo step-timing rounds", prefix="zoo-")
    add_option(parser, cli_overhead.run, "repeats", "CLI overhead measurements", prefix="cli-")
    add_option(parser, keras_import.run, "rounds", "Keras import readings per reader", prefix="keras-")
    add_option(parser, parquet_ingest.run, "rounds", "timed Parquet reads per contender", prefix="parquet-")
    add_option(parser, parquet_ingest.run, "rows", "rows in the benchmark's Parquet file", prefix="parquet-")
    add_option(parser, image_folder.run, "rounds", "timed image-folder rounds per contender", prefix="folder-")
    add_option(parser, image_folder.run, "images", "JPEGs in the benchmark's image folder", prefix="folder-")
    add_option(parser, input_wait.run, "examples", "ResNet-18 training examples", prefix="wait-")
    add_option(parser, input_wait.run, "batch_size", "ResNet-18 batch size", prefix="wait-")
    add_option(parser, input_wait.run, "epochs", "timed ResNet-18 epochs per input", prefix="wait-")
    add_option(parser, first_step.run, "rounds", "fresh-process readings per side and model", prefix="start-")
    add_option(parser, onnx_runtime.run, "calls", "timed inference calls per side and batch size", prefix="onnx-")
    add_option(parser, serve.run, "seconds", "measured seconds per server and number of clients", prefix="serve-")
    args = parser.parse_args()

    before = load_average()
    steps = forward_backward.run(rounds=args.rounds)
    print(forward_backward.table(steps), end="\n\n")
    fits = train_speed.run(mlp_repeats=args.fit_mlp_repeats, cnn_repeats=args.fit_cnn_repeats)
    print(train_speed.table(fits), end="\n\n")
    print(train_speed.flops_table(fits), end="\n\n")
    long = long_fit.run(epochs=args.long_epochs)
    print(long_fit.table(long), end="\n\n")
    seq2seq = seq2seq_fit.run(repeats=args.seq2seq_repeats)
    print(train_speed.table([seq2seq[0]]), end="\n\n")
    print(seq2seq_fit.params_table(seq2seq[1]), end="\n\n")
    checks = [
        mypy_time.run(target=target, cold_rounds=args.cold_rounds, warm_rounds=args.warm_rounds)
        for target in mypy_time.TARGETS
    ]
    for check in checks:
        print(mypy_time.table(check), end="\n\n")
    ingest = csv_ingest.run(rounds=args.csv_rounds, rows=args.csv_rows)
    print(csv_ingest.table(ingest), end="\n\n")
    zoo = zoo_speed.run(compile_repeats=args.zoo_compile_repeats, rounds=args.zoo_rounds)
    print(zoo_speed.table(zoo), end="\n\n")
    overhead = cli_overhead.run(repeats=args.cli_repeats)
    print("\n".join(cli_overhead.targets(overhead)), end="\n\n")
    imports = keras_import.run(rounds=args.keras_rounds)
    print(keras_import.table(imports), end="\n\n")
    parquet = parquet_ingest.run(rounds=args.parquet_rounds, rows=args.parquet_rows)
    print(parquet_ingest.table(parquet), end="\n\n")
    images = image_folder.run(rounds=args.folder_rounds, images=args.folder_images)
    print(image_folder.table(images), end="\n\n")
    waits = input_wait.run(examples=args.wait_examples, batch_size=args.wait_batch_size, epochs=args.wait_epochs)
    print(input_wait.table(waits), end="\n\n")
    starts = first_step.run(rounds=args.start_rounds)
    print(first_step.table(starts), end="\n\n")
    onnx = onnx_runtime.run(calls=args.onnx_calls)
    print(onnx_runtime.table(onnx), end="\n\n")
    serving = serve.run(seconds=args.serve_seconds)
    print(serve.table(serving), end="\n\n")
    small_gpu = gpu.run(small=True)
    print(gpu.table(small_gpu), end="\n\n")
    load = f"{before} / {load_average()}"
    figures = Figures(
        steps=steps,
        fits=fits,
        long=long,
        seq2seq=seq2seq,
        checks=checks,
        ingest=ingest,
        zoo=zoo,
        overhead=overhead,
        keras_import=imports,
        parquet=parquet,
        images=images,
        waits=waits,
        starts=starts,
        onnx=onnx,
        serving=serving,
        gpu=small_gpu,
    )
    print("\n".join([*targets(figures), *notes(figures)]))
    if args.write:
        RESULTS.write_text(report(figures, load))
        print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
