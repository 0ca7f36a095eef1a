"""The `typednn` command's process: Ctrl-C handled from its first moment, then the CLI.

Kept apart from `typednn.cli`, whose imports (NumPy, the commands) take a while: an
interrupt while they load must end like any other, with exit 130 and one line.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn


def _interrupted(number: int, frame: object) -> None:
    """Ctrl-C: exit at once with 130, saying only so.

    The interrupt may strike while modules load, JAX compiles or checkpoint writer
    threads run; unwinding through them, or tearing the interpreter down around them,
    can crash the process (a segfault after the message). Nothing is lost by exiting
    at once: every file typednn writes is published by an atomic rename or an fsynced
    append, and a checkpoint cut short is cleaned up by the next run.
    """
    os.write(2, b"typednn: interrupted\n")
    os._exit(130)


def run() -> NoReturn:
    """The `typednn` command (and `python -m typednn`)."""
    signal.signal(signal.SIGINT, _interrupted)
    from .cli import main  # noqa: PLC0415 - after the handler is in place

    code = main()
    if code != 0:
        # A failed command can leave native threads mid-work (pyarrow's readers, XLA's
        # pools); tearing the interpreter down around them sometimes aborted the process
        # after its message ("terminate called without an active exception", exit -6
        # instead of 1). Nothing is left to write (files are published atomically), so
        # a failure exits at once with its code.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)
