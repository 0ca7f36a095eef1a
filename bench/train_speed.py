"""Training speed: one epoch of typednn's `Trainer.fit` against Keras, a naive NNX loop and a scan loop.

Four ways to train the same model on the same data (random float32 features, random int
class ids, fixed seed), with the same batch size, adam(1e-3) and mean softmax
cross-entropy, run in one process:

- ``typednn``: `tn.Trainer(...).fit(data, epochs=1, batch_size=B)` on a `tn.data.from_arrays`
  dataset of NumPy arrays, as a user calls it;
- ``keras``: Keras 3 on its JAX backend, `model.fit(x, y, epochs=1, shuffle=True)` on the
  same NumPy arrays;
- ``nnx-naive``: the tutorial loop, a Flax NNX model with `nnx.Optimizer` and one
  `nnx.jit` step per batch, batches sliced from a shuffled device array;
- ``scan``: the speed target, one `jax.jit` call per epoch (buffers donated) that shuffles
  on device and runs `lax.scan` over the batches of a functional (split/merge) NNX model.

Each contender first runs one untimed epoch (it compiles; its time is reported as the
warm-up), then the contenders take turns, one timed epoch each per round in rotating
order, so load from other processes falls on all of them alike. The figure of merit is
the best epoch of each (the least disturbed); the median is reported beside it.

For the MLP, a plain jitted float32 matmul is timed in the same rounds, at the MLP's
first-layer shape (256x784 @ 784x512) and at 2048x2048 @ 2048x2048, and typednn's
achieved FLOP/s is stated as a share of the first (see `FLOPS_NOTE` for the count).

Run alone with ``python bench/train_speed.py [--mlp-repeats N] [--cnn-repeats N] [--mlp-samples N] [--cnn-samples N]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import add_option, markdown_table, rotated, timed, verdict
from _models import CNN, MLP_NAME, NnxMLP, loss_of, typed_mlp
from flax import nnx

import typednn as tn

# Targets from the issue: typednn / Keras, typednn / scan loop, typednn's share of matmul FLOP/s.
KERAS_TARGET = 0.9
SCAN_TARGET = 1.05
FLOPS_TARGET = 0.60

MLP_LAYERS = ((784, 512), (512, 512), (512, 10))
MLP_WEIGHTS = sum(n_in * n_out for n_in, n_out in MLP_LAYERS)  # 668,672 multiply-adds per example forward
# The input gradient of the first layer is never used, so XLA does not compute it.
MLP_MATMUL_FLOPS = 6 * MLP_WEIGHTS - 2 * MLP_LAYERS[0][0] * MLP_LAYERS[0][1]
FLOPS_NOTE = (
    f"FLOPs per MLP example = 6 x {MLP_WEIGHTS:,} weights = {6 * MLP_WEIGHTS:,}: 2 per multiply-add, each "
    "weight used once forward and twice backward (weight and input gradients); biases, relu, softmax and adam "
    "are not counted. "
    "XLA drops the first layer's unused input gradient, so the matmuls actually run are "
    f"{MLP_MATMUL_FLOPS:,} FLOPs per example; the share on that count is given too."
)

Epoch = Callable[[], float]  # runs one epoch, waits for it, and returns its mean loss


# The small CNN of examples/cnn.py, without its dropout.
FIT_CNN = CNN(channels=(16, 32), hidden=64, padding="same")


def import_keras() -> Any:
    """Keras 3 on its JAX backend (the backend is read once, when keras is first imported)."""
    os.environ["KERAS_BACKEND"] = "jax"
    import keras  # noqa: PLC0415 - only after the backend is chosen

    if keras.backend.backend() != "jax":
        raise SystemExit(f"keras was already imported with the {keras.backend.backend()} backend; need jax")
    return keras


# ---- the models in Keras (the typed and NNX ones are in _models.py) ---------------------


def keras_mlp(keras: Any) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(512, activation="relu"),
            layers.Dense(10),
        ]
    )


def keras_cnn(keras: Any) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(FIT_CNN.channels[0], 3, padding=FIT_CNN.padding, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(FIT_CNN.channels[1], 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(FIT_CNN.hidden, activation="relu"),
            layers.Dense(10),
        ]
    )


# ---- the four contenders: each builds its state once and returns a one-epoch callable -


def last_loss(history: Any) -> float:
    """The last epoch's loss from the History that `fit` returned (typednn's and Keras's alike)."""
    return float(history.history["loss"][-1])


def typednn_epoch(
    model: tn.Model[Any, Any], x: Any, y: np.ndarray[Any, Any], batch: int, classes: int | None = None
) -> Epoch:
    """`x` is a tuple of arrays for a model of several inputs; `classes` the class count, unless inferred."""
    data = tn.data.from_arrays(x, y, classes=classes)
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3), seed=0)

    def epoch() -> float:
        # Silent, so that no progress output is timed; reading the loss as a float waits for the last step.
        return last_loss(trainer.fit(data, epochs=1, batch_size=batch, verbose=0))

    return epoch


def keras_epoch(build: Callable[[Any], Any], x: Any, y: np.ndarray[Any, Any], batch: int) -> Epoch:
    """`x` is a list of arrays for a model of several inputs."""
    keras = import_keras()
    keras.utils.set_random_seed(0)
    model = build(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )

    def epoch() -> float:
        return last_loss(model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True))

    return epoch


def nnx_naive_epoch(module: nnx.Module, x: jax.Array, y: jax.Array, batch: int) -> Epoch:
    optimizer = nnx.Optimizer(module, optax.adam(1e-3), wrt=nnx.Param)

    @nnx.jit
    def train_step(module: nnx.Module, optimizer: nnx.Optimizer[Any], x: jax.Array, y: jax.Array) -> jax.Array:
        loss, grads = nnx.value_and_grad(lambda m: loss_of(m(x), y))(module)
        optimizer.update(module, grads)
        return loss

    steps = len(x) // batch
    epochs = itertools.count()

    def epoch() -> float:
        order = jax.random.permutation(jax.random.key(next(epochs)), len(x))
        xs, ys = x[order], y[order]
        losses = []
        for i in range(steps):
            window = slice(i * batch, (i + 1) * batch)
            losses.append(train_step(module, optimizer, xs[window], ys[window]))
        return float(jnp.mean(jnp.stack(losses)))

    return epoch


def scan_epoch(module: nnx.Module, x: jax.Array, y: jax.Array, batch: int) -> Epoch:
    graphdef, params = nnx.split(module)
    tx = optax.adam(1e-3)
    steps = len(x) // batch

    def loss(params: nnx.State, x: jax.Array, y: jax.Array) -> jax.Array:
        return loss_of(nnx.merge(graphdef, params)(x), y)

    def train_step(carry: tuple[nnx.State, Any], batch: tuple[jax.Array, jax.Array]) -> tuple[Any, jax.Array]:
        params, opt_state = carry
        value, grads = jax.value_and_grad(loss)(params, *batch)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), value

    def run_epoch(
        params: nnx.State, opt_state: Any, x: jax.Array, y: jax.Array, key: jax.Array
    ) -> tuple[nnx.State, Any, jax.Array]:
        order = jax.random.permutation(key, len(x))[: steps * batch]
        xs = x[order].reshape(steps, batch, *x.shape[1:])
        ys = y[order].reshape(steps, batch)
        (params, opt_state), losses = jax.lax.scan(train_step, (params, opt_state), (xs, ys))
        return params, opt_state, jnp.mean(losses)

    jitted = jax.jit(run_epoch, donate_argnums=(0, 1))
    state = {"params": params, "opt_state": tx.init(params)}
    epochs = itertools.count()

    def epoch() -> float:
        key = jax.random.key(next(epochs))
        state["params"], state["opt_state"], value = jitted(state["params"], state["opt_state"], x, y, key)
        return float(value)

    return epoch


# ---- the matmul reference -------------------------------------------------------------


@dataclass
class Matmul:
    """A jitted float32 matmul (m x k) @ (k x n), timed call by call."""

    m: int
    k: int
    n: int
    times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        key_a, key_b = jax.random.split(jax.random.key(2))
        self._a = jax.random.normal(key_a, (self.m, self.k))
        self._b = jax.random.normal(key_b, (self.k, self.n))
        self._matmul = jax.jit(jnp.matmul)
        self._call()  # compile

    @property
    def shape(self) -> str:
        return f"({self.m}x{self.k}) @ ({self.k}x{self.n})"

    def _call(self) -> jax.Array:
        return jax.block_until_ready(self._matmul(self._a, self._b))

    def time(self, calls: int) -> None:
        self.times.extend(timed(self._call)[0] for _ in range(calls))

    @property
    def flops(self) -> float:
        """FLOP/s of the fastest call (2 FLOPs per multiply-add)."""
        return 2 * self.m * self.k * self.n / min(self.times)


# ---- timing ---------------------------------------------------------------------------


@dataclass
class Timing:
    """One contender's warm-up epoch (with compiling), its timed epochs and their losses."""

    warmup_s: float
    epochs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    @property
    def best_s(self) -> float:
        return min(self.epochs)

    @property
    def median_s(self) -> float:
        return statistics.median(self.epochs)


@dataclass
class Case:
    """The epoch times of one model's contenders, and for the MLP the matmul reference."""

    model: str
    samples: int
    batch: int
    timings: dict[str, Timing]
    matmuls: list[Matmul]
    flops_per_example: int | None

    def ratio(self, against: str) -> float:
        """typednn's best epoch / that contender's best epoch."""
        return self.timings["typednn"].best_s / self.timings[against].best_s

    def achieved_flops(self, flops_per_example: int) -> float:
        """typednn's FLOP/s over its best epoch (only full batches are trained on)."""
        examples = self.samples // self.batch * self.batch
        return flops_per_example * examples / self.timings["typednn"].best_s

    def flops_share(self, flops_per_example: int | None = None) -> float:
        """typednn's FLOP/s as a share of the matmul at the MLP's first-layer shape."""
        assert self.flops_per_example is not None, "only the MLP has a FLOP count"
        return self.achieved_flops(flops_per_example or self.flops_per_example) / self.matmuls[0].flops


def compare(
    model: str,
    contenders: dict[str, Epoch],
    *,
    samples: int,
    batch: int,
    repeats: int,
    matmuls: list[Matmul],
    flops_per_example: int | None = None,
) -> Case:
    """A warm-up epoch for each contender, then `repeats` rounds of one epoch each, in rotating order."""
    timings = {name: Timing(timed(epoch)[0]) for name, epoch in contenders.items()}
    for round_ in range(repeats):
        for name in rotated(list(contenders), round_):
            seconds, loss = timed(contenders[name])
            timings[name].epochs.append(seconds)
            timings[name].losses.append(loss)
        for matmul in matmuls:
            matmul.time(calls=5)
    return Case(model, samples, batch, timings, matmuls, flops_per_example)


def data(samples: int, shape: tuple[int, ...], seed: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Random float32 features and int32 class ids in [0, 10)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((samples, *shape), dtype=np.float32), rng.integers(0, 10, samples, dtype=np.int32)


def run(
    *,
    mlp_repeats: int = 5,
    cnn_repeats: int = 3,
    mlp_samples: int = 32_768,
    cnn_samples: int = 1_024,
    seed: int = 0,
) -> list[Case]:
    """Benchmark the MLP (batch 256) and the CNN of examples/cnn.py (batch 128).

    The CNN gets few samples and repeats because on XLA:CPU a scan over its steps is slow
    (see `notes`): its epochs take about as long as the MLP's 32,768 examples.
    """
    cases = [
        (MLP_NAME, typed_mlp, NnxMLP, keras_mlp, (784,), mlp_samples, 256, mlp_repeats),
        (FIT_CNN.name, FIT_CNN.typed_model, FIT_CNN.nnx_module, keras_cnn, (28, 28, 1), cnn_samples, 128, cnn_repeats),
    ]
    results = []
    for model, typed, module, keras_model, shape, samples, batch, repeats in cases:
        x, y = data(samples, shape, seed)
        # typednn and Keras get NumPy arrays, as users call them; the hand-written loops get
        # the data on device once, up front, as such loops are written.
        x_dev, y_dev = jnp.asarray(x), jnp.asarray(y)
        contenders = {
            "typednn": typednn_epoch(typed(), x, y, batch),
            "keras": keras_epoch(keras_model, x, y, batch),
            "nnx-naive": nnx_naive_epoch(module(nnx.Rngs(seed)), x_dev, y_dev, batch),
            "scan": scan_epoch(module(nnx.Rngs(seed)), x_dev, y_dev, batch),
        }
        is_mlp = shape == (784,)
        matmuls = [Matmul(256, 784, 512), Matmul(2048, 2048, 2048)] if is_mlp else []
        flops = 6 * MLP_WEIGHTS if is_mlp else None
        results.append(
            compare(
                model,
                contenders,
                samples=samples,
                batch=batch,
                repeats=repeats,
                matmuls=matmuls,
                flops_per_example=flops,
            )
        )
    return results


# ---- reporting ------------------------------------------------------------------------


def table(results: list[Case]) -> str:
    """A Markdown table of epoch times and typednn / contender ratios."""
    rows = [
        [
            case.model,
            f"{case.samples} / {case.batch}",
            name,
            f"{timing.warmup_s:.2f}",
            f"{timing.best_s:.3f}",
            f"{timing.median_s:.3f}",
            f"{case.samples // case.batch / timing.best_s:.1f}",
            "" if name == "typednn" else f"{case.ratio(name):.3f}",
            f"{timing.losses[-1]:.4f}",
        ]
        for case in results
        for name, timing in case.timings.items()
    ]
    header = [
        "model",
        "samples / batch",
        "contender",
        "warm-up epoch (s)",
        "epoch (s, best)",
        "epoch (s, median)",
        "steps/s (best)",
        "typednn / contender (best)",
        "last loss",
    ]
    return markdown_table(header, "lllrrrrrr", rows)


def flops_table(results: list[Case]) -> str:
    """A Markdown table of the matmul references and typednn's achieved FLOP/s on the MLP."""
    rows = []
    for case in results:
        if case.flops_per_example is None:
            continue
        reference = case.matmuls[0].flops
        for matmul in case.matmuls:
            rows.append(
                [f"jitted matmul {matmul.shape}", f"{matmul.flops / 1e9:.1f}", f"{matmul.flops / reference:.0%}"]
            )
        for label, count in (("6N", case.flops_per_example), ("matmuls run", MLP_MATMUL_FLOPS)):
            rows.append(
                [
                    f"typednn fit, {case.model} ({label}: {count:,} FLOPs/example)",
                    f"{case.achieved_flops(count) / 1e9:.1f}",
                    f"{case.flops_share(count):.0%}",
                ]
            )
    return markdown_table(["what", "GFLOP/s (best)", "share of the 256x784x512 matmul"], "lrr", rows)


def targets(results: list[Case]) -> list[str]:
    """One Markdown bullet per target, with the naive NNX ratio (no target) for context."""
    lines = []
    for case in results:
        for name, target in (("keras", KERAS_TARGET), ("scan", SCAN_TARGET)):
            lines.append(f"- {case.model}: fit epoch, typednn / {name} = {verdict(case.ratio(name), target)}")
        lines.append(f"- {case.model}: fit epoch, typednn / nnx-naive = {case.ratio('nnx-naive'):.3f} (no target)")
        if case.flops_per_example is not None:
            share = case.flops_share()
            met = f">= {FLOPS_TARGET:.0%} met" if share >= FLOPS_TARGET else f"< {FLOPS_TARGET:.0%} NOT met"
            lines.append(f"- {case.model}: typednn fit FLOP/s / matmul FLOP/s = {share:.0%} {met}")
    return lines


def notes(results: list[Case]) -> list[str]:
    """What the figures rest on: the FLOP count, the losses, and when the scan loop is not the fastest."""
    lines = [f"- {FLOPS_NOTE}"]
    for case in results:
        losses = ", ".join(f"{name} {timing.losses[-1]:.3f}" for name, timing in case.timings.items())
        lines.append(
            f"- {case.model}: {case.samples // case.batch} steps per epoch, {len(case.timings['typednn'].epochs)} "
            f"timed epoch(s) per contender; loss after the last: {losses}."
        )
        scan, naive = case.timings["scan"].best_s, case.timings["nnx-naive"].best_s
        if scan > naive:
            lines.append(
                f"- {case.model}: the scan loop is {scan / naive:.1f}x slower than nnx-naive here, so typednn / scan "
                "is no speed bar for it: XLA:CPU runs convolutions (their kernel gradients) far slower inside a "
                "loop body than outside one (jax-ml/jax#12868); compare with nnx-naive instead."
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "mlp_repeats", "timed MLP epochs per contender")
    add_option(parser, run, "cnn_repeats", "timed CNN epochs per contender")
    add_option(parser, run, "mlp_samples", "MLP examples")
    add_option(parser, run, "cnn_samples", "CNN examples")
    args = parser.parse_args()
    results = run(
        mlp_repeats=args.mlp_repeats,
        cnn_repeats=args.cnn_repeats,
        mlp_samples=args.mlp_samples,
        cnn_samples=args.cnn_samples,
    )
    print(table(results), end="\n\n")
    print(flops_table(results), end="\n\n")
    print("\n".join([*targets(results), *notes(results)]))


if __name__ == "__main__":
    main()
