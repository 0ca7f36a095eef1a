"""The naive server that bench/serve.py measures `typednn serve` against: one `model.apply` per request.

What a user writes without a batching server: a FastAPI app whose (synchronous) route
runs the model on each request's examples as they come, on FastAPI's thread pool. Same
model, same JSON format, same uvicorn; no batching. Prints `naive: URL ready` when it is.

Run as ``python bench/_naive_server.py MODEL_DIR``.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI

import typednn as tn


def main() -> None:
    model, params = tn.load(sys.argv[1])
    output = model.output_names[0]
    app = FastAPI()

    @app.post("/v1/predict")
    def predict(body: dict[str, Any]) -> dict[str, Any]:
        x = np.asarray(body["instances"], np.float32)
        return {"outputs": {output: np.asarray(model.apply(params, x)).tolist()}}

    warm = np.zeros((1, *(n for n in model.graph.inputs[0].shape.dims if isinstance(n, int))), np.float32)
    np.asarray(model.apply(params, warm))  # compiled before the first request, as typednn serve does
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    print(f"naive: http://127.0.0.1:{sock.getsockname()[1]} ready", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
