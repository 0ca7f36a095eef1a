"""The `train` options for many devices and many processes, and joining a job before training."""

from __future__ import annotations

import argparse
from typing import Any

from ._usage import UsageError, positive


def add_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group(
        "distributed training",
        "Data-parallel training on JAX's distributed runtime: each batch is split over the devices,"
        " and the gradients reduced across them.",
    )
    group.add_argument("--devices", metavar="N", type=positive, help="train on the first N devices (default: one)")
    group.add_argument("--fsdp", action="store_true", help="shard parameters and optimizer state over the devices too")
    group.add_argument(
        "--processes", metavar="N", type=positive, help="launch N worker processes on this machine, joined in one job"
    )
    group.add_argument("--coordinator", metavar="HOST:PORT", help="join a multi-host job whose process 0 listens here")
    group.add_argument("--process-id", metavar="I", type=int, help="this process's number in the job, 0 to N-1")
    group.add_argument("--num-processes", metavar="N", type=positive, help="how many processes the job has")
    group.add_argument(
        "--local-devices", metavar="IDS", help="the accelerators this process uses, e.g. 0,1 (default: all it sees)"
    )
    group.add_argument(
        "--join-timeout", metavar="S", type=float, default=120.0, help="seconds to wait for every process to join"
    )


def check(args: argparse.Namespace) -> None:
    """Raise `UsageError` for options that contradict each other."""
    joining = (args.coordinator, args.process_id, args.num_processes)
    if any(option is not None for option in joining) and None in joining:
        raise UsageError(
            "--coordinator, --process-id and --num-processes go together",
            hint="pass all three to join a job, or --processes N to launch one on this machine",
        )
    if args.processes is not None and args.coordinator is not None:
        raise UsageError("--processes launches its own job; it does not join one with --coordinator")


def join(args: argparse.Namespace) -> bool:
    """Join the job the options name, if any; whether this process is part of one."""
    if args.coordinator is None:
        return False
    from ..distributed import initialize  # noqa: PLC0415 - imports JAX

    ids = None if args.local_devices is None else [int(i) for i in args.local_devices.split(",")]
    initialize(
        args.coordinator,
        num_processes=args.num_processes,
        process_id=args.process_id,
        join_timeout=args.join_timeout,
        local_device_ids=ids,
    )
    return True


def trainer_options(args: argparse.Namespace) -> dict[str, Any]:
    """`mesh` and `shard_params` for the Trainer, as the options say (in a job: all its devices)."""
    if args.devices is None and not args.fsdp:
        return {}
    from ..distributed import data_mesh  # noqa: PLC0415 - imports JAX

    return {"mesh": data_mesh(args.devices), "shard_params": args.fsdp}
