"""Files behind a URL: any filesystem fsspec knows (`s3://`, `gs://`, `memory://`, ...).

fsspec finds the filesystem of a URL's scheme; when its package is missing (s3fs for
`s3://`, gcsfs for `gs://`), fsspec's own message names it, and it is passed on.
"""

from __future__ import annotations

import http.client
import tempfile
import urllib.error
import urllib.request
from typing import IO, Any, BinaryIO, cast
from urllib.parse import urlsplit

import fsspec

from .._errors import TypednnError
from .._reading import excerpt, size


def reason(error: BaseException) -> str:
    """The first line of an error from a filesystem backend, for a message."""
    text = str(error).strip()
    return excerpt(text.splitlines()[0], length=200) if text else type(error).__name__


def url_filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of `url`, and the path inside it.

    Raises:
        TypednnError: for an unknown scheme, or a filesystem whose package is not installed.
    """
    try:
        filesystem, inside = fsspec.core.url_to_fs(url)
    except ImportError as error:
        raise TypednnError(
            f"{url}: the filesystem of this URL is not installed: {reason(error)}",
            hint="install the package named above (s3fs for s3://, gcsfs for gs://), or copy the file locally",
        ) from None
    except (ValueError, TypeError) as error:
        raise TypednnError(
            f"{url}: no filesystem reads this URL: {reason(error)}",
            hint="use a local path, or a URL fsspec knows (https://, s3://, gs://, memory://, file://)",
        ) from None
    return filesystem, str(inside)


HTTP_LIMIT = 16 << 30
"""The most bytes read from an `http(s)://` URL: a bound on a server that never stops sending."""
TIMEOUT = 30.0
"""Seconds to wait to connect, and for each read, before giving up on a server."""


def open_url(url: str, *, what: str, limit: int | None) -> BinaryIO:
    """A URL's file, opened for reading in binary mode (seekable).

    `http(s)://` is read with the standard library (fsspec's HTTP filesystem needs
    aiohttp), into a spooled temporary file, at most `limit` (else `HTTP_LIMIT`) bytes;
    any other scheme through its fsspec filesystem.

    Raises:
        TypednnError: naming the URL, for a missing file, a folder, a file over `limit`,
            a server error, or a filesystem that is not installed.
    """
    if is_http(url):
        # Returned open, so no `with`: closed here on a failure, else by the caller.
        spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115
        try:
            http_into(spool, url, what=what, limit=limit)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return cast(BinaryIO, spool)
    filesystem, inside = url_filesystem(url)
    try:
        if not filesystem.isfile(inside):
            raise TypednnError(f"{url}: no such file", hint=f"check the URL of the {what}")
        if limit is not None and filesystem.size(inside) > limit:
            raise TypednnError(f"{url}: the {what} is {size(filesystem.size(inside))}, more than {size(limit)}")
        file: BinaryIO = filesystem.open(inside, "rb")
    except TypednnError:
        raise
    except Exception as error:  # each backend raises its own errors (OSError, botocore's, ...)
        raise TypednnError(f"{url}: cannot be read: {reason(error)}", hint=f"check the URL of the {what}") from None
    return file


def is_http(url: str) -> bool:
    """Whether `url` is read with the standard library (`http://`, `https://`), not fsspec."""
    return urlsplit(url).scheme.lower() in {"http", "https"}


def http_into(file: IO[bytes], url: str, *, what: str, limit: int | None) -> None:
    """Download `url` into `file` (open for writing), at most `limit` (else `HTTP_LIMIT`) bytes.

    Raises:
        TypednnError: naming the URL, for a server error, a refused connection, a download
            cut short (fewer bytes than the server stated), or a file over the limit.
    """
    limit = HTTP_LIMIT if limit is None else limit
    hint = f"check the URL of the {what} and the network"
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "typednn", "Accept-Encoding": "identity"})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            stated = response.headers.get("Content-Length")
            read = 0
            while chunk := response.read(1 << 20):
                read += len(chunk)
                if read > limit:
                    raise TypednnError(f"{url}: the {what} is more than {size(limit)}", hint=hint)
                file.write(chunk)
            if stated is not None and stated.isdigit() and int(stated) != read:
                raise TypednnError(f"{url}: the download was cut: {read} of {stated} bytes", hint=hint)
    except urllib.error.HTTPError as error:
        error.close()
        raise TypednnError(f"{url}: the server answers {error.code} {error.reason}", hint=hint) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        cause = error.reason if isinstance(error, urllib.error.URLError) else reason(error)
        raise TypednnError(f"{url}: the download failed: {cause}", hint=hint) from None


MAX_LISTED = 10_000_000
"""The most entries read from the listings of one URL folder and its sub-folders."""


def list_folder(url: str, *, what: str, listed: int = 0) -> list[tuple[str, bool]]:
    """The entries of a URL's folder: `(name, is a folder)`, sorted by name.

    `listed` counts the entries read already (of other folders of the same tree), for
    the bound `MAX_LISTED`. An `http(s)://` folder has no listing a program can rely on.

    Raises:
        TypednnError: naming the URL, for an http(s) URL, a missing folder, a listing past
            `MAX_LISTED` entries, or a filesystem that refuses it.
    """
    if is_http(url):
        raise TypednnError(
            f"{url}: an http(s):// folder cannot be listed (HTTP has no folder listings)",
            hint=f"serve the {what} from a filesystem fsspec lists (s3://, gs://, ...), or download it",
        )
    filesystem, inside = url_filesystem(url)
    try:
        if not filesystem.isdir(inside):
            raise TypednnError(f"{url}: no such folder", hint=f"check the URL of the {what}")
        entries = filesystem.ls(inside, detail=True)
    except TypednnError:
        raise
    except Exception as error:  # each backend raises its own errors (OSError, botocore's, ...)
        raise TypednnError(f"{url}: cannot be listed: {reason(error)}", hint=f"check the URL of the {what}") from None
    if listed + len(entries) > MAX_LISTED:
        raise TypednnError(
            f"{url}: more than {MAX_LISTED:,} entries in the {what}",
            hint="split the data into several folders, or use a format of few large files (Parquet)",
        )
    found = []
    for entry in entries:
        name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
        found.append((name, entry.get("type") == "directory"))
    return sorted(found)
