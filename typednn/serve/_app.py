"""The FastAPI app: POST /v1/predict, GET /v1/model, /healthz, /readyz, /metrics, and /docs.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations
at run time, and `Request` is imported inside `make_app` (the serve extra).
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from ..export._load import Loaded
from ._options import ServeOptions
from ._predict import PREDICT, Predictor
from ._schemas import ErrorBody, request_body, response_model

_ERRORS = [
    (400, "not JSON"),
    (413, "a body over --max-body-bytes"),
    (415, "a media type the model does not take"),
    (422, "values that do not fit the model (shape, dtype, NaN, token ids)"),
    (500, "a bug in typednn (logged)"),
]


def make_app(loaded: Loaded, options: ServeOptions, *, on_ready: Callable[[], Awaitable[None]] | None = None) -> Any:
    """The app that serves `loaded` (what `tn.load` returns): a FastAPI application.

    The batch sizes compile when the app starts (its lifespan), while requests are
    taken; GET /readyz says 200 once they have, and `on_ready` is awaited then.

    Args:
        loaded: The model, its parameters and its saved transforms.
        options: Batching and limits.
        on_ready: Awaited once every batch size is compiled.

    Returns:
        A `fastapi.FastAPI`, to run with uvicorn.
    """
    from fastapi import FastAPI, Request  # noqa: PLC0415 - the serve extra, imported when serving
    from fastapi.responses import JSONResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    predictor = Predictor(loaded, options)
    model = predictor.model

    async def compile_all() -> None:
        await predictor.compile()
        if predictor.ready and on_ready is not None:
            await on_ready()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        predictor.open()
        compiling = asyncio.create_task(compile_all())
        yield
        await compiling
        await predictor.stop()

    class App(FastAPI):
        def openapi(self) -> dict[str, Any]:
            """FastAPI's schema, with the request body that `decode` reads (JSON, .npy, CSV), made from the contract."""
            if self.openapi_schema is None:
                _amend(super().openapi(), predictor)  # FastAPI keeps the schema it made: amended once
            return super().openapi()

    app = App(
        title=f"typednn serve: {model.name}",
        description=f"{model!r}: inputs {', '.join(model.input_names)}; outputs {', '.join(model.output_names)}",
        lifespan=lifespan,
    )
    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorBody, "description": why} for status, why in _ERRORS
    }

    @app.post(PREDICT, response_model=response_model(predictor.contract), responses=errors)
    async def predict(request: Request) -> Response:
        """The model's outputs for a batch of examples: JSON, one .npy array, or raw CSV rows."""
        status, payload = await predictor.answer(request)
        # NaN or infinite outputs (from finite but huge inputs) are written as JavaScript's
        # NaN and Infinity, as Python's json reads them, rather than failing the request.
        text = json.dumps(payload, allow_nan=True, separators=(",", ":"))
        return Response(text, status_code=status, media_type="application/json")

    # FastAPI's route above documents the endpoint (its schemas in /openapi.json); this plain
    # Starlette route, matched first, serves it without FastAPI's per-request dependency
    # and validation machinery, which `predict` does not use (it reads the body itself).
    app.router.routes.insert(0, Route(PREDICT, predict, methods=["POST"], include_in_schema=False))

    @app.get("/v1/model")
    async def describe() -> dict[str, Any]:
        """The model's contract: each input's and output's name, one example's shape, and dtype."""
        return {"name": model.name, **predictor.contract.to_json(), "csv": loaded.transform is not None}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """200 while the process answers."""
        return {"status": "alive"}

    @app.get("/readyz")
    async def readyz() -> Response:
        """200 once the model is loaded and every batch size compiled; 503 before."""
        if predictor.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "compiling"}, status_code=503)

    @app.get("/metrics")
    async def prometheus() -> Response:
        """The server's metrics in Prometheus's text format."""
        text, content_type = predictor.metrics.text()
        return Response(text, media_type=content_type)

    return app


def _amend(schema: dict[str, Any], predictor: Predictor) -> None:
    """Put the request body `decode` reads, from the contract, into FastAPI's schema."""
    body, definitions = request_body(predictor.contract, csv=predictor.transform is not None)
    schema["paths"][PREDICT]["post"]["requestBody"] = body
    schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions)
