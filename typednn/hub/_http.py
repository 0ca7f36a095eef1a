"""A read-only registry over `http(s)://`, read by typednn's one HTTP reader (`typednn._http`).

Every request is bounded there: a timeout on connecting and on each read, an overall
deadline per file (`MIN_DEADLINE`, longer for a large one), a few redirects (to http or
https only), and a size limit checked while streaming (`Store.read_into`).
"""

from __future__ import annotations

from pathlib import Path

from .. import _http
from .._errors import TypednnError
from .._http import MIN_DEADLINE as MIN_DEADLINE
from .._reading import excerpt
from ._registry import Sink, too_large

_HINT = "check the registry URL and the network; a model pulled before works offline from the cache"


class HttpStore:
    """A registry served over HTTP(S): pull, list and show; pushing needs a writable backend."""

    writable = False

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.key = self.url

    def where(self, path: str) -> str:
        return f"{self.url}/{path}"

    def read_into(self, path: str, sink: Sink, *, limit: int) -> bool:
        where = self.where(path)
        try:
            return _http.read_url(
                where,
                sink,
                limit=limit,
                too_large=lambda: too_large(where, limit),
                hint=_HINT,
                redirect_hint="a registry serves its files over http or https only",
                unreachable="cannot reach the registry",
                missing={404, 410},
                # Read here, at each call: tests shorten it (monkeypatch of this module's name).
                min_deadline=MIN_DEADLINE,
                agent="typednn-hub",
            )
        except ValueError as error:  # a malformed URL (`http://[bad/`)
            raise TypednnError(
                f"registry {excerpt(self.url, length=80)}: not a valid URL ({error})",
                hint="name the registry as http(s)://host/path",
            ) from None

    def prepare(self) -> None:
        self.write("", b"")

    def write(self, path: str, data: bytes | Path, *, sha256: str | None = None) -> None:
        raise TypednnError(
            f"registry {self.url}: an http(s) registry is read-only",
            hint="push to a folder or a writable fsspec URL (s3://, gs://, hf://), and serve that folder over HTTP",
        )

    def exists(self, path: str) -> bool:
        self.write(path, b"")  # only a push asks, and it cannot push here
        return False

    def names(self, path: str) -> list[str]:
        raise TypednnError(f"registry {self.url}: an http(s) registry cannot list a folder", hint=_HINT)
