"""The one `http(s)://` reader (data sources and the model hub), with the standard library alone.

fsspec's HTTP filesystem needs aiohttp; urllib is always there. Every request is bounded:
a timeout on connecting and on each read (`TIMEOUT`), an overall deadline per file
(`min_deadline`, longer for a large one: `MIN_RATE`), so a server dripping a byte at a
time gives up too; at most `MAX_REDIRECTS` redirects, to http or https only (never
`file://` or `ftp://`); a size limit checked on the stated length and while streaming;
and a body shorter than its stated length (a cut connection) is refused by URL.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

from ._errors import TypednnError
from ._reading import excerpt

TIMEOUT = 30.0
"""Seconds to wait to connect, and for each read, before giving up on a server."""
MAX_REDIRECTS = 5
MIN_DEADLINE = 60.0
"""Seconds every file may take to download, however small."""
MIN_RATE = 1 << 20
"""Bytes per second a large file must come at, on average: its deadline is `size / MIN_RATE`."""
CHUNK = 1 << 20

Sink = Callable[[bytes], object]


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, and only to http or https (never file:// or ftp://)."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.hint = hint

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
                hint=self.hint,
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def read_url(
    url: str,
    sink: Sink,
    *,
    limit: int,
    too_large: Callable[[], TypednnError],
    hint: str,
    redirect_hint: str = "typednn follows redirects to http:// and https:// only",
    unreachable: str = "the download failed",
    missing: Collection[int] = (),
    min_deadline: float | None = None,
    agent: str = "typednn",
) -> bool:
    """Stream the body of `url` into `sink` in chunks as they come.

    Args:
        url: An `http://` or `https://` URL.
        sink: Called with each chunk of the body, in order.
        limit: The most bytes accepted: a larger stated length is refused before reading.
        too_large: The error for a body over `limit`.
        hint: The hint of every other error.
        redirect_hint: The hint of a redirect to another scheme.
        unreachable: What a refused connection or an unknown host is called in its message.
        missing: Statuses that mean "no such file" (e.g. 404): False is returned, not an error.
        min_deadline: Seconds the download may take however small (see `MIN_RATE`); by
            default `MIN_DEADLINE`, read at each call.
        agent: The User-Agent header.

    Returns:
        True, or False for a status in `missing`.

    Raises:
        TypednnError: naming the URL, for a server error, a refused connection, a timeout,
            a redirect to another scheme, a body over `limit`, a body cut short of its
            stated length, or a download past its deadline.
        ValueError: for a malformed URL (`http://[bad/`), for the caller to name.
    """
    request = urllib.request.Request(url, headers={"User-Agent": agent, "Accept-Encoding": "identity"})
    opener = urllib.request.build_opener(_Redirects(redirect_hint))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            header = response.headers.get("Content-Length")
            stated = int(header) if header is not None and header.isdigit() else None
            if stated is not None and stated > limit:
                raise too_large()
            least = MIN_DEADLINE if min_deadline is None else min_deadline
            count = _copy_until(
                response, sink, url=url, limit=limit, too_large=too_large, hint=hint, rule=(least, stated)
            )
            if stated is not None and count != stated:
                raise TypednnError(f"{url}: the download was cut: {count} of {stated} bytes", hint=hint)
    except urllib.error.HTTPError as error:
        error.close()  # it holds the response's socket
        if error.code in missing:
            return False
        raise TypednnError(f"{url}: the server answers {error.code} {error.reason}", hint=hint) from None
    except urllib.error.URLError as error:
        raise TypednnError(f"{url}: {unreachable}: {error.reason}", hint=hint) from None
    except (OSError, http.client.HTTPException) as error:  # a timeout, a reset, a cut chunked body
        raise TypednnError(f"{url}: the download failed: {error or type(error).__name__}", hint=hint) from None
    return True


def _copy_until(
    response: http.client.HTTPResponse,
    sink: Sink,
    *,
    url: str,
    limit: int,
    too_large: Callable[[], TypednnError],
    hint: str,
    rule: tuple[float, int | None],
) -> int:
    """Copy the body into `sink`, past neither `limit` bytes nor the deadline; the bytes copied.

    The deadline is `rule`'s seconds at least, longer for a body of `MIN_RATE` bytes a
    second: the stated length's time, or, with no length stated, the time of what came
    so far (so a server that drips bytes with no length stops at the least).
    """
    least, stated = rule
    started = time.monotonic()
    count = 0
    # read1 returns what has arrived: a dripping server is caught at the deadline, not after a full chunk.
    while chunk := response.read1(min(CHUNK, limit + 1 - count)):
        count += len(chunk)
        if count > limit:
            raise too_large()
        if time.monotonic() - started > max(least, max(count, stated or 0) / MIN_RATE):
            raise TypednnError(
                f"{url}: the download is too slow: {count:,} bytes in the time allowed; stopped reading", hint=hint
            )
        sink(chunk)
    return count
