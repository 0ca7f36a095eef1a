"""Inference on CPU: the ONNX export in ONNX Runtime against `model.apply` (jitted JAX).

For each model (`typednn.zoo`'s mlp, lenet5 and resnet18, seeded parameters), the
model is exported with `typednn.export.onnx` (verified on writing), then both sides run
the same inputs at batch 1 and 64 in alternating calls, after a warm-up call each:
ONNX Runtime's `InferenceSession.run` (CPU provider, its default threads) and
`model.apply(params, x)` with the result read back to NumPy (`jax.block_until_ready`
and `np.asarray`, what a server does with it). The figures are medians; the ratio is
ONNX Runtime's median / apply's (below 1: ONNX Runtime is faster). No target.

Run alone with ``python bench/onnx_runtime.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
from _common import add_option, markdown_table, rotated, timed

import typednn as tn
from typednn import zoo
from typednn.export._contract import contract

MODELS: dict[str, Callable[[], tn.Model[Any, Any]]] = {
    "mlp": zoo.mlp,
    "lenet5": zoo.lenet5,
    "resnet18": zoo.resnet18,
}
BATCHES = (1, 64)


@dataclass(frozen=True)
class Case:
    model: str
    batch: int
    seconds: dict[str, list[float]]  # "onnxruntime" and "apply": each call's seconds
    max_abs_diff: float

    def median_ms(self, name: str) -> float:
        return 1000 * statistics.median(self.seconds[name])

    @property
    def ratio(self) -> float:
        return self.median_ms("onnxruntime") / self.median_ms("apply")


def _case(name: str, model: tn.Model[Any, Any], session: Any, params: Any, batch: int, calls: int) -> Case:
    rng = np.random.default_rng(0)
    [spec] = contract(model).inputs
    x = rng.standard_normal((batch, *(int(size) for size in spec.shape))).astype(np.float32)
    feed = {session.get_inputs()[0].name: x}
    contenders: dict[str, Callable[[], Any]] = {
        "onnxruntime": lambda: session.run(None, feed)[0],
        "apply": lambda: np.asarray(jax.block_until_ready(model.apply(params, x))),
    }
    outputs = {side: run() for side, run in contenders.items()}  # the warm-up (apply compiles here)
    seconds: dict[str, list[float]] = {side: [] for side in contenders}
    for call in range(calls):
        for side in rotated(list(contenders), call):
            seconds[side].append(timed(contenders[side])[0])
    diff = float(np.max(np.abs(outputs["onnxruntime"] - outputs["apply"])))
    return Case(name, batch, seconds, diff)


def run(*, calls: int = 30) -> list[Case]:
    """Export each model once, then time both sides at each batch size."""
    import onnxruntime  # noqa: PLC0415 - the onnx extra

    cases: list[Case] = []
    with tempfile.TemporaryDirectory() as folder:
        for name, build in MODELS.items():
            model = build()
            params = model.init(jax.random.key(0))
            path = Path(folder) / f"{name}.onnx"
            tn.export.onnx(model, params, path)
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            cases.extend(_case(name, model, session, params, batch, calls) for batch in BATCHES)
    return cases


def table(cases: list[Case]) -> str:
    rows = [
        [
            case.model,
            str(case.batch),
            f"{case.median_ms('onnxruntime'):.3f}",
            f"{case.median_ms('apply'):.3f}",
            f"{case.ratio:.3f}",
            f"{case.max_abs_diff:.1e}",
        ]
        for case in cases
    ]
    header = [
        "model",
        "batch",
        "ONNX Runtime (ms, median)",
        "apply (ms, median)",
        "onnxruntime / apply",
        "max abs diff",
    ]
    return markdown_table(header, "lrrrrr", rows)


def targets(cases: list[Case]) -> list[str]:
    return [
        f"- {case.model} inference, batch {case.batch}: ONNX Runtime / model.apply = {case.ratio:.3f} (no target)"
        for case in cases
    ]


def notes(cases: list[Case]) -> list[str]:
    calls = len(cases[0].seconds["apply"]) if cases else 0
    return [
        f"- ONNX Runtime against model.apply: {calls} alternating calls per side and batch size, after a warm-up;"
        " the ONNX files from typednn.export.onnx (default opset), verified on writing."
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_option(parser, run, "calls", "timed calls per side and batch size")
    args = parser.parse_args()
    cases = run(calls=args.calls)
    print(table(cases), end="\n\n")
    print("\n".join([*targets(cases), *notes(cases)]))


if __name__ == "__main__":
    main()
