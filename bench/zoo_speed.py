"""The zoo's compile time and step time against the same models written by hand in Flax NNX.

For each model of `typednn.zoo` (mlp, lenet5, resnet18, transformer_classifier,
transformer_seq2seq) this script writes the equivalent `flax.nnx` module by hand (the same
layers, shapes, initialiser kinds, dropout, BatchNorm updating its running averages in
training mode; the Transformers' blocks and the seq2seq twin are in `_seq2seq.py`) and times
one training step (forward, backward, adam(1e-3) update) of each, on the same batch (for the
seq2seq model, a tuple of source and target ids, and a class id per target position):

- ``typednn``: the step `tn.Trainer` compiles (`Compiled.train_fed`, params and optimizer
  state donated) called with a one-step chunk, as `fit` calls it with `steps_per_dispatch=1`;
  it carries the Trainer's per-example weights, its running-loss metric and its per-step
  dropout key;
- ``flax``: the functional NNX step: the module split into (graphdef, params, rest) once,
  merged inside `jax.jit`, `jax.value_and_grad` w.r.t. the params, the BatchNorm statistics
  and dropout counters of `rest` coming back from the forward pass, params and optimizer
  state donated.

Compile time is the wall time of `jax.jit(step).lower(...).compile()` on a fresh function
(nothing cached), best of `compile_repeats`, the two taking turns. Step time is the median
of calls made in rounds in which the two alternate call by call; the figure of merit is the
median of the ratios of calls made side by side. The issue's target is typednn / flax <= 1.05
for both.

Run alone with ``python bench/zoo_speed.py [--quick] [--compile-repeats N] [--rounds N] [--only NAME ...]``
(``--only transformer_seq2seq`` times that model alone).
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import add_option, markdown_table, rotated, timed, verdict
from _models import loss_of
from _seq2seq import NnxEncoderBlock, NnxSeq2Seq
from flax import nnx

import typednn as tn
from typednn import zoo

TARGET = 1.05
OPTIMIZER = "adam(1e-3)"


def optimizer() -> optax.GradientTransformation:
    return optax.adam(1e-3)


# ---- the zoo by hand in Flax NNX ------------------------------------------------------
#
# typednn's Dense, Conv2D, Embedding and norms use flax.nnx's initialisers (lecun normal
# kernels, zero biases, unit scales, variance-scaling embeddings); its BatchNorm has
# Keras's defaults (momentum 0.99, epsilon 1e-3), its LayerNorm flax's (epsilon 1e-6).


def batch_norm(features: int, rngs: nnx.Rngs) -> nnx.BatchNorm:
    return nnx.BatchNorm(features, momentum=0.99, epsilon=1e-3, rngs=rngs)


class NnxMLP(nnx.Module):
    """`zoo.mlp()`: 784 -> 512 -> 512 -> 10 with relu and dropout 0.2."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.dense = nnx.Linear(784, 512, rngs=rngs)
        self.dense_1 = nnx.Linear(512, 512, rngs=rngs)
        self.dense_2 = nnx.Linear(512, 10, rngs=rngs)
        self.dropout = nnx.Dropout(0.2, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = self.dropout(nnx.relu(self.dense(x)))
        x = self.dropout(nnx.relu(self.dense_1(x)))
        return self.dense_2(x)


class NnxLeNet5(nnx.Module):
    """`zoo.lenet5()`: two 5x5 valid convolutions with tanh and 2x2 average pooling, then 400-120-84-10."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.conv = nnx.Conv(1, 6, (5, 5), padding="VALID", rngs=rngs)
        self.conv_1 = nnx.Conv(6, 16, (5, 5), padding="VALID", rngs=rngs)
        self.dense = nnx.Linear(400, 120, rngs=rngs)
        self.dense_1 = nnx.Linear(120, 84, rngs=rngs)
        self.dense_2 = nnx.Linear(84, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.avg_pool(nnx.tanh(self.conv(x)), (2, 2), strides=(2, 2))
        x = nnx.avg_pool(nnx.tanh(self.conv_1(x)), (2, 2), strides=(2, 2))
        x = nnx.tanh(self.dense(x.reshape(x.shape[0], -1)))
        return self.dense_2(nnx.tanh(self.dense_1(x)))


class NnxBasicBlock(nnx.Module):
    """Two 3x3 convolutions with BatchNorm, and the identity or a 1x1 strided projection as shortcut."""

    def __init__(self, features_in: int, features: int, stride: int, rngs: nnx.Rngs) -> None:
        self.conv1 = nnx.Conv(features_in, features, (3, 3), strides=stride, padding="SAME", use_bias=False, rngs=rngs)
        self.bn1 = batch_norm(features, rngs)
        self.conv2 = nnx.Conv(features, features, (3, 3), padding="SAME", use_bias=False, rngs=rngs)
        self.bn2 = batch_norm(features, rngs)
        self.project = stride != 1
        if self.project:
            self.shortcut = nnx.Conv(
                features_in, features, (1, 1), strides=stride, padding="VALID", use_bias=False, rngs=rngs
            )
            self.shortcut_bn = batch_norm(features, rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = self.bn2(self.conv2(nnx.relu(self.bn1(self.conv1(x)))))
        shortcut = self.shortcut_bn(self.shortcut(x)) if self.project else x
        return nnx.relu(h + shortcut)


class NnxResNet18(nnx.Module):
    """`zoo.resnet18()`: a 3x3 stem, four stages of two basic blocks (64-512 filters), average pool, 10-way head."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.stem = nnx.Conv(3, 64, (3, 3), padding="SAME", use_bias=False, rngs=rngs)
        self.stem_bn = batch_norm(64, rngs)
        blocks = []
        features_in = 64
        for features in (64, 128, 256, 512):
            stride = 1 if features == 64 else 2
            blocks.append(NnxBasicBlock(features_in, features, stride, rngs))
            blocks.append(NnxBasicBlock(features, features, 1, rngs))
            features_in = features
        self.blocks = nnx.List(blocks)
        self.head = nnx.Linear(512, 10, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = nnx.relu(self.stem_bn(self.stem(x)))
        for block in self.blocks:
            x = block(x)
        return self.head(jnp.mean(x, axis=(1, 2)))


class NnxTransformer(nnx.Module):
    """`zoo.transformer_classifier()`: embedding + learned positions, two encoder blocks, norm, mean, head."""

    def __init__(self, rngs: nnx.Rngs) -> None:
        self.embed = nnx.Embed(20_000, 128, rngs=rngs)
        self.positions = nnx.Param(jax.nn.initializers.normal(stddev=0.02)(rngs.params(), (128, 128)))
        self.block = NnxEncoderBlock(128, 4, 256, 0.1, rngs)
        self.block_1 = NnxEncoderBlock(128, 4, 256, 0.1, rngs)
        self.norm = nnx.LayerNorm(128, epsilon=1e-6, rngs=rngs)
        self.dropout = nnx.Dropout(0.1, rngs=rngs)
        self.head = nnx.Linear(128, 2, rngs=rngs)

    def __call__(self, ids: jax.Array) -> jax.Array:
        h = self.embed(ids) + self.positions[...][None]
        h = self.norm(self.block_1(self.block(h)))
        return self.head(self.dropout(jnp.mean(h, axis=1)))


@dataclass(frozen=True)
class ZooModel:
    """One zoo model, its hand-written twin, and the batch it is timed on."""

    name: str
    typed: Callable[[], tn.Model[Any, Any]]
    flax: Callable[[nnx.Rngs], nnx.Module]
    batch: int
    example: tuple[int, ...]
    classes: int
    tokens: int = 0  # > 0: int32 token ids below this instead of float features
    inputs: int = 1  # > 1: a tuple of that many inputs of the same shape
    target: tuple[int, ...] = ()  # the shape of one example's class ids: () for one, (32,) for a sequence

    def data(self, batch: int, seed: int) -> tuple[Any, np.ndarray[Any, Any]]:
        """Random features (a tuple of arrays for several inputs) and class ids."""
        rng = np.random.default_rng(seed)
        shape = (batch, *self.example)
        xs = tuple(
            rng.integers(0, self.tokens, shape, dtype=np.int32)
            if self.tokens
            else rng.standard_normal(shape, np.float32)
            for _ in range(self.inputs)
        )
        return xs if self.inputs > 1 else xs[0], rng.integers(0, self.classes, (batch, *self.target), dtype=np.int32)


MODELS = (
    ZooModel("mlp", zoo.mlp, NnxMLP, 128, (784,), 10),
    ZooModel("lenet5", zoo.lenet5, NnxLeNet5, 128, (32, 32, 1), 10),
    ZooModel("resnet18", zoo.resnet18, NnxResNet18, 32, (32, 32, 3), 10),
    ZooModel("transformer_classifier", zoo.transformer_classifier, NnxTransformer, 32, (128,), 2, tokens=20_000),
    # source and target ids in, a class id per target position out (mean cross-entropy over positions)
    ZooModel(
        "transformer_seq2seq", zoo.transformer_seq2seq, NnxSeq2Seq, 32, (32,), 1000, tokens=1000, inputs=2, target=(32,)
    ),
)
NAMES = tuple(spec.name for spec in MODELS)


# ---- the two steps --------------------------------------------------------------------


@dataclass
class Step:
    """A training step: `make()` gives a fresh (uncached) jittable function of `args`, which the step's
    outputs replace (`carry` of them: params and optimizer state are donated)."""

    make: Callable[[], Callable[..., Any]]
    args: list[Any]
    carry: int
    compiled: Any = None

    def compile(self) -> float:
        """Trace, lower and compile a fresh function; keep the executable; return the wall seconds."""
        seconds, self.compiled = timed(lambda: jax.jit(self.make(), donate_argnums=(0, 1)).lower(*self.args).compile())
        return seconds

    def __call__(self) -> None:
        """Run one step and wait for it."""
        outputs = jax.block_until_ready(self.compiled(*self.args))
        self.args[: self.carry] = outputs[: self.carry]

    def op_counts(self) -> Counter[str]:
        """The ops of the optimised HLO module, by name (for finding an extra op)."""
        text = self.compiled.as_text()
        return Counter(re.findall(r"= \S+ ([a-z][\w-]*)\(", text))


def typednn_step(model: tn.Model[Any, Any], x: Any, y: np.ndarray[Any, Any]) -> Step:
    """The Trainer's own chunk function on a one-step chunk, with the arguments `fit` passes it."""
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optimizer(), seed=0)
    compiled = trainer._compiled

    def make() -> Callable[..., Any]:
        def train_fed(*args: Any) -> Any:
            return compiled._train_fed(*args)

        return train_fed

    args = [
        trainer.params,
        trainer.opt_state,
        compiled.init_metrics(),
        jax.tree.map(lambda array: jnp.asarray(array[None]), x),  # a tuple of arrays for several inputs
        jnp.asarray(y[None]),
        jnp.ones((1, len(y)), jnp.float32),
        jnp.zeros((1,), jnp.int32),
        trainer._key,
    ]
    return Step(make, args, carry=3)


def flax_step(module: nnx.Module, x: Any, y: np.ndarray[Any, Any]) -> Step:
    """The functional NNX step: split once, merged in the jitted step, grads w.r.t. the nnx.Param variables."""
    graphdef, params, rest = nnx.split(module, nnx.Param, ...)
    tx = optimizer()

    def make() -> Callable[..., Any]:
        def train_step(params: nnx.State, opt_state: Any, rest: nnx.State, x: Any, y: jax.Array) -> Any:
            model = nnx.merge(graphdef, params, rest)
            inputs = x if isinstance(x, tuple) else (x,)
            # nnx.value_and_grad (w.r.t. the nnx.Param variables) lets the forward pass update
            # the BatchNorm statistics and dropout counters, which a bare jax.value_and_grad forbids.
            value, grads = nnx.value_and_grad(lambda model: loss_of(model(*inputs), y))(model)
            rest = nnx.split(model, nnx.Param, ...)[2]
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, rest, value

        return train_step

    return Step(make, [params, tx.init(params), rest, jax.tree.map(jnp.asarray, x), jnp.asarray(y)], carry=3)


def parameter_count(tree: Any) -> int:
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(tree))


# ---- timing ---------------------------------------------------------------------------

IMPLS = ("typednn", "flax")


@dataclass
class Timing:
    """One implementation's compile times and step times (round by round)."""

    compiles: list[float] = field(default_factory=list)
    rounds: list[list[float]] = field(default_factory=list)
    ops: int = 0

    @property
    def compile_s(self) -> float:
        return min(self.compiles)

    @property
    def step_s(self) -> float:
        return statistics.median(t for calls in self.rounds for t in calls)


@dataclass
class Result:
    """Both implementations of one zoo model, and how typednn compares."""

    model: str
    batch: int
    params: int
    iterations: int
    timings: dict[str, Timing]
    extra_ops: str

    @property
    def compile_ratio(self) -> float:
        """typednn's best compile / flax's best compile."""
        return self.timings["typednn"].compile_s / self.timings["flax"].compile_s

    def paired(self) -> list[list[float]]:
        typed, flax = self.timings["typednn"].rounds, self.timings["flax"].rounds
        return [[t / f for t, f in zip(ts, fs)] for ts, fs in zip(typed, flax)]

    @property
    def step_ratio(self) -> float:
        """The median of the ratios of step calls made side by side."""
        return statistics.median(r for pairs in self.paired() for r in pairs)

    def step_spread(self) -> str:
        rounds = [statistics.median(pairs) for pairs in self.paired()]
        return f"{self.step_ratio:.3f} ({min(rounds):.3f}-{max(rounds):.3f})"


def op_difference(typed: Counter[str], flax: Counter[str]) -> str:
    """The HLO ops typednn's program has more (+) or fewer (-) of than flax's, as `+3 add, -1 copy`."""
    names = sorted(set(typed) | set(flax), key=lambda name: (-abs(typed[name] - flax[name]), name))
    return ", ".join(f"{typed[n] - flax[n]:+d} {n}" for n in names if typed[n] != flax[n]) or "none"


def compare(spec: ZooModel, *, compile_repeats: int, rounds: int, round_seconds: float, seed: int) -> Result:
    """Compile each step `compile_repeats` times in turns, then time their steps in alternating rounds."""
    x, y = spec.data(spec.batch, seed)
    typed = spec.typed()
    steps = {"typednn": typednn_step(typed, x, y), "flax": flax_step(spec.flax(nnx.Rngs(seed)), x, y)}
    typed_params = parameter_count(typed.lowered.split(typed.init(jax.random.key(0)))[0])
    flax_params = parameter_count(nnx.state(spec.flax(nnx.Rngs(seed)), nnx.Param))
    if typed_params != flax_params:
        raise SystemExit(f"{spec.name}: typednn has {typed_params:,} parameters, the flax twin {flax_params:,}")
    timings = {name: Timing() for name in IMPLS}
    for repeat in range(compile_repeats):
        for name in rotated(list(IMPLS), repeat):
            timings[name].compiles.append(steps[name].compile())
    counts = {name: steps[name].op_counts() for name in IMPLS}
    for name in IMPLS:
        timings[name].ops = sum(counts[name].values())

    warmup = [timed(steps[name])[0] for name in IMPLS for _ in range(2)]
    iterations = max(3, round(round_seconds / statistics.median(warmup)))
    for _ in range(rounds):
        calls: dict[str, list[float]] = {name: [] for name in IMPLS}
        for i in range(iterations):
            for name in rotated(list(IMPLS), i):
                calls[name].append(timed(steps[name])[0])
        for name, times in calls.items():
            timings[name].rounds.append(times)
    return Result(
        spec.name, spec.batch, typed_params, iterations, timings, op_difference(counts["typednn"], counts["flax"])
    )


def run(
    *,
    compile_repeats: int = 3,
    rounds: int = 5,
    round_seconds: float = 2.0,
    seed: int = 0,
    quick: bool = False,
    only: tuple[str, ...] = NAMES,
) -> list[Result]:
    """Benchmark the zoo models named in `only` (all by default); `quick` is a smoke run (one compile each, one
    short round)."""
    if quick:
        compile_repeats, rounds, round_seconds = 1, 1, 0.0
    return [
        compare(spec, compile_repeats=compile_repeats, rounds=rounds, round_seconds=round_seconds, seed=seed)
        for spec in MODELS
        if spec.name in only
    ]


# ---- reporting ------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    """A Markdown table: compile and step time of each implementation, and the ratios."""
    rows = [
        [
            result.model,
            f"{result.params:,}",
            str(result.batch),
            name,
            f"{timing.compile_s:.2f}",
            f"{timing.step_s * 1e3:.2f}",
            str(timing.ops),
            "" if name == "flax" else f"{result.compile_ratio:.3f}",
            "" if name == "flax" else result.step_spread(),
        ]
        for result in results
        for name, timing in result.timings.items()
    ]
    header = [
        "model",
        "params",
        "batch",
        "impl",
        "compile (s, best)",
        "step (ms, median)",
        "HLO ops",
        "compile typednn / flax",
        "step typednn / flax (median, round range)",
    ]
    return markdown_table(header, "lrrlrrrrl", rows)


def targets(results: list[Result]) -> list[str]:
    """Two Markdown bullets per model: compile and step ratio against the issue's target."""
    lines = []
    for result in results:
        lines.append(f"- zoo {result.model}: compile, typednn / flax = {verdict(result.compile_ratio, TARGET)}")
        lines.append(f"- zoo {result.model}: train step, typednn / flax = {verdict(result.step_ratio, TARGET)}")
    return lines


def notes(results: list[Result]) -> list[str]:
    """What each comparison rests on, and where typednn's optimised program differs from flax's."""
    return [
        f"- zoo {result.model}: {result.params:,} trainable parameters in both; best of "
        f"{len(result.timings['typednn'].compiles)} compiles each; {len(result.timings['typednn'].rounds)} rounds of "
        f"{result.iterations} alternating steps; HLO ops typednn vs flax: {result.extra_ops}."
        for result in results
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "compile_repeats", "compiles per implementation")
    add_option(parser, run, "rounds", "interleaved step-timing rounds")
    add_option(parser, run, "round_seconds", "time per implementation per round")
    parser.add_argument("--quick", action="store_true", help="a smoke run: one compile and one short round each")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=NAMES, help="the zoo models to time (default all)")
    args = parser.parse_args()
    results = run(
        compile_repeats=args.compile_repeats,
        rounds=args.rounds,
        round_seconds=args.round_seconds,
        quick=args.quick,
        only=tuple(args.only),
    )
    print(table(results), end="\n\n")
    print("\n".join([*targets(results), *notes(results)]))


if __name__ == "__main__":
    main()
