"""Answering POST /v1/predict: the body read within its limit, decoded, checked, batched, answered.

A refused request (its body, media type or values) gets a 4xx with typednn's own
message and hint, `{"error": ..., "hint": ...}`, and nothing in the log: it is the
client's to fix. Anything else that goes wrong answering is a bug: a 500 that says
so, and its traceback in the server's error log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from .._errors import TypednnError
from ..export._load import Loaded
from ._batcher import Batcher
from ._decode import BODY, CSV, decode, media_type
from ._metrics import Metrics
from ._options import ServeOptions
from ._runner import Runner
from ._status import RequestError, status_of
from ._values import Array, checked

if TYPE_CHECKING:
    from starlette.requests import Request

PREDICT = "/v1/predict"
# uvicorn's error log: its handler prints the level ("ERROR:"), and the traceback.
LOG = logging.getLogger("uvicorn.error")
BUG = {"error": "internal error", "hint": "this is a bug in typednn; the server's log holds its traceback"}


class Predictor:
    """The model behind POST /v1/predict: its runner, batcher and metrics.

    Args:
        loaded: The model, its parameters and its saved transforms.
        options: Batching and limits.
    """

    def __init__(self, loaded: Loaded, options: ServeOptions) -> None:
        self.model, params = loaded
        self.transform = loaded.transform
        self.options = options
        self.runner = Runner(self.model, params, options.batch_sizes)
        self.contract = self.runner.contract
        self.metrics = Metrics(options.batch_sizes)
        self.ready = False
        self._batcher: Batcher | None = None
        self._active = 0  # requests being answered: a batch waits for company only when there are others

    def open(self) -> None:
        """Start batching (in the event loop that serves)."""
        self._batcher = Batcher(
            self.runner.run,
            max_batch=self.options.max_batch,
            max_wait=self.options.max_wait_ms / 1000,
            on_batch=self.metrics.batch_size.observe,
            active=lambda: self._active,
        )
        self._batcher.start()

    async def compile(self) -> None:
        """Compile every batch size (requests are taken meanwhile), then say ready."""
        try:
            await asyncio.to_thread(self.runner.compile_all)
        except Exception:
            LOG.exception("typednn serve: compiling the batch sizes failed")
            return
        self.ready = True

    async def stop(self) -> None:
        """Run what is queued, then end the worker thread (uvicorn has answered every request)."""
        if self._batcher is not None:
            await self._batcher.stop()

    async def answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        """The status and JSON payload for one request, counted in the metrics."""
        start = time.perf_counter()
        self.metrics.in_flight.inc()
        self._active += 1
        try:
            status, payload = await self._answer(request)
        finally:
            self._active -= 1
            self.metrics.in_flight.dec()
        self.metrics.answered(status, time.perf_counter() - start)
        return status, payload

    async def _answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        from starlette.requests import ClientDisconnect  # noqa: PLC0415 - the serve extra

        model = self.model
        try:
            xs = checked(model, await self._decode(request))
            if self._batcher is None:
                raise RuntimeError("a request before the app's start-up")
            ys = await self._batcher.submit(xs)
        except TypednnError as error:
            return status_of(error), {"error": error.message, "hint": error.hint}
        except ClientDisconnect:  # the client left while sending: no one reads the answer
            return 400, {"error": f"{BODY}: the client disconnected before sending all of it", "hint": None}
        except Exception:
            LOG.exception(f"typednn serve: internal error answering POST {PREDICT}")
            return 500, BUG
        return 200, {"outputs": {name: y.tolist() for name, y in zip(model.output_names, ys)}}

    async def _decode(self, request: Request) -> tuple[Array, ...]:
        body = await self._read(request)
        media = media_type(request.headers.get("content-type"))
        if media == CSV:  # pyarrow reads the rows: off the event loop
            return await asyncio.to_thread(decode, body, media, self.model, self.contract, self.transform)
        return decode(body, media, self.model, self.contract, self.transform)

    async def _read(self, request: Request) -> bytes:
        """The body, refused (413) as soon as its Content-Length, or the bytes read, pass the limit."""
        limit = self.options.max_body_bytes
        too_large = RequestError(
            413,
            f"{BODY}: over the server's limit of {limit} bytes (--max-body-bytes)",
            hint="send fewer examples per request, or start the server with a larger --max-body-bytes",
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, total = [], 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)
