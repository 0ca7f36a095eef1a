"""The app of one worker process (`typednn serve --workers N`): uvicorn imports it by name.

The parent process checked the model and options and put them in the environment;
each worker loads the model again (a typednn export: JSON and safetensors, nothing
executed) and compiles its batch sizes.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..export import load
from ._app import make_app
from ._main import IMPORTS_VARIABLE, MODEL_VARIABLE, OPTIONS_VARIABLE
from ._options import ServeOptions


def app() -> Any:
    """The worker's FastAPI app, from the environment the parent set."""
    from ..cli._imports import import_modules  # noqa: PLC0415 - custom layers register before the load

    import_modules(json.loads(os.environ.get(IMPORTS_VARIABLE, "[]")))
    options = ServeOptions(**json.loads(os.environ[OPTIONS_VARIABLE]))
    return make_app(load(os.environ[MODEL_VARIABLE]), options)
