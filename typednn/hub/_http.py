"""A read-only registry over `http(s)://`, with the standard library alone.

fsspec's HTTP filesystem needs aiohttp; urllib is always there. Every request is bounded:
a timeout on connecting and on each read, at most `MAX_REDIRECTS` redirects (to http or
https only), and a size limit checked while streaming (`Store.read_into`).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from .._errors import TypednnError
from .._reading import excerpt
from ._registry import Sink, copy_bounded, too_large

TIMEOUT = 30.0
"""Seconds to wait to connect, and for each read, before giving up on a registry."""
MAX_REDIRECTS = 5
_HINT = "check the registry URL and the network; a model pulled before works offline from the cache"


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, and only to http or https (never file:// or ftp://)."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in {"http", "https"}:
            fp.close()  # urllib closes it only after a redirect it follows
            raise TypednnError(
                f"{req.full_url}: redirected to {excerpt(newurl, length=60)}, which is not http or https",
                hint="a registry serves its files over http or https only",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


class HttpStore:
    """A registry served over HTTP(S): pull, list and show; pushing needs a writable backend."""

    writable = False

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.key = self.url
        self._opener = urllib.request.build_opener(_Redirects())

    def where(self, path: str) -> str:
        return f"{self.url}/{path}"

    def read_into(self, path: str, sink: Sink, *, limit: int) -> bool:
        where = self.where(path)
        request = urllib.request.Request(where, headers={"User-Agent": "typednn-hub", "Accept-Encoding": "identity"})
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                stated = response.headers.get("Content-Length")
                if stated is not None and stated.isdigit() and int(stated) > limit:
                    raise too_large(where, limit)
                copy_bounded(response, sink, limit=limit, where=where)
        except urllib.error.HTTPError as error:
            error.close()  # it holds the response's socket
            if error.code in {404, 410}:
                return False
            raise TypednnError(f"{where}: the server answers {error.code} {error.reason}", hint=_HINT) from None
        except urllib.error.URLError as error:
            raise TypednnError(f"{where}: cannot reach the registry: {error.reason}", hint=_HINT) from None
        except (OSError, http.client.HTTPException) as error:  # a timeout, a reset, a cut connection
            raise TypednnError(f"{where}: the download failed: {error or type(error).__name__}", hint=_HINT) from None
        return True

    def prepare(self) -> None:
        self.write("", b"")

    def write(self, path: str, data: bytes | Path) -> None:
        raise TypednnError(
            f"registry {self.url}: an http(s) registry is read-only",
            hint="push to a folder or a writable fsspec URL (s3://, gs://, hf://), and serve that folder over HTTP",
        )

    def exists(self, path: str) -> bool:
        self.write(path, b"")  # only a push asks, and it cannot push here
        return False

    def names(self, path: str) -> list[str]:
        raise TypednnError(f"registry {self.url}: an http(s) registry cannot list a folder", hint=_HINT)
