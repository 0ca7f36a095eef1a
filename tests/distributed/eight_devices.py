"""Run with XLA_FLAGS=--xla_force_host_platform_device_count=8: trains one model on 1 device and
data-parallel on 8 (parameters replicated, then sharded FSDP-style) and prints, as JSON, the
largest difference of the final parameters and metrics from the single-device run."""

from __future__ import annotations

import json
import sys
from typing import Any

import jax
import numpy as np
import optax

import typednn as tn
from typednn import nn


def model() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 1)
    y = (
        x
        >> nn.Flatten()
        >> nn.Dense(64, use_bias=False)
        >> nn.BatchNorm()
        >> nn.relu
        >> nn.Dropout(0.2)
        >> nn.Dense(64)
    )
    return tn.Model(x, y >> nn.relu >> nn.Dense(10))


def train(**options: Any) -> tuple[Any, dict[str, float], Any]:
    data = tn.data.digits()
    data = tn.data.from_arrays(np.asarray(data.features[:300]), np.asarray(data.targets[:300]))
    trainer = tn.Trainer(
        model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"], **options
    )
    history = trainer.fit(data, epochs=3, batch_size=64, validation=0.2, verbose=0)
    shardings = {
        k: {n: str(getattr(a.sharding, "spec", None)) for n, a in v.items()} for k, v in trainer.params.items()
    }
    return trainer.host_params(), history.epochs[-1], shardings


def main() -> None:
    assert len(jax.devices()) == 8, jax.devices()
    single, single_logs, _ = train()
    report: dict[str, Any] = {}
    setups: dict[str, dict[str, Any]] = {
        "data": {"mesh": tn.distributed.data_mesh()},
        "fsdp": {"mesh": tn.distributed.data_mesh(), "shard_params": True},
    }
    for name, options in setups.items():
        params, logs, shardings = train(**options)
        diffs = jax.tree.map(lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))), params, single)
        report[name] = {
            "params": max(jax.tree.leaves(diffs)),
            "logs": max(abs(logs[k] - single_logs[k]) for k in single_logs),
            "shardings": shardings,
        }
    try:
        tn.Trainer(
            model(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.sgd(0.1), mesh=tn.distributed.data_mesh()
        ).fit(tn.data.digits(), epochs=1, batch_size=30, verbose=0)
    except tn.TypednnError as error:
        report["uneven batch"] = str(error)
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
