"""`typednn serve`: an exported model behind HTTP (see `typednn.serve`).

The model is loaded, and the address bound, before the server starts: a directory that
is not a typednn export, or a port taken, exits 1 with the message.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._usage import existing, positive

DESCRIPTION = (
    'Serve the model in DIR over HTTP: POST /v1/predict takes JSON {"inputs": {name: nested list}}, one .npy'
    " array (Content-Type: application/x-npy) or, for a model saved with column transforms, raw CSV rows"
    " (text/csv); GET /healthz, /readyz, /metrics (Prometheus) and /docs (OpenAPI). Concurrent requests are"
    " batched: a batch closes at --max-batch examples or --max-wait-ms after its first request, and runs"
    " padded to a batch size compiled at start-up. Prints 'typednn serve: URL ready' when it takes requests;"
    " SIGTERM or Ctrl-C answers the requests in flight, then exits 0."
)


def add_serve(commands: Any) -> None:
    from ..serve._options import MAX_BATCH, MAX_BODY_BYTES, MAX_WAIT_MS  # noqa: PLC0415 - no JAX, no extra

    command = commands.add_parser("serve", help="serve an exported model over HTTP", description=DESCRIPTION)
    command.add_argument("--model", metavar="DIR", type=existing, required=True, help="an exported model directory")
    command.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    command.add_argument("--port", type=_port, default=8000, help="the port (default 8000; 0 takes any free one)")
    command.add_argument(
        "--max-batch", type=positive, default=MAX_BATCH, help=f"examples per batch (default {MAX_BATCH})"
    )
    command.add_argument(
        "--max-wait-ms",
        type=float,
        default=MAX_WAIT_MS,
        help=f"how long a batch waits for more requests after its first (default {MAX_WAIT_MS:g})",
    )
    command.add_argument(
        "--workers",
        type=positive,
        default=1,
        help="server processes on one port, each loading the model (default 1)",
    )
    command.add_argument(
        "--max-body-bytes",
        type=positive,
        default=MAX_BODY_BYTES,
        help=f"the largest request body; larger ones get 413 (default {MAX_BODY_BYTES})",
    )
    command.add_argument("--access-log", action="store_true", help="log each request (uvicorn's access log)")
    command.set_defaults(run=_serve)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 0 to 65535, not {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    from ..serve._extra import require  # noqa: PLC0415 - see the module docstring

    require()
    from ..export import load  # noqa: PLC0415
    from ..serve._main import bind, serve, serve_workers  # noqa: PLC0415
    from ..serve._options import ServeOptions  # noqa: PLC0415

    options = ServeOptions(max_batch=args.max_batch, max_wait_ms=args.max_wait_ms, max_body_bytes=args.max_body_bytes)
    loaded = load(args.model)  # a directory that is not an export: its error, before the port is taken
    sock = bind(args.host, args.port)
    if args.workers > 1:
        del loaded  # each worker loads its own
        return serve_workers(args.model, args.imports, sock, options, args.workers, access_log=args.access_log)
    return serve(loaded, sock, options, access_log=args.access_log)
