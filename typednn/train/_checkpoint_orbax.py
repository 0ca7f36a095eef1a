"""What the checkpoint store needs around orbax: a quiet lazy import, and its failures in words.

orbax and TensorStore report a full disk or a tampered file in their own ways: an
OSError several `__cause__`/`__context__` links down, a ValueError whose text carries
`[os_error_code='28']`, a bare Exception whose text dumps a TensorStore spec, or a
KeyError from a metadata file parsed without checks. The functions here find the
part of such an exception that tells a user what happened and which file it was.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pathlib
import re
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._errors import TypednnError
from .._files import NO_SPACE_ERRNOS, WRITE_ERRNOS
from .._reading import excerpt, size

_TENSORSTORE_ERRNO = re.compile(r"os_error_code='(\d+)'")
_TENSORSTORE_STATUS = re.compile(r"[A-Z][A-Z_]+: ")
_SPEC_SUFFIX = re.compile(r"\s*\[tensorstore_spec.*$")
_AFTER_NAME = '": '
_QUOTED_PATH = re.compile(r'"(/[^"\n]+)"')
_DETAIL = 200
"""The most characters of orbax's own message that a message quotes."""
_NEVER_RETRIEVED = re.compile(r"\w+ exception was never retrieved")
"""asyncio's log of a task or future dropped with its error unread."""


class OrbaxInfoFilter(logging.Filter):
    """Drops orbax's INFO/DEBUG records (about 30 lines per save) and keeps its warnings and errors.

    orbax logs through absl, i.e. the "absl" logger that every absl user shares, so the
    filter looks at where a record comes from rather than muting the logger. Inside
    `quiet_failures`, orbax's warnings and errors are held back instead.
    """

    def __init__(self, package_dir: str) -> None:
        super().__init__()
        self._package_dir = package_dir
        self.held: list[logging.LogRecord] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.pathname.startswith(self._package_dir):
            return True
        if record.levelno >= logging.WARNING and self.held is not None:
            self.held.append(record)
            return False
        return record.levelno >= logging.WARNING


class _LostTaskFilter(logging.Filter):
    """Drops asyncio's "Task exception was never retrieved" (or Future's) for orbax's own tasks.

    When one array of a save or restore fails, orbax raises that error and abandons the
    tasks of the other arrays; when they are garbage-collected, asyncio logs each one's
    exception with a traceback. orbax has already raised the failure, and typednn
    reported it, so these add nothing.
    """

    def __init__(self, package_dir: str) -> None:
        super().__init__()
        self._package_dir = package_dir

    def filter(self, record: logging.LogRecord) -> bool:
        if not _NEVER_RETRIEVED.match(record.getMessage()):
            return True
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _TENSORSTORE_STATUS.match(str(error)):
            return False  # TensorStore's, which only orbax drives
        traceback = error.__traceback__ if error is not None else None
        while traceback is not None:  # a task of orbax's: its error was raised in orbax's code
            if traceback.tb_frame.f_code.co_filename.startswith(self._package_dir):
                return False
            traceback = traceback.tb_next
        return self._package_dir not in record.getMessage()


def _drop_closed_loop(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """An unraisable hook that drops TensorStore callbacks' "Event loop is closed" and passes the rest on."""

    def hook(unraisable: Any) -> None:
        value = unraisable.exc_value
        if not (isinstance(value, RuntimeError) and str(value) == "Event loop is closed"):
            previous(unraisable)

    return hook


@contextlib.contextmanager
def quiet_failures(explained: Callable[[BaseException], bool]) -> Iterator[None]:
    """Around an orbax call whose failures typednn explains itself: no noise besides typednn's error.

    orbax logs a failure in a writer thread as an ERROR with a traceback before raising
    it, and warns on metadata it cannot read. When TensorStore fails one array, the
    reads and writes of the others still finish, and their callbacks find orbax's
    event loop closed: each raises "Event loop is closed", which Python prints as an
    unraisable exception, traceback and all, possibly after the call has returned.
    Here orbax's warnings and errors are held back, and shown once the call has
    succeeded or failed in a way that `explained` says typednn's error does not
    cover; after an explained failure the closed-loop reports stay dropped for good.

    Args:
        explained: Whether typednn's error for an exception the call raised says all
            that orbax's records would.
    """
    absl_logger = logging.getLogger("absl")
    log_filter = next((f for f in absl_logger.filters if isinstance(f, OrbaxInfoFilter)), None)
    previous = sys.unraisablehook
    sys.unraisablehook = _drop_closed_loop(previous)
    if log_filter is not None:
        log_filter.held = []
    show = True
    try:
        yield
    except BaseException as error:
        show = not explained(error)
        raise
    finally:
        if show:
            sys.unraisablehook = previous
        if log_filter is not None:
            held, log_filter.held = log_filter.held or [], None
            for record in held if show else []:
                absl_logger.handle(record)


def settle() -> None:
    """Collects what a failed orbax call abandoned, quietly; call it once its exception is gone.

    The exception's traceback holds orbax's frames, and they hold coroutines that were
    never started: freed later, at exit at the latest, each warns "coroutine ... was
    never awaited", and each abandoned task logs its error (see `_LostTaskFilter`).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)
        gc.collect()


def orbax() -> Any:
    """Imports orbax-checkpoint on first use: it costs ~0.4 s, which runs without checkpoints should not pay.

    Returns `Any`: orbax ships no type information (no py.typed).
    """
    import orbax.checkpoint as ocp  # noqa: PLC0415 - see the docstring

    package_dir = os.path.dirname(os.path.dirname(ocp.__file__))
    absl_logger = logging.getLogger("absl")
    if not any(isinstance(f, OrbaxInfoFilter) for f in absl_logger.filters):
        absl_logger.addFilter(OrbaxInfoFilter(package_dir))
    asyncio_logger = logging.getLogger("asyncio")
    if not any(isinstance(f, _LostTaskFilter) for f in asyncio_logger.filters):
        asyncio_logger.addFilter(_LostTaskFilter(package_dir))
    return ocp


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and the exceptions it was raised from or during, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


@dataclass(frozen=True)
class WriteFailure:
    """A write that failed for a reason the user can fix.

    Attributes:
        code: The errno.
        path: The file or folder that could not be written, if the error says.
    """

    code: int
    path: str | None

    def error(self, step: int, *, arrays: int, last: int, fallback: pathlib.Path) -> TypednnError:
        """The user's error for the checkpoint of `step`.

        Args:
            step: The checkpoint's step.
            arrays: The bytes of its arrays.
            last: The bytes the newest checkpoint takes on disk (0 if none): on disk a
                checkpoint takes more than its arrays (orbax's metadata, whole blocks
                per file), so this is the better estimate.
            fallback: The checkpoints' folder, named if the error names no file.
        """
        where = self.path or str(fallback)
        sizes = f"its arrays take {size(arrays)}" + (f", the last checkpoint {size(last)} on disk" if last else "")
        with contextlib.suppress(OSError):  # the disk's free space is a courtesy
            sizes += f"; {size(shutil.disk_usage(fallback if fallback.exists() else fallback.parent).free)} free"
        keep = "; the checkpoints written before are kept for resuming"
        if self.code in NO_SPACE_ERRNOS:
            hint = f"free some space on that disk, or write the run to another disk (--out){keep}"
        else:
            hint = f"make {fallback} writable, or write the run elsewhere (--out){keep}"
        return TypednnError(
            f"{where}: cannot write the checkpoint of step {step}: {os.strerror(self.code)} ({sizes})", hint=hint
        )


def write_failure(error: BaseException) -> WriteFailure | None:
    """The fixable write failure behind `error` (an OSError, or orbax's or TensorStore's report of one), if any."""
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in WRITE_ERRNOS:
            return WriteFailure(link.errno, None if link.filename is None else str(link.filename))
        text = str(link)
        match = _TENSORSTORE_ERRNO.search(text)
        if match and int(match.group(1)) in WRITE_ERRNOS:
            paths = _QUOTED_PATH.findall(text)
            return WriteFailure(int(match.group(1)), paths[-1] if paths else None)
    return None


def culprit(error: BaseException, folder: pathlib.Path) -> pathlib.Path:
    """The file of `folder` that `error` names (the innermost one TensorStore quotes), else the folder."""
    root = folder.resolve()
    found = root
    for link in _chain(error):
        for quoted in _QUOTED_PATH.findall(str(link)):
            path = pathlib.Path(quoted)
            if path != root and path.is_relative_to(root) and path.is_file():
                found = path
    return found if found != root else folder


def describe(error: BaseException) -> str:
    """A short account of an orbax or TensorStore failure, quoting no more of a file than an excerpt.

    TensorStore's own status line (`OUT_OF_RANGE: ...`, `DATA_LOSS: ...`) says what is
    wrong; the exceptions wrapped around it mostly repeat a spec. Python's own (a
    KeyError from a metadata file orbax did not check) give their type and an excerpt.
    """
    statuses = [link for link in _chain(error) if _TENSORSTORE_STATUS.match(str(link))]
    if not statuses:
        return f"{type(error).__name__}: {excerpt(str(error), length=60)}"
    # `CODE: Error opening "zarr" driver: ... local file "/x/d/1f": the cause [tensorstore_spec=...]`:
    # the code and the cause, after the last quoted name, say it; the rest is context.
    line = _SPEC_SUFFIX.sub("", str(statuses[-1]).splitlines()[0])
    code, _, rest = line.partition(": ")
    text = f"{code}: {rest.rpartition(_AFTER_NAME)[2]}"
    return text if len(text) <= _DETAIL else text[: _DETAIL - 3] + "..."
