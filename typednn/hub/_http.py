"""A read-only registry over `http(s)://`, with the standard library alone.

fsspec's HTTP filesystem needs aiohttp; urllib is always there. Every request is bounded:
a timeout on connecting and on each read, an overall deadline per file (`MIN_DEADLINE`,
longer for a large one: `MIN_RATE`), so a server dripping a byte at a time gives up
too; at most `MAX_REDIRECTS` redirects (to http or https only), and a size limit
checked while streaming (`Store.read_into`).
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from http.client import HTTPMessage
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from .._errors import TypednnError
from .._reading import excerpt
from ._registry import CHUNK, Sink, too_large

TIMEOUT = 30.0
"""Seconds to wait to connect, and for each read, before giving up on a registry."""
MAX_REDIRECTS = 5
MIN_DEADLINE = 60.0
"""Seconds every file may take to download, however small."""
MIN_RATE = 1 << 20
"""Bytes per second a large file must come at, on average: its deadline is `size / MIN_RATE`."""
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
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in {"http", "https"}:
            fp.close()  # urllib closes it only after a redirect it follows
            raise TypednnError(
                f"{req.full_url}: redirected to {excerpt(newurl, length=60)}, which is not http or https",
                hint="a registry serves its files over http or https only",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


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
        deadline = time.monotonic() + max(MIN_DEADLINE, limit / MIN_RATE)
        try:
            # Inside the try: a malformed URL (`http://[bad/`) raises ValueError here.
            request = urllib.request.Request(
                where, headers={"User-Agent": "typednn-hub", "Accept-Encoding": "identity"}
            )
            with self._opener.open(request, timeout=TIMEOUT) as response:
                stated = response.headers.get("Content-Length")
                if stated is not None and stated.isdigit() and int(stated) > limit:
                    raise too_large(where, limit)
                _copy_until(response, sink, limit=limit, where=where, deadline=deadline)
        except urllib.error.HTTPError as error:
            error.close()  # it holds the response's socket
            if error.code in {404, 410}:
                return False
            raise TypednnError(f"{where}: the server answers {error.code} {error.reason}", hint=_HINT) from None
        except urllib.error.URLError as error:
            raise TypednnError(f"{where}: cannot reach the registry: {error.reason}", hint=_HINT) from None
        except (OSError, http.client.HTTPException) as error:  # a timeout, a reset, a cut connection
            raise TypednnError(f"{where}: the download failed: {error or type(error).__name__}", hint=_HINT) from None
        except ValueError as error:
            raise TypednnError(
                f"registry {excerpt(self.url, length=80)}: not a valid URL ({error})",
                hint="name the registry as http(s)://host/path",
            ) from None
        return True

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


def _copy_until(response: http.client.HTTPResponse, sink: Sink, *, limit: int, where: str, deadline: float) -> None:
    """Copy the body into `sink` in chunks as they come, past neither `limit` bytes nor `deadline`."""
    count = 0
    # read1 returns what has arrived: a dripping server is caught at the deadline, not after a full chunk.
    while chunk := response.read1(min(CHUNK, limit + 1 - count)):
        count += len(chunk)
        if count > limit:
            raise too_large(where, limit)
        if time.monotonic() > deadline:
            raise TypednnError(
                f"{where}: the download is too slow: {count:,} bytes in the time allowed; stopped reading",
                hint=_HINT,
            )
        sink(chunk)
