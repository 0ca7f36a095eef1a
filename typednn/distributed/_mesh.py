"""Where arrays live on a mesh of devices: batches split over `data`, parameters replicated or sharded.

Data parallelism on a one-axis mesh named `data`:

- each global batch is split along its example axis, one slice per device; every
  process builds only the slices of its own devices (`global_batch`);
- parameters and optimizer state are replicated on every device, or, with
  `shard_params` (FSDP-style), each large array is split along one of its axes
  over the same devices (`state_sharding`);
- XLA's SPMD partitioner inserts the collectives: the mean loss and the gradients
  are reduced across devices, sharded parameters are gathered where a layer needs
  them whole. The step function is the single-device one, unchanged.

Sums over the batch become sums over devices, so results equal single-device
training up to float32 rounding; random numbers do not depend on the sharding
(`jax_threefry_partitionable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._errors import TypednnError

DATA = "data"
# Arrays smaller than this stay replicated under `shard_params`: splitting a bias
# costs a collective and saves next to nothing.
SHARD_MIN_SIZE = 4096

Array = np.ndarray[Any, Any]


def _spec(*axes: str | None) -> PartitionSpec:
    return PartitionSpec(*axes)


def _constrain(x: jax.Array, sharding: NamedSharding) -> jax.Array:
    constrained: jax.Array = jax.lax.with_sharding_constraint(x, sharding)
    return constrained


def data_mesh(devices: int | Sequence[jax.Device] | None = None) -> Mesh:
    """A one-axis mesh named `data` for data-parallel training.

    Args:
        devices: The devices, how many of the first ones, or None for every device of
            the job (every process's, in a multi-process job).

    Raises:
        TypednnError: for a count that is not between 1 and the number of devices, or
            devices that leave a process of the job without one.

    Example:
        >>> mesh = data_mesh(1)
        >>> mesh.axis_names, mesh.size
        (('data',), 1)
    """
    every = jax.devices()
    if devices is None:
        chosen = every
    elif isinstance(devices, int):
        if not 1 <= devices <= len(every):
            raise TypednnError(
                f"cannot train on {devices} devices: this job has {len(every)} ({every[0].platform})",
                hint="pass a count from 1 to the number of devices, or none for all of them",
            )
        chosen = every[:devices]
    else:
        chosen = list(devices)
    idle = sorted({d.process_index for d in every} - {d.process_index for d in chosen})
    if idle:
        raise TypednnError(
            f"the {len(chosen)} devices chosen leave process(es) {idle} of the job without a device",
            hint="in a multi-process job, train on every device (no --devices) or on some of each process's",
        )
    return Mesh(np.array(chosen), (DATA,))


@dataclass(frozen=True)
class Placement:
    """How a trainer lays its arrays out on `mesh`.

    Attributes:
        mesh: A mesh with a `data` axis (`data_mesh`).
        shard_params: Split parameters and optimizer state over `data` (FSDP-style)
            instead of replicating them.
    """

    mesh: Mesh
    shard_params: bool = False

    def __post_init__(self) -> None:
        if DATA not in self.mesh.axis_names:
            raise TypednnError(
                f"the mesh has axes {self.mesh.axis_names}, none named {DATA!r}",
                hint="make it with tn.distributed.data_mesh(), or name its batch axis 'data'",
            )

    @property
    def devices(self) -> int:
        """The number of devices a batch is split over."""
        return int(self.mesh.shape[DATA])

    @property
    def replicated(self) -> NamedSharding:
        return NamedSharding(self.mesh, _spec())

    @property
    def batches(self) -> NamedSharding:
        """A chunk's batches, `(steps, batch, ...)`: split along the batch axis."""
        return NamedSharding(self.mesh, _spec(None, DATA))

    def state_sharding(self, shape: tuple[int, ...]) -> NamedSharding:
        """Replicated; or, with `shard_params`, split along the largest axis the devices divide."""
        if not self.shard_params or int(np.prod(shape, dtype=np.int64)) < SHARD_MIN_SIZE:
            return self.replicated
        axes = [axis for axis in np.argsort(shape, kind="stable")[::-1] if shape[axis] % self.devices == 0]
        if not axes:
            return self.replicated
        spec: list[str | None] = [None] * len(shape)
        spec[int(axes[0])] = DATA
        return NamedSharding(self.mesh, _spec(*spec))

    def place(self, tree: Any) -> Any:
        """Host arrays (the same in every process) as global arrays laid out by `state_sharding`."""

        def put(leaf: Any) -> jax.Array:
            host = np.asarray(leaf)
            placed: jax.Array = jax.make_array_from_callback(
                host.shape, self.state_sharding(host.shape), lambda i: host[i]
            )
            return placed

        return jax.tree.map(put, jax.device_get(tree))

    def replicate(self, key: jax.Array) -> jax.Array:
        """A PRNG key (the same in every process) on every device."""
        data = np.asarray(jax.random.key_data(key))
        placed = jax.make_array_from_callback(data.shape, self.replicated, lambda i: data[i])
        replicated: jax.Array = jax.random.wrap_key_data(placed, impl=jax.random.key_impl(key))
        return replicated

    def constrain(self, tree: Any) -> Any:
        """Inside `jit`: keep state laid out by `state_sharding` (a step's outputs like its inputs)."""
        return jax.tree.map(lambda x: _constrain(x, self.state_sharding(x.shape)), tree)

    def constrain_replicated(self, tree: Any) -> Any:
        """Inside `jit`: results every process reads (losses, metric states) on every device."""
        return jax.tree.map(lambda x: _constrain(x, self.replicated), tree)

    def local_columns(self, batch_size: int) -> slice:
        """The examples of each global batch that this process's devices hold."""
        columns = [
            index[1] for index in self.batches.addressable_devices_indices_map((1, batch_size)).values() if index
        ]
        return slice(min(c.start or 0 for c in columns), max(batch_size if c.stop is None else c.stop for c in columns))

    def process_columns(self, batch_size: int) -> dict[int, slice]:
        """The examples of each global batch that each process's devices hold, by process index.

        Raises:
            TypednnError: when a process's devices do not hold one contiguous block of
                columns (a mesh that interleaves the processes' devices).
        """
        by_process: dict[int, list[slice]] = {}
        indices: Mapping[jax.Device, Any] = self.batches.devices_indices_map((1, batch_size))
        for device, index in indices.items():
            by_process.setdefault(device.process_index, []).append(index[1])
        blocks: dict[int, slice] = {}
        for process, columns in sorted(by_process.items()):
            spans = sorted({(c.start or 0, batch_size if c.stop is None else c.stop) for c in columns})
            if any(a[1] != b[0] for a, b in pairwise(spans)):
                raise TypednnError(
                    f"process {process}'s devices hold columns {spans} of each batch, not one block",
                    hint="order the mesh's devices by process, as tn.distributed.data_mesh() does",
                )
            blocks[process] = slice(spans[0][0], spans[-1][1])
        return blocks

    def global_batch(self, local: Array, batch_size: int) -> jax.Array:
        """A chunk's arrays, `(steps, batch, ...)`, from this process's columns of them."""
        shape = (local.shape[0], batch_size, *local.shape[2:])
        # jax leaves it unannotated.
        batch: jax.Array = jax.make_array_from_process_local_data(self.batches, local, shape)
        return batch

    def gather(self, tree: Any) -> Any:
        """Global arrays as host arrays in every process (a collective when they are split across processes)."""
        if all(leaf.is_fully_addressable or leaf.is_fully_replicated for leaf in jax.tree.leaves(tree)):
            return jax.device_get(tree)
        from jax.experimental import multihost_utils  # noqa: PLC0415 - only multi-process runs need it

        return multihost_utils.process_allgather(tree, tiled=True)

    def check_batch(self, batch_size: int) -> None:
        """Raise unless the devices divide `batch_size` (each takes the same share)."""
        if batch_size % self.devices:
            raise TypednnError(
                f"batch_size {batch_size} cannot be split evenly over {self.devices} devices",
                hint=f"use a multiple of {self.devices}, e.g. {batch_size + self.devices - batch_size % self.devices}",
            )
