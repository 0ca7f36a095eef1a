"""Files behind a URL: any filesystem fsspec knows (`s3://`, `gs://`, `memory://`, ...).

fsspec finds the filesystem of a URL's scheme; when its package is missing (s3fs for
`s3://`, gcsfs for `gs://`), fsspec's own message names it, and it is passed on.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any, BinaryIO, cast

import fsspec

from .. import _http
from .._errors import TypednnError
from .._reading import excerpt, size


def reason(error: BaseException) -> str:
    """The first line of an error from a filesystem backend, for a message."""
    text = str(error).strip()
    return excerpt(text.splitlines()[0], length=200) if text else type(error).__name__


def url_filesystem(url: str, *, name: str = "") -> tuple[Any, str]:
    """The fsspec filesystem of `url`, and the path inside it: the one place typednn asks fsspec.

    Args:
        url: Any URL fsspec knows (`s3://bucket/key`, `memory://x`, ...).
        name: What the URL is, put before it in messages (the hub's "registry").

    Raises:
        TypednnError: for an unknown scheme, or a filesystem whose package is not installed.
    """
    subject = f"{name} {url}" if name else url
    try:
        filesystem, inside = fsspec.core.url_to_fs(url)
    except ImportError as error:  # fsspec names the package: "Install s3fs to access S3"
        # A registry's message keeps the hub's wording ("its filesystem ...") and fsspec's unquoted.
        what = "its filesystem" if name else "the filesystem of this URL"
        cause = str(error).strip().split("\n", 1)[0] if name else reason(error)
        raise TypednnError(
            f"{subject}: {what} is not installed: {cause}",
            hint="install the package named above (s3fs for s3://, gcsfs for gs://), or copy the file locally",
        ) from None
    except (ValueError, TypeError) as error:  # "Protocol not known: ..."
        raise TypednnError(
            f"{subject}: no filesystem reads this URL: {reason(error)}",
            hint="use a local path, or a URL fsspec knows (https://, s3://, gs://, memory://, file://)",
        ) from None
    return filesystem, str(inside)


HTTP_LIMIT = 16 << 30
"""The most bytes read from an `http(s)://` URL: a bound on a server that never stops sending."""


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
        if _kind(filesystem, inside) != "file":
            raise TypednnError(f"{url}: no such file", hint=f"check the URL of the {what}")
        if limit is not None and filesystem.size(inside) > limit:
            raise TypednnError(f"{url}: the {what} is {size(filesystem.size(inside))}, more than {size(limit)}")
        file: BinaryIO = filesystem.open(inside, "rb")
    except TypednnError:
        raise
    except Exception as error:  # each backend raises its own errors (OSError, botocore's, ...)
        raise TypednnError(f"{url}: cannot be read: {reason(error)}", hint=f"check the URL of the {what}") from None
    return file


def _kind(filesystem: Any, inside: str) -> str | None:
    """`"file"`, `"directory"`, or None where nothing is at `inside`.

    Not `isfile`/`isdir`: they answer False for any error, so a server gone or a refused
    request would read as a missing file; here such errors reach the caller's message.
    """
    try:
        info = filesystem.info(inside)
    except FileNotFoundError:
        return None
    return str(info.get("type"))


def is_http(url: str) -> bool:
    """Whether `url` is read with the standard library (`http://`, `https://`), not fsspec."""
    # Not `urlsplit`: it raises on a malformed URL (`http://[bad/`), which the reader names.
    return url.partition(":")[0].lower() in {"http", "https"}


def http_into(file: IO[bytes], url: str, *, what: str, limit: int | None) -> None:
    """Download `url` into `file` (open for writing), at most `limit` (else `HTTP_LIMIT`) bytes.

    Read by typednn's one HTTP reader (`typednn._http.read_url`): bounded in time (a
    timeout per read, a deadline per file), redirects to http(s) only.

    Raises:
        TypednnError: naming the URL, for a malformed URL, a server error, a refused
            connection, a redirect to another scheme, a download cut short (fewer bytes
            than the server stated), a download past its deadline, or a file over the limit.
    """
    bound = HTTP_LIMIT if limit is None else limit
    hint = f"check the URL of the {what} and the network"
    try:
        _http.read_url(
            url,
            file.write,
            limit=bound,
            too_large=lambda: TypednnError(f"{url}: the {what} is more than {size(bound)}", hint=hint),
            hint=hint,
        )
    except ValueError as error:  # a malformed URL (`http://[bad/`)
        raise TypednnError(
            f"{excerpt(url, length=80)}: not a valid URL ({error})", hint="name the URL as http(s)://host/path"
        ) from None


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
        if _kind(filesystem, inside) != "directory":
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
