"""GPU figures: ResNet-18 and the transformer classifier, float32 and bfloat16, typednn `fit` against Keras and Flax.

For `zoo.resnet18()` (32x32x3, 10 classes) and `zoo.transformer_classifier()` (128 ids of
20,000, 2 classes), each in float32 and in bfloat16, three implementations train on the same
random data (seeded; adam(1e-3), mean softmax cross-entropy, full shuffled batches):

- ``typednn``: `tn.Trainer(model, ..., precision=P).fit(tn.data.from_arrays(x, y), epochs=1,
  batch_size=B, verbose=0)`, as a user calls it (`fit` copies the arrays to the device and
  batches them there);
- ``keras``: the same network from Keras 3's layers on JAX (`_models.keras_resnet18`,
  `_models.keras_transformer_classifier`), built under `keras.mixed_precision.set_global_policy(
  "mixed_bfloat16")` for bfloat16; `model.fit(x, y, epochs=1, shuffle=True)`;
- ``flax``: the hand-written Flax NNX twins of `zoo_speed.py`, split once, one jitted step per
  batch (params and optimizer state donated) that gathers its batch from device-resident data
  by a per-epoch permutation; bfloat16 is flax's `dtype=jnp.bfloat16, param_dtype=jnp.float32`
  (`_models.compute_in`) and float32 logits into the loss.

Each contender runs one warm-up epoch (compiling; reported, not compared); then the six
contenders of a model take turns, one timed epoch each per round in rotating order. Per cell:
steps/s and examples/s of the best epoch (the median too), the train step's FLOPs from XLA's
cost analysis of the compiled step (`jax.jit(step).lower(...).compile().cost_analysis()["flops"]`,
each implementation its own step), FLOP/s, and on a known GPU the model FLOP utilisation
against the device's peak (`PEAKS`). On CPU there is no peak: FLOP/s only.

    python bench/gpu.py --out bench/gpu_results.md       # the full form, on the GPU machine
    python bench/gpu.py --small                          # CI-sized, on CPU (bench/run.py runs it)
"""

from __future__ import annotations

import argparse
import functools
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import add_option, markdown_table, rotated, timed
from _models import compute_in, keras_resnet18, keras_transformer_classifier, loss_of
from flax import nnx
from train_speed import import_keras, last_loss
from zoo_speed import NnxResNet18, NnxTransformer

import typednn as tn
from typednn import zoo

IMPLS = ("typednn", "keras", "flax")
PRECISIONS = ("float32", "bfloat16")
KERAS_TARGET = 1.0  # typednn steps/s / Keras steps/s, at least
FLAX_TARGET = 0.97  # typednn steps/s / Flax steps/s, at least
BF16_TARGET = 1.8  # ResNet-18: bfloat16 steps/s / float32 steps/s, at least

# Dense peaks in FLOP/s: (device_kind substring, bfloat16, tf32, float32), the first match wins.
# JAX's default matmul precision lets XLA run float32 dots and convolutions on TF32 tensor
# cores on these GPUs, so float32 cells use the TF32 peak unless
# `jax_default_matmul_precision` asks for "highest"/"float32" (then the float32 peak).
PEAKS = (
    ("H100 PCIe", 756e12, 378e12, 51e12),
    ("H100", 989e12, 495e12, 67e12),  # SXM
    ("H200", 989e12, 495e12, 67e12),  # the H100's compute, more memory
    ("A100", 312e12, 156e12, 19.5e12),
)


def peak(kind: str, precision: str) -> tuple[float | None, str]:
    """The device's dense peak FLOP/s for `precision`, and which peak it is; None on an unknown device.

    >>> peak("NVIDIA H100 80GB HBM3", "bfloat16")
    (989000000000000.0, 'bf16 dense')
    >>> peak("cpu", "float32")
    (None, 'no peak known')
    """
    for name, bf16, tf32, fp32 in PEAKS:
        if name in kind:
            if precision == "bfloat16":
                return bf16, "bf16 dense"
            if str(jax.config.jax_default_matmul_precision) in ("highest", "float32"):
                return fp32, "fp32"
            return tf32, "tf32 dense"
    return None, "no peak known"


@dataclass(frozen=True)
class Spec:
    """One model: its typednn, Keras and Flax builders, its example shape, and its batch sizes."""

    name: str
    typed: Callable[[], tn.Model[Any, Any]]
    keras: Callable[[Any], Any]
    flax: Callable[[nnx.Rngs], nnx.Module]
    example: tuple[int, ...]
    classes: int
    batch: int
    small_batch: int
    tokens: int = 0  # > 0: int32 ids below this instead of float features

    def data(self, examples: int, seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        rng = np.random.default_rng(seed)
        shape = (examples, *self.example)
        x = (
            rng.integers(0, self.tokens, shape, dtype=np.int32)
            if self.tokens
            else rng.standard_normal(shape, np.float32)
        )
        return x, rng.integers(0, self.classes, examples, dtype=np.int32)


class NnxTransformerMixed(NnxTransformer):
    """`NnxTransformer` whose position table is added in the compute dtype (a bare float32 `nnx.Param`
    would promote the whole residual stream to float32 under bfloat16)."""

    def __call__(self, ids: jax.Array) -> jax.Array:
        h = self.embed(ids)
        h = h + self.positions[...].astype(h.dtype)[None]
        h = self.norm(self.block_1(self.block(h)))
        return self.head(self.dropout(jnp.mean(h, axis=1)))


SPECS = (
    Spec("resnet18", zoo.resnet18, keras_resnet18, NnxResNet18, (32, 32, 3), 10, batch=256, small_batch=4),
    Spec(
        "transformer_classifier",
        zoo.transformer_classifier,
        keras_transformer_classifier,
        NnxTransformerMixed,
        (128,),
        2,
        batch=128,
        small_batch=4,
        tokens=20_000,
    ),
)
NAMES = tuple(spec.name for spec in SPECS)


def first(cost: Any) -> float:
    """The FLOPs of a `cost_analysis()` (a dict, or a list of one dict in older JAX)."""
    analysis = cost[0] if isinstance(cost, list) else cost
    return float(analysis["flops"])


# ---- the contenders: each builds its state, returns a one-epoch callable and its step's FLOPs -----


@dataclass
class Contender:
    """One cell: `epoch()` trains one epoch and returns its loss; `flops(compile)` its step's FLOPs.

    `flops(True)` compiles the step and reads the optimised program's cost; `flops(False)` (the
    small form, to spare a compile) reads the lowered, unoptimised program's.
    """

    epoch: Callable[[], float]
    flops: Callable[[bool], float]


def cost(lowered: Any, compile: bool) -> float:
    """The FLOPs of XLA's cost analysis of `lowered`, compiled or as lowered."""
    return first((lowered.compile() if compile else lowered).cost_analysis())


def typednn_contender(spec: Spec, precision: str, x: Any, y: Any, batch: int) -> Contender:
    data = tn.data.from_arrays(x, y, classes=spec.classes)  # a tiny batch may miss a class
    trainer = tn.Trainer(
        spec.typed(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3), seed=0, precision=precision
    )

    def epoch() -> float:
        return last_loss(trainer.fit(data, epochs=1, batch_size=batch, verbose=0))

    def flops(compile: bool) -> float:
        # The Trainer's own step on a one-step chunk, as scaling.py counts it.
        compiled = trainer._compiled
        args = (
            trainer.params,
            trainer.opt_state,
            compiled.init_metrics(),
            jnp.asarray(x[None, :batch]),
            jnp.asarray(y[None, :batch]),
            jnp.ones((1, batch), jnp.float32),
            jnp.zeros((1,), jnp.int32),
            trainer._key,
        )
        return cost(jax.jit(compiled._train_fed).lower(*args), compile)

    return Contender(epoch, flops)


def keras_contender(spec: Spec, precision: str, x: Any, y: Any, batch: int) -> Contender:
    keras = import_keras()
    keras.utils.set_random_seed(0)
    # The policy applies to the layers built under it; the float32 cells are built after a reset.
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        model = spec.keras(keras)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )

    def epoch() -> float:
        return last_loss(model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True))

    def flops(compile: bool) -> float:
        # Keras's own train step (what `fit` jits), on its state after the warm-up epoch built it.
        state = model._get_jax_state(
            trainable_variables=True, non_trainable_variables=True, optimizer_variables=True, metrics_variables=True
        )
        step = jax.jit(model.train_step).lower(state, (jnp.asarray(x[:batch]), jnp.asarray(y[:batch])))
        return cost(step, compile)

    return Contender(epoch, flops)


def flax_contender(spec: Spec, precision: str, x: Any, y: Any, batch: int) -> Contender:
    module = spec.flax(nnx.Rngs(0))
    if precision == "bfloat16":
        compute_in(module, jnp.bfloat16)
    graphdef, params, rest = nnx.split(module, nnx.Param, ...)
    tx = optax.adam(1e-3)
    xs, ys = jnp.asarray(x), jnp.asarray(y)

    def train_step(params: Any, opt_state: Any, rest: Any, order: jax.Array, i: jax.Array) -> Any:
        index = jax.lax.dynamic_slice_in_dim(order, i * batch, batch)
        bx, by = xs[index], ys[index]
        model = nnx.merge(graphdef, params, rest)
        # nnx.value_and_grad lets the forward pass update BatchNorm's statistics and dropout's counters.
        value, grads = nnx.value_and_grad(lambda m: loss_of(m(bx).astype(jnp.float32), by))(model)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, nnx.split(model, nnx.Param, ...)[2], value

    state = [params, tx.init(params), rest]
    order0 = jnp.arange(len(x))
    # One compile serves the epochs and the FLOP count.
    compiled = jax.jit(train_step, donate_argnums=(0, 1)).lower(*state, order0, jnp.int32(0)).compile()
    steps, epochs = len(x) // batch, itertools.count()

    def epoch() -> float:
        order = jax.random.permutation(jax.random.key(next(epochs)), len(x))
        values = []
        for i in range(steps):
            state[0], state[1], state[2], value = compiled(*state, order, jnp.int32(i))
            values.append(value)
        return float(values[-1])

    return Contender(epoch, lambda compile: first(compiled.cost_analysis()))


MAKERS = {"typednn": typednn_contender, "keras": keras_contender, "flax": flax_contender}


# ---- timing ---------------------------------------------------------------------------


@dataclass
class Cell:
    """One model, precision and implementation: its warm-up, its timed epochs, its step's FLOPs."""

    model: str
    precision: str
    impl: str
    batch: int
    steps: int
    warmup_s: float
    flops: float | None = None
    epochs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    @property
    def steps_per_s(self) -> float:
        return self.steps / min(self.epochs)

    @property
    def median_steps_per_s(self) -> float:
        return self.steps / statistics.median(self.epochs)


@dataclass
class Results:
    """Every cell of one run, and the device it ran on."""

    device: str
    backend: str
    cells: list[Cell]
    notes: list[str]

    def cell(self, model: str, precision: str, impl: str) -> Cell | None:
        return next((c for c in self.cells if (c.model, c.precision, c.impl) == (model, precision, impl)), None)


def warmed(make: Callable[..., Contender], *args: Any) -> Contender:
    """The contender `make(*args)` builds, after its first (warm-up) epoch."""
    contender = make(*args)
    contender.epoch()
    return contender


def measure(
    spec: Spec, *, batch: int, steps: int, epochs: int, seed: int, compile: bool, notes: list[str]
) -> list[Cell]:
    """Build the six contenders of `spec`, a warm-up epoch each, then `epochs` rounds in rotating order."""
    x, y = spec.data(batch * steps, seed)
    contenders: dict[tuple[str, str], Contender] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for precision, impl in itertools.product(PRECISIONS, IMPLS):
        # The warm-up counts from the build: flax compiles its step there, the others in their first epoch.
        warmup, contender = timed(functools.partial(warmed, MAKERS[impl], spec, precision, x, y, batch))
        cell = Cell(spec.name, precision, impl, batch, steps, warmup)
        try:
            cell.flops = contender.flops(compile)
        except Exception as error:  # a missing count is reported; the timing still stands
            notes.append(f"- {spec.name} {precision} {impl}: no XLA FLOP count ({type(error).__name__}: {error}).")
        contenders[precision, impl], cells[precision, impl] = contender, cell
    for round_ in range(epochs):
        for key in rotated(list(contenders), round_):
            seconds, loss = timed(contenders[key].epoch)
            cells[key].epochs.append(seconds)
            cells[key].losses.append(loss)
    return list(cells.values())


def run(
    *, epochs: int = 5, steps: int = 50, seed: int = 0, small: bool = False, only: tuple[str, ...] = NAMES
) -> Results:
    """Measure the models in `only`; `small` is the CI-sized form (batch 4, 1 step, 1 timed epoch).

    The small form's time is all compiling (twelve steps, and a second compile each of typednn's
    and Keras's for the FLOP count, which the small form reads from the lowered step instead); one
    step per epoch keeps typednn's CPU chunk (unrolled) to one.
    """
    if small:
        epochs, steps = 1, 1
    device = jax.devices()[0]
    notes = ["- gpu: small form: typednn's and Keras's FLOPs from the lowered (unoptimised) step."] if small else []
    cells = [
        cell
        for spec in SPECS
        if spec.name in only
        for cell in measure(
            spec,
            batch=spec.small_batch if small else spec.batch,
            steps=steps,
            epochs=epochs,
            seed=seed,
            compile=not small,
            notes=notes,
        )
    ]
    return Results(str(device.device_kind), jax.default_backend(), cells, notes)


# ---- reporting ------------------------------------------------------------------------


def table(results: Results) -> str:
    """A Markdown table: one row per cell, with FLOP/s, the model FLOP utilisation and the ratios."""
    rows = []
    for c in results.cells:
        top, which = peak(results.device, c.precision)
        flops_s = c.flops * c.steps_per_s if c.flops is not None else None
        mfu = f"{flops_s / top:.1%} of {which}" if flops_s is not None and top else "n/a"
        ratios = ["", ""]
        if c.impl == "typednn":
            ratios = [speedup(results, c, "keras"), speedup(results, c, "flax")]
        rows.append(
            [
                c.model,
                c.precision,
                c.impl,
                f"{c.batch} x {c.steps}",
                f"{c.warmup_s:.2f}",
                f"{c.steps_per_s:.2f} ({c.median_steps_per_s:.2f})",
                f"{c.steps_per_s * c.batch:,.0f}",
                "n/a" if c.flops is None else f"{c.flops / 1e9:,.2f}",
                "n/a" if flops_s is None else f"{flops_s / 1e12:,.3f}",
                mfu,
                *ratios,
            ]
        )
    header = [
        "model",
        "precision",
        "impl",
        "batch x steps",
        "warm-up epoch (s)",
        "steps/s, best (median)",
        "examples/s",
        "GFLOPs / step (XLA)",
        "TFLOP/s",
        "MFU",
        "typednn / keras",
        "typednn / flax",
    ]
    return markdown_table(header, "lllrrrrrrlrr", rows)


def speedup(results: Results, cell: Cell, against: str) -> str:
    other = results.cell(cell.model, cell.precision, against)
    return "" if other is None else f"{cell.steps_per_s / other.steps_per_s:.3f}"


def judged(value: float, target: float, results: Results) -> str:
    """`value` against a lower bound: met / NOT met on a GPU; not measured elsewhere (a CPU figure is no GPU figure)."""
    if results.backend != "gpu":
        return f"{value:.3f}: not measured on a GPU ({results.backend} figure, target >= {target})"
    return f"{value:.3f} >= {target} met" if value >= target else f"{value:.3f} < {target} NOT met"


def targets(results: Results) -> list[str]:
    """One Markdown bullet per target: typednn against Keras and Flax per cell, bfloat16 against float32."""
    lines = []
    for spec in SPECS:
        for precision in PRECISIONS:
            typed = results.cell(spec.name, precision, "typednn")
            if typed is None:
                continue
            for against, target in (("keras", KERAS_TARGET), ("flax", FLAX_TARGET)):
                other = results.cell(spec.name, precision, against)
                if other is not None:
                    ratio = typed.steps_per_s / other.steps_per_s
                    lines.append(
                        f"- gpu {spec.name} {precision}: steps/s typednn / {against} = {judged(ratio, target, results)}"
                    )
    for impl in IMPLS:
        low, high = (results.cell("resnet18", p, impl) for p in PRECISIONS)
        if low is not None and high is not None:
            ratio = high.steps_per_s / low.steps_per_s
            lines.append(f"- gpu resnet18 {impl}: steps/s bfloat16 / float32 = {judged(ratio, BF16_TARGET, results)}")
    if not lines:
        lines.append("- gpu: not measured (no model run)")
    return lines


def notes(results: Results) -> list[str]:
    """The device, the peaks used, the losses, and any FLOP count that failed."""
    kinds = sorted({peak(results.device, p)[1] for p in PRECISIONS})
    lines = [
        f"- gpu: device {results.device!r} (backend {results.backend}); MFU against: {', '.join(kinds)} "
        f"(jax_default_matmul_precision={jax.config.jax_default_matmul_precision})."
    ]
    for c in results.cells:
        lines.append(
            f"- gpu {c.model} {c.precision} {c.impl}: {len(c.epochs)} timed epoch(s) of {c.steps} steps; "
            f"last loss {c.losses[-1]:.4f}."
        )
    return [*lines, *results.notes]


def report(results: Results) -> str:
    """The Markdown section to paste into RESULTS.md, the device named in its title."""
    return "\n".join(
        [
            f"## GPU table: {results.device} ({results.backend})",
            "",
            table(results),
            "",
            "steps/s of the best timed epoch (median in brackets); MFU = XLA's FLOPs of the compiled step x steps/s /",
            "the device's dense peak; ratios are typednn's steps/s / the other's, same precision.",
            "",
            *targets(results),
            *notes(results),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "epochs", "timed epochs per cell")
    add_option(parser, run, "steps", "steps per epoch")
    parser.add_argument("--small", action="store_true", help="CI-sized: batch 4, 1 step, 1 timed epoch")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=NAMES, help="the models to run (default all)")
    parser.add_argument("--out", type=Path, help="also write the Markdown section to this file")
    args = parser.parse_args()
    results = run(epochs=args.epochs, steps=args.steps, small=args.small, only=tuple(args.only))
    text = report(results)
    print(text)
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
