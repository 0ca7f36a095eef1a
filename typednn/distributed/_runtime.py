"""Joining a multi-process job on JAX's distributed runtime, and what each process is.

Every process of a job calls `initialize` before anything else touches JAX. Process 0
runs the coordination service at the coordinator address; the others connect to it.
On CPU, collectives go through gloo (TCP); on GPU through NCCL; on TPU through ICI.

Failures are bounded in time rather than left to hang:

- a process that cannot join within `join_timeout` stops with a `DistributedError`
  (a watchdog fires shortly before JAX's own deadline, which would abort the process
  with a C++ stack trace);
- a process that dies mid-run breaks the collective the others are in (gloo reports
  the closed connection at once), which `collective_failures` turns into a
  `DistributedError`; a process that is not in a collective then learns of it from
  the coordination service once the dead one has missed heartbeats for
  `heartbeat_timeout` seconds, and JAX stops it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import jax
import numpy as np

from .._errors import TypednnError

JOIN_TIMEOUT = 120
HEARTBEAT_TIMEOUT = 30
# JAX's own join deadline is this much later than ours, so the clear message comes first.
_JOIN_MARGIN = 5
# Words of the runtime errors that mean another process of the job is gone.
_PEER_LOST = ("gloo", "nccl", "connection reset", "connection closed", "unavailable", "deadline_exceeded", "socket")


class DistributedError(TypednnError):
    """The job cannot go on: a process did not join, or another process stopped."""


def initialize(
    coordinator: str,
    *,
    num_processes: int,
    process_id: int,
    join_timeout: float = JOIN_TIMEOUT,
    heartbeat_timeout: int = HEARTBEAT_TIMEOUT,
    local_device_ids: list[int] | None = None,
) -> None:
    """Join the job whose process 0 listens at `coordinator` (`HOST:PORT`).

    Args:
        coordinator: Process 0's address, reachable from every process.
        num_processes: How many processes the job has.
        process_id: This process's number, 0 to `num_processes - 1`; 0 coordinates.
        join_timeout: Seconds to wait for every process to join.
        heartbeat_timeout: Seconds after which a silent process counts as dead.
        local_device_ids: The accelerators this process uses (default: all it sees).

    Raises:
        DistributedError: a bad address or number, or the job did not assemble in time.
    """
    where = f"process {process_id} of {num_processes}"
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit():
        raise DistributedError(
            f"{where}: the coordinator address {coordinator!r} is not HOST:PORT",
            hint="e.g. --coordinator 10.0.0.1:1234, the address of process 0",
        )
    if num_processes < 1 or not 0 <= process_id < num_processes:
        raise DistributedError(
            f"{where}: the process id must be between 0 and {num_processes - 1}",
            hint="number the processes 0, 1, ... N-1; process 0 runs the coordinator",
        )
    # CPU collectives need gloo; the setting is ignored by GPU and TPU backends.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    joined = threading.Event()
    watchdog = threading.Thread(
        target=_stop_unless_joined, args=(joined, join_timeout, where, coordinator), daemon=True
    )
    watchdog.start()
    jax.distributed.initialize(
        coordinator,
        num_processes,
        process_id,
        local_device_ids=local_device_ids,
        initialization_timeout=int(join_timeout) + _JOIN_MARGIN,
        heartbeat_timeout_seconds=heartbeat_timeout,
    )
    joined.set()


def _stop_unless_joined(joined: threading.Event, timeout: float, where: str, coordinator: str) -> None:
    if joined.wait(timeout):
        return
    error = DistributedError(
        f"{where}: the job did not assemble at {coordinator} within {timeout:g} s",
        hint="start every process with the same --coordinator and --num-processes; process 0 must be"
        " reachable at that address (check the host, the port and firewalls)",
    )
    _exit_now(error)


def _exit_now(error: TypednnError) -> NoReturn:
    """Print `error` and end the process at once, with exit code 1.

    Not `sys.exit`: at exit JAX waits at a shutdown barrier for every process, which a
    dead peer never reaches, and then aborts with a stack trace.
    """
    print(f"typednn: error: {error}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(1)


def process_index() -> int:
    """This process's number in the job (0 outside one)."""
    return int(jax.process_index())


def process_count() -> int:
    """How many processes the job has (1 outside one)."""
    return int(jax.process_count())


def is_chief() -> bool:
    """Whether this process writes logs, checkpoints' metadata and exports (process 0)."""
    return jax.process_index() == 0


def barrier(name: str) -> None:
    """Wait until every process of the job reaches the barrier `name` (nothing in one process)."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils  # noqa: PLC0415 - only multi-process runs need it

        multihost_utils.sync_global_devices(name)


def each_process(values: Sequence[int]) -> np.ndarray[Any, Any]:
    """Every process's `values` (whole numbers, as many in each), by process index: a collective.

    Every process of the job must call it, with as many values; in one process it
    makes no collective. Values are 32-bit (JAX's default integers).

    Example:
        >>> each_process([3, 4]).tolist()  # one process
        [[3, 4]]
    """
    mine = np.asarray(values, np.int32)
    if jax.process_count() == 1:
        return mine[None]
    from jax.experimental import multihost_utils  # noqa: PLC0415 - only multi-process runs need it

    return np.asarray(multihost_utils.process_allgather(mine)).reshape(jax.process_count(), len(mine))


@contextmanager
def collective_failures() -> Iterator[None]:
    """Turn a collective broken by a lost process into a `DistributedError`.

    In one process it does nothing. In a job, a runtime error whose message speaks of
    the transport (gloo, NCCL, a closed connection, an unavailable peer) means another
    process stopped; anything else passes through unchanged.
    """
    try:
        yield
    except TypednnError:
        raise
    except Exception as error:
        text = str(error)
        if jax.process_count() == 1 or not any(word in text.lower() for word in _PEER_LOST):
            raise
        first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        raise DistributedError(
            f"process {jax.process_index()} of {jax.process_count()}: another process of the job stopped: {first}",
            hint="see the other processes' messages for the cause; fix it and rerun with --resume to"
            " continue from the last checkpoint",
        ) from error
