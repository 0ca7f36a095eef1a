"""Running the server on uvicorn: the socket, the ready line, signals, and worker processes.

The socket is bound here, before uvicorn starts, so that port 0 (any free port) can be
announced: one line on stdout, `typednn serve: http://HOST:PORT ready`, once the server
takes connections and every batch size is compiled.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from ..export._load import Loaded
from ._app import make_app
from ._options import ServeOptions

MODEL_VARIABLE = "TYPEDNN_SERVE_MODEL"
OPTIONS_VARIABLE = "TYPEDNN_SERVE_OPTIONS"
IMPORTS_VARIABLE = "TYPEDNN_SERVE_IMPORTS"


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` (port 0: any free one), not yet listening.

    Raises:
        TypednnError: when the address cannot be bound (in use, not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise TypednnError(
            f"typednn serve: cannot listen on {host}:{port}: {error.strerror or error}",
            hint="choose another --port (0 takes any free one), or a --host of this machine",
        ) from None
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


def url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    loaded: Loaded,
    sock: socket.socket,
    options: ServeOptions,
    *,
    access_log: bool = False,
) -> int:
    """Serve `loaded` on `sock` in this process until SIGTERM or SIGINT; returns the exit code, 0.

    On either signal uvicorn stops taking connections, answers every request it has
    (the batcher runs what is queued), and returns.
    """
    import uvicorn  # noqa: PLC0415 - the serve extra

    address = url(sock)
    server: uvicorn.Server | None = None

    async def announce() -> None:
        while server is None or not server.started:  # the lifespan starts before the socket listens
            await asyncio.sleep(0.01)
        print(f"typednn serve: {address} ready", flush=True)

    app = make_app(loaded, options, on_ready=announce)
    server = uvicorn.Server(_config(app, access_log=access_log))
    # uvicorn catches SIGINT and SIGTERM while it serves, then raises them again once it
    # has shut down, to whatever handled them before: ignored here, so a graceful
    # shutdown exits 0 (the `typednn` command's own SIGINT handler exits 130 at once).
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if not server.started:
        raise TypednnError("typednn serve: the server did not start; its log above says why")
    return 0


def serve_workers(
    model: Path, imports: list[str], sock: socket.socket, options: ServeOptions, workers: int, *, access_log: bool
) -> int:
    """Serve with `workers` processes on one socket: each loads the model and compiles its batch sizes.

    Each worker has its own batcher and metrics; a request reaches one of them.
    """
    from uvicorn.supervisors import Multiprocess  # noqa: PLC0415

    os.environ[MODEL_VARIABLE] = str(model.resolve())
    os.environ[OPTIONS_VARIABLE] = json.dumps(asdict(options))
    os.environ[IMPORTS_VARIABLE] = json.dumps(imports)
    config = _config("typednn.serve._factory:app", access_log=access_log, factory=True, workers=workers)
    print(f"typednn serve: {url(sock)} starting {workers} workers (each ready when its GET /readyz is)", flush=True)
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        Multiprocess(config, sockets=[sock]).run()  # on SIGTERM or SIGINT: each worker shuts down gracefully
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _config(app: Any, *, access_log: bool, **more: Any) -> Any:
    import uvicorn  # noqa: PLC0415

    return uvicorn.Config(
        app,
        log_level="info",
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=None,  # every request in flight is answered
        **more,
    )
