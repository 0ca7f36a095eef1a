"""A scaling model of data-parallel training for the zoo: communication per step against compute per step.

For each model of `typednn.zoo` it takes two figures from the model itself:

- the training FLOPs of one example: XLA's cost analysis of the `tn.Trainer`'s compiled
  step (forward, backward, adam update) on a batch of 8, divided by 8;
- the bytes each device must exchange per step: the float32 gradients, all-reduced by a
  ring (each device sends and receives 2 (N-1)/N of them); with `shard_params` (FSDP) the
  parameters are all-gathered twice (forward, backward) and the gradients reduce-scattered:
  3 (N-1)/N of them.

and then a step on N devices with b examples each takes about
`max(compute, communication)` when XLA overlaps them, `compute + communication` when it
cannot, where compute = b x FLOPs / C and communication = bytes / B. The table gives, for
an assumed achieved compute C and bus bandwidth B, the time of one step's exchange, the
per-device batch at which compute equals it (above it, adding devices scales nearly
linearly) and the efficiency at 32 examples per device without overlap.

Run with ``python bench/scaling.py [--devices N]``. The figures are a model, not a
measurement: see docs/distributed.md.
"""

from __future__ import annotations

import argparse
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _common import markdown_table

import typednn as tn
from typednn import zoo

# (name, achieved FLOP/s per device, bus bandwidth per device in bytes/s)
LINKS = (
    ("8 GPUs, NVLink (C 100 TFLOP/s, B 200 GB/s)", 100e12, 200e9),
    ("GPU hosts, 100 Gb/s Ethernet (C 100 TFLOP/s, B 10 GB/s)", 100e12, 10e9),
)
BATCH = 8
PER_DEVICE = 32


def flops_per_example(model: tn.Model[Any, Any]) -> float:
    """Training FLOPs of one example, from XLA's cost analysis of the Trainer's step."""
    trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-3))
    compiled = trainer._compiled
    dims = tuple(int(d) for d in model.inputs.shape.dims)
    dtype = jnp.int32 if model.inputs.shape.tokens else jnp.float32
    args = (
        trainer.params,
        trainer.opt_state,
        compiled.init_metrics(),
        jnp.zeros((1, BATCH, *dims), dtype),
        jnp.zeros((1, BATCH), jnp.int32),
        jnp.ones((1, BATCH), jnp.float32),
        jnp.zeros((1,), jnp.int32),
        trainer._key,
    )
    cost = jax.jit(compiled._train_fed).lower(*args).compile().cost_analysis()
    analysis = cost[0] if isinstance(cost, list) else cost
    return float(analysis["flops"]) / BATCH


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=8, help="N, the number of devices (default 8)")
    devices = parser.parse_args().devices
    ring = 2 * (devices - 1) / devices
    rows = []
    builds = {"mlp": zoo.mlp, "lenet5": zoo.lenet5, "resnet18": zoo.resnet18, "transformer": zoo.transformer_classifier}
    for name, build in builds.items():
        model = build()
        trainable = model.lowered.split(model.param_shapes())[0]
        parameters = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(trainable))
        flops = flops_per_example(model)
        for link, compute, bandwidth in LINKS:
            seconds = ring * 4 * parameters / bandwidth
            even = seconds * compute / flops
            step = PER_DEVICE * flops / compute
            rows.append(
                [
                    name,
                    f"{parameters:,}",
                    f"{flops / 1e6:,.1f}",
                    link,
                    f"{seconds * 1e3:.3f}",
                    f"{even:,.0f}",
                    f"{step / (step + seconds):.0%}",
                ]
            )
    header = [
        "model",
        "parameters",
        "MFLOPs / example",
        "devices and link",
        f"all-reduce per step (ms, N={devices})",
        "break-even examples / device",
        f"efficiency at {PER_DEVICE} / device, no overlap",
    ]
    print(markdown_table(header, "lrrlrrr", rows))


if __name__ == "__main__":
    main()
