"""Data-parallel training on a mesh: placement rules, the Trainer on a mesh, 8 virtual devices.

The 8-device run needs its own process: XLA fixes the number of CPU devices when JAX starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest

import typednn as tn
from typednn import TypednnError, nn
from typednn.distributed import DATA, Placement, data_mesh
from typednn.distributed._launch import _describe, without_option

HERE = Path(__file__).resolve().parent


def mlp() -> tn.Model[Any, Any]:
    x = tn.Input(8, 8, 1)
    return tn.Model(x, x >> nn.Flatten() >> nn.Dense(16) >> nn.relu >> nn.Dropout(0.1) >> nn.Dense(10))


def digits(n: int = 100) -> tn.data.Dataset[Any, Any]:
    data = tn.data.digits()
    return tn.data.from_arrays(np.asarray(data.features[:n]), np.asarray(data.targets[:n]))


def trainer(**options: Any) -> tn.Trainer[Any, Any]:
    return tn.Trainer(mlp(), loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), **options)


def test_data_mesh_has_one_data_axis() -> None:
    mesh = data_mesh()
    assert mesh.axis_names == (DATA,) and mesh.size == len(jax.devices())
    assert data_mesh(jax.devices()[:1]).size == 1


@pytest.mark.parametrize("devices", [0, 99])
def test_data_mesh_refuses_a_count_it_cannot_meet(devices: int) -> None:
    with pytest.raises(TypednnError, match=f"cannot train on {devices} devices: this job has 1"):
        data_mesh(devices)


def test_a_mesh_without_a_data_axis_is_refused() -> None:
    mesh = jax.sharding.Mesh(np.array(jax.devices()), ("batch",))
    with pytest.raises(TypednnError, match=r"axes \('batch',\), none named 'data'"):
        Placement(mesh)


def test_state_is_replicated_unless_sharded_and_large() -> None:
    mesh = data_mesh()
    assert Placement(mesh).state_sharding((128, 64)).spec == jax.sharding.PartitionSpec()
    sharded = Placement(mesh, shard_params=True)
    assert sharded.state_sharding((64, 128)).spec == jax.sharding.PartitionSpec(None, DATA)  # the larger axis
    assert sharded.state_sharding((128, 64)).spec == jax.sharding.PartitionSpec(DATA, None)
    assert sharded.state_sharding((10,)).spec == jax.sharding.PartitionSpec()  # small: replicated


def test_one_process_holds_every_column_of_a_batch() -> None:
    assert Placement(data_mesh()).local_columns(32) == slice(0, 32)


def test_shard_params_needs_a_mesh() -> None:
    with pytest.raises(TypednnError, match="shard_params=True needs a mesh"):
        trainer(shard_params=True)


def test_a_one_device_mesh_trains_as_without_one() -> None:
    data = digits()
    plain, meshed = trainer(), trainer(mesh=data_mesh(1))
    plain.fit(data, epochs=2, batch_size=32, verbose=0)
    history = meshed.fit(data, epochs=2, batch_size=32, verbose=0)
    assert len(history) == 2
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), meshed.host_params(), plain.host_params())
    assert meshed.evaluate(data) == pytest.approx(plain.evaluate(data), abs=1e-6)
    np.testing.assert_allclose(meshed.predict(data.features), plain.predict(data.features), atol=1e-6)


def test_launcher_helpers() -> None:
    argv = ["train", "s.yaml", "--processes", "4", "--quiet", "--processes=2"]
    assert without_option(argv, "--processes") == ["train", "s.yaml", "--quiet"]
    assert _describe(1, -9) == "worker 1 was killed by SIGKILL"
    assert _describe(0, -6) == "worker 0 was stopped by JAX's distributed runtime (SIGABRT)"
    assert _describe(2, 1) == "worker 2 exited with 1"


@pytest.mark.slow
def test_eight_virtual_devices_end_with_the_single_device_parameters() -> None:
    env = os.environ | {"XLA_FLAGS": "--xla_force_host_platform_device_count=8"}
    done = subprocess.run(
        [sys.executable, str(HERE / "eight_devices.py")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for name in ("data", "fsdp"):
        assert report[name]["params"] < 1e-5, report[name]
        assert report[name]["logs"] < 1e-5, report[name]
    assert report["data"]["shardings"]["dense_1"]["kernel"] == "P()"
    assert report["fsdp"]["shardings"]["dense_1"]["kernel"] == "P(None, 'data')"  # 64x64, split 8 ways
    assert report["fsdp"]["shardings"]["dense_1"]["bias"] == "P()"
    assert report["uneven batch"].startswith(
        "batch_size 30 cannot be split evenly over 8 devices\n  hint: use a multiple of 8, e.g. 32"
    )
