"""The `serve` extra: FastAPI, uvicorn and prometheus_client, imported only when serving."""

from __future__ import annotations

import importlib.util

from .._errors import TypednnError

PACKAGES = ("fastapi", "uvicorn", "prometheus_client")


def require() -> None:
    """Raise unless the packages `typednn serve` runs on are installed.

    Raises:
        TypednnError: naming the missing packages and the extra that installs them.
    """
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise TypednnError(
            f"typednn serve needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed",
            hint="pip install 'typednn[serve]'",
        )
