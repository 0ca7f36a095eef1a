"""`--processes N`: a job of N worker processes on this machine, for trying multi-process runs.

Each worker is `python -m typednn <the same command>` joined to a coordinator on
127.0.0.1 as process 0..N-1 (on a GPU box, worker i uses GPU i). The launcher relays
their error output, each line marked with its worker (JAX's C++ stack traces left
out), and watches them: when one fails, the others have `grace` seconds to stop on
their own (they do once their collectives break) before they are killed.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

from .._errors import TypednnError

GRACE = 30.0
# JAX's C++ fatal errors print a stack trace of addresses after their message; gloo
# reports each connection.
_NOISE = ("*** Check failure stack trace", "    @ ", "[Gloo] ")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def without_option(argv: Sequence[str], option: str) -> list[str]:
    """`argv` without `option VALUE` / `option=VALUE`."""
    kept: list[str] = []
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == option:
            skip = True
        elif not token.startswith(option + "="):
            kept.append(token)
    return kept


def launch(argv: Sequence[str], processes: int, *, grace: float = GRACE) -> int:
    """Run `typednn *argv` as a job of `processes` local workers; returns 0 when all succeed.

    Raises:
        TypednnError: when a worker fails (naming each worker's exit), after stopping the others.
    """
    port = free_port()
    workers = []
    for index in range(processes):
        joined = ["--coordinator", f"127.0.0.1:{port}", "--process-id", str(index), "--num-processes", str(processes)]
        command = [sys.executable, "-m", "typednn", *argv, *joined, "--local-devices", str(index)]
        # Only process 0 reports progress; the others' standard output holds only gloo's greetings.
        stdout = None if index == 0 else subprocess.DEVNULL
        workers.append(subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, text=True, errors="replace"))
    relays = [
        threading.Thread(target=_relay, args=(worker.stderr, "" if i == 0 else f"worker {i}: "), daemon=True)
        for i, worker in enumerate(workers)
    ]
    for relay in relays:
        relay.start()
    try:
        codes = _wait(workers, grace)
    except KeyboardInterrupt:
        _stop(workers, signal.SIGINT)
        raise
    for relay in relays:
        relay.join(timeout=5)
    if all(code == 0 for code in codes):
        return 0
    raise TypednnError(
        f"the job of {processes} processes failed: " + "; ".join(_describe(i, code) for i, code in enumerate(codes)),
        hint="the first failure's message is above; checkpoints up to the last complete one are kept:"
        " rerun with --resume to continue",
    )


def _wait(workers: list[subprocess.Popen[str]], grace: float) -> list[int]:
    failed_at: float | None = None
    while True:
        codes = [worker.poll() for worker in workers]
        if all(code is not None for code in codes):
            return [int(code) for code in codes if code is not None]
        if failed_at is None and any(code not in (None, 0) for code in codes):
            failed_at = time.monotonic()
        if failed_at is not None and time.monotonic() - failed_at > grace:
            _stop(workers, signal.SIGKILL)
        time.sleep(0.05)


def _stop(workers: list[subprocess.Popen[str]], how: signal.Signals) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(how)
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _relay(stream: IO[str] | None, prefix: str) -> None:
    assert stream is not None
    for line in stream:
        if not line.startswith(_NOISE):
            sys.stderr.write(prefix + line)
            sys.stderr.flush()


def _describe(index: int, code: int) -> str:
    if code == 0:
        return f"worker {index} finished"
    if code == -signal.SIGABRT:
        return f"worker {index} was stopped by JAX's distributed runtime (SIGABRT)"
    if code < 0:
        return f"worker {index} was killed by {signal.Signals(-code).name}"
    return f"worker {index} exited with {code}"
