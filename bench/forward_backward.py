"""Forward+backward time of typed models against the identical hand-written Flax NNX models.

Each step is a jitted `value_and_grad` of the mean softmax cross-entropy with respect to
the parameters. Three implementations of each model run in the same process:

- ``typed``: the typednn model, `model.lowered.apply` as a pure function of its params dict;
- ``nnx-pure``: the Flax NNX model split into (graphdef, state) once, merged inside
  `jax.jit`, differentiated with `jax.value_and_grad` w.r.t. the state;
- ``nnx-jit``: the same NNX model through `nnx.jit` and `nnx.value_and_grad`.

All three are compiled first (the first call is reported as the compile time), then timed
in rounds in which they alternate call by call, so load from elsewhere hits all of them
alike. The figure of merit is typed / nnx against the faster NNX variant: the median of
the ratios of calls made side by side, with the range of the rounds' medians as spread.

Run alone with ``python bench/forward_backward.py [--rounds N] [--round-seconds S]``.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
from _common import add_option, markdown_table, rotated, timed
from _models import CNN, MLP_NAME, NnxMLP, loss_of, typed_mlp
from flax import nnx

import typednn as tn

STEP_CNN = CNN(channels=(32, 64), hidden=128, padding="valid")


# ---- the three steps ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A jitted training-step function with its arguments bound; calling it runs one step."""

    function: Callable[..., Any]
    args: tuple[Any, ...]

    def __call__(self) -> Any:
        """Run one step and wait for it."""
        return jax.block_until_ready(self.function(*self.args))

    def program(self) -> str:
        """The StableHLO it lowers to, without debug info or the names of its outputs."""
        return re.sub(r' \{jax\.result_info = "[^"]*"\}', "", self.function.lower(*self.args).as_text())


def typed_step(model: tn.Model[Any, Any], params: Any, x: jax.Array, labels: jax.Array) -> Step:
    """A jitted value_and_grad of the typed model's pure apply."""

    def loss(params: Any, x: jax.Array, labels: jax.Array) -> jax.Array:
        return loss_of(model.lowered.apply(params, x), labels)

    return Step(jax.jit(jax.value_and_grad(loss)), (params, x, labels))


def nnx_pure_step(module: nnx.Module, x: jax.Array, labels: jax.Array) -> Step:
    """The functional NNX way: split once, merge inside `jax.jit`, grad w.r.t. the state."""
    graphdef, state = nnx.split(module)

    def loss(state: nnx.State, x: jax.Array, labels: jax.Array) -> jax.Array:
        return loss_of(nnx.merge(graphdef, state)(x), labels)

    return Step(jax.jit(jax.value_and_grad(loss)), (state, x, labels))


def nnx_jit_step(module: nnx.Module, x: jax.Array, labels: jax.Array) -> Step:
    """The object NNX way: `nnx.jit` over `nnx.value_and_grad` of the module."""

    @nnx.jit
    def step(module: nnx.Module, x: jax.Array, labels: jax.Array) -> tuple[jax.Array, nnx.State]:
        return nnx.value_and_grad(lambda m: loss_of(m(x), labels))(module)

    return Step(step, (module, x, labels))


def typed_params_from(module: nnx.Module) -> Any:
    """The NNX module's weights as a typednn params dict (the attribute names match)."""
    return nnx.to_pure_dict(nnx.state(module, nnx.Param))


# ---- timing -------------------------------------------------------------------------


@dataclass
class Timing:
    """One implementation's compile time and the time of every timed call, round by round."""

    compile_s: float
    rounds: list[list[float]] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(t for calls in self.rounds for t in calls)


@dataclass
class Comparison:
    """The timings of one model's implementations and how the typed one compares."""

    model: str
    batch: int
    iterations: int
    timings: dict[str, Timing]
    max_grad_diff: float
    same_program: bool

    @property
    def rounds(self) -> int:
        return len(self.timings["typed"].rounds)

    @property
    def baseline(self) -> str:
        """The faster NNX variant by median step time."""
        return min(("nnx-pure", "nnx-jit"), key=lambda name: self.timings[name].median_s)

    def paired(self, against: str) -> list[list[float]]:
        """typed / `against` for each pair of calls made side by side, round by round."""
        typed = self.timings["typed"].rounds
        return [[t / b for t, b in zip(ts, bs)] for ts, bs in zip(typed, self.timings[against].rounds)]

    def ratio(self, against: str) -> float:
        """The median of all paired ratios."""
        return statistics.median(r for pairs in self.paired(against) for r in pairs)

    def round_ratios(self, against: str) -> list[float]:
        """The median paired ratio of each round: their range is the spread reported."""
        return [statistics.median(pairs) for pairs in self.paired(against)]

    def spread(self, against: str) -> str:
        """The ratio and the range of the round medians, as `1.004 (0.991-1.020)`."""
        rounds = self.round_ratios(against)
        return f"{self.ratio(against):.3f} ({min(rounds):.3f}-{max(rounds):.3f})"


def compare(
    model: str,
    typed: tn.Model[Any, Any],
    module: nnx.Module,
    x: jax.Array,
    labels: jax.Array,
    *,
    rounds: int,
    round_seconds: float,
) -> Comparison:
    """Compile, check and time the three implementations of one model.

    Within a round the implementations alternate call by call (in rotating order), so
    load from other processes falls on neighbouring calls alike; ratios are taken between
    the calls of one iteration.
    """
    params = typed_params_from(module)
    steps = {
        "typed": typed_step(typed, params, x, labels),
        "nnx-pure": nnx_pure_step(module, x, labels),
        "nnx-jit": nnx_jit_step(module, x, labels),
    }
    timings = {name: Timing(timed(step)[0]) for name, step in steps.items()}

    # The same weights go into both, so the gradients must agree: the models are identical.
    (_, typed_grads), (_, nnx_grads) = steps["typed"](), steps["nnx-pure"]()
    diffs = jax.tree.map(lambda a, b: float(jnp.max(jnp.abs(a - b))), typed_grads, nnx.to_pure_dict(nnx_grads))
    max_grad_diff = max(jax.tree.leaves(diffs))
    same_program = steps["typed"].program() == steps["nnx-pure"].program()

    warmup = [timed(step)[0] for step in steps.values() for _ in range(3)]
    iterations = max(4, round(round_seconds / statistics.median(warmup)))
    names = list(steps)
    for _ in range(rounds):
        calls: dict[str, list[float]] = {name: [] for name in names}
        for i in range(iterations):
            for name in rotated(names, i):
                calls[name].append(timed(steps[name])[0])
        for name, times in calls.items():
            timings[name].rounds.append(times)
    return Comparison(model, int(x.shape[0]), iterations, timings, max_grad_diff, same_program)


def run(*, rounds: int = 7, round_seconds: float = 0.3, seed: int = 0) -> list[Comparison]:
    """Benchmark the MLP (batch 256) and the CNN (batch 128)."""
    key_x, key_y = jax.random.split(jax.random.key(seed))
    cases = [
        (MLP_NAME, typed_mlp(), NnxMLP(nnx.Rngs(seed)), (256, 784)),
        (STEP_CNN.name, STEP_CNN.typed_model(), STEP_CNN.nnx_module(nnx.Rngs(seed)), (128, 28, 28, 1)),
    ]
    results = []
    for name, typed, module, shape in cases:
        x = jax.random.normal(key_x, shape)
        labels = jax.random.randint(key_y, (shape[0],), 0, 10)
        results.append(compare(name, typed, module, x, labels, rounds=rounds, round_seconds=round_seconds))
    return results


def table(results: list[Comparison]) -> str:
    """A Markdown table of step times, compile times and typed/nnx ratios."""
    rows = [
        [
            result.model,
            str(result.batch),
            name + (" (faster nnx)" if name == result.baseline else ""),
            f"{timing.compile_s:.2f}",
            f"{timing.median_s * 1e3:.2f}",
            "" if name == "typed" else result.spread(name),
        ]
        for result in results
        for name, timing in result.timings.items()
    ]
    header = ["model", "batch", "impl", "compile (s)", "step (ms, median)", "typed / impl (median, round range)"]
    return markdown_table(header, "lrlrrl", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "rounds", "interleaved timing rounds")
    add_option(parser, run, "round_seconds", "time per implementation per round")
    args = parser.parse_args()
    results = run(rounds=args.rounds, round_seconds=args.round_seconds)
    print(table(results))
    for result in results:
        print(
            f"{result.model}: typed / {result.baseline} = {result.spread(result.baseline)} over {result.rounds} rounds "
            f"of {result.iterations} steps; max |grad difference| {result.max_grad_diff:.1e}; "
            f"same program as nnx-pure: {'yes' if result.same_program else 'NO'}"
        )


if __name__ == "__main__":
    main()
