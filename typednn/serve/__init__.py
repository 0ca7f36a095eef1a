"""`typednn serve`: a typed HTTP inference server for an exported model, on FastAPI and uvicorn.

The request and response schemas come from the model's contract (its types); concurrent
requests are batched into pre-compiled batch sizes. It needs the serve extra
(`pip install 'typednn[serve]'`): FastAPI, uvicorn and prometheus_client are imported
when an app is made, never by `import typednn`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._options import ServeOptions as ServeOptions

if TYPE_CHECKING:
    from ._app import make_app as make_app

__all__ = ["ServeOptions", "make_app"]


def __getattr__(name: str) -> Any:
    # `typednn serve --help` reads the options' defaults here: JAX (which `make_app`
    # needs, through the model) loads only when an app is made.
    if name == "make_app":
        from ._app import make_app  # noqa: PLC0415

        return make_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
