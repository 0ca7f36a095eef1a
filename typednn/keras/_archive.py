"""Reading a Keras model from disk: a `.keras` zip, a config `.json` with its `.weights.h5`, or a legacy `.h5`.

Only three things are read: the JSON config, and the weights file opened with h5py
(`_weights.py` reads the arrays). Nothing is executed and nothing is extracted to
disk: the zip's members are read into memory, each under a cap, so a zip bomb (a tiny
file that inflates to terabytes) stops at the cap. Member names are checked even
though nothing is extracted: a `../` name marks a file built to attack other readers.
A legacy full-model `.h5` (Keras 2, or `model.save("m.h5")` in Keras 3) is read whole
into memory under the weights' cap; its config is the JSON string attribute
`model_config`, under the config's cap (`_weights.Legacy` reads its weights).
"""

from __future__ import annotations

import io
import lzma
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .._errors import TypednnError
from .._reading import GiB, MiB, excerpt, open_regular, read_regular, size
from ..export._json import loads
from . import _weights

CONFIG_LIMIT: Final = 64 * MiB
"""config.json: a ResNet-152's is about 1 MiB."""
WEIGHTS_LIMIT: Final = 4 * GiB
"""model.weights.h5, read into memory: a billion float32 parameters."""
MEMBERS_LIMIT: Final = 10_000
"""How many entries a `.keras` zip may list (Keras writes three, and its assets)."""

CONFIG: Final = "config.json"
WEIGHTS: Final = "model.weights.h5"
_KNOWN: Final = (CONFIG, WEIGHTS, "metadata.json")
_DAMAGED: Final = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)
"""What reading a damaged member raises: a damaged deflate or LZMA stream raises its codec's own error."""


@dataclass(frozen=True)
class Archive:
    """A Keras model as read from disk, not yet interpreted.

    Attributes:
        config: The parsed config.json: `{"class_name": ..., "config": ...}`.
        weights: The bytes of the `.weights.h5` file (of the whole `.h5` file when legacy).
        source: The file named, for messages.
        legacy: Whether the weights are in the legacy `.h5` layout (`model_weights/<layer>`).
    """

    config: dict[str, Any]
    weights: bytes
    source: str
    legacy: bool = False


def read(path: str | os.PathLike[str]) -> Archive:
    """Read a `.keras` archive, or a `.json` config with the `.weights.h5` beside it.

    Args:
        path: `model.keras`; or `model.json` (`model.to_json()`), whose weights are
            `model.weights.h5` in the same folder (`model.save_weights`).

    Raises:
        TypednnError: for a file that is missing, not a regular file, too large, not a
            zip, a zip with unsafe or unknown entry names, or invalid JSON.
    """
    source = os.fspath(path)
    name = Path(source).name
    if name.endswith(".json"):
        config = _config(read_regular(source, what="Keras config", limit=CONFIG_LIMIT), source)
        weights_path = Path(source).with_name(name[: -len(".json")] + ".weights.h5")
        weights = read_regular(weights_path, what="Keras weights file", limit=WEIGHTS_LIMIT)
        return Archive(config, weights, source)
    if name.endswith((".h5", ".hdf5")):
        data = read_regular(source, what="Keras .h5 model", limit=WEIGHTS_LIMIT)
        return Archive(_legacy_config(data, source), data, source, legacy=True)
    with open_regular(source, what="Keras model", limit=None) as file:
        data = _zip_members(file, source)
    return Archive(_config(data[CONFIG], f"{source}:{CONFIG}"), data[WEIGHTS], source)


def _zip_members(file: Any, source: str) -> dict[str, bytes]:
    """config.json and model.weights.h5 from an open `.keras` zip, each read under its cap."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TypednnError(
            f"{source}: not a .keras archive (not a zip file: {error})",
            hint="pass a file written by Keras 3's model.save('model.keras')",
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MEMBERS_LIMIT:
            raise TypednnError(f"{source}: lists {len(infos):,} entries, more than the {MEMBERS_LIMIT:,} accepted")
        seen: set[str] = set()
        for info in infos:
            _check_member(info.filename, source, seen)
        missing = [member for member in (CONFIG, WEIGHTS) if member not in seen]
        if missing:
            raise TypednnError(
                f"{source}: a .keras archive holds {CONFIG} and {WEIGHTS}, but this one lacks {' and '.join(missing)}",
                hint="pass a file written by Keras 3's model.save('model.keras')",
            )
        return {
            CONFIG: _member(archive, CONFIG, CONFIG_LIMIT, source),
            WEIGHTS: _member(archive, WEIGHTS, WEIGHTS_LIMIT, source),
        }


def _check_member(name: str, source: str, seen: set[str]) -> None:
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise TypednnError(
            f"{source}: holds an entry named {excerpt(name)}, which points outside the archive",
            hint="the file was built to write elsewhere when unpacked; it is not a Keras model",
        )
    if name in seen:
        raise TypednnError(f"{source}: holds the entry {excerpt(name)} twice", hint="the file is corrupted or forged")
    seen.add(name)
    if name not in _KNOWN and parts[0] != "assets":
        raise TypednnError(
            f"{source}: holds an entry {excerpt(name)}, which a .keras archive does not have",
            hint=f"a .keras archive holds {', '.join(_KNOWN)} and assets/",
        )


def _member(archive: zipfile.ZipFile, name: str, limit: int, source: str) -> bytes:
    """One entry's bytes, refused past `limit` however the header states its size."""
    where = f"{source}:{name}"
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise TypednnError(f"{where}: unpacks to {size(info.file_size)}, more than the {size(limit)} accepted")
    try:
        with archive.open(info) as member:
            # Read one byte past the cap: a header that understates the size is caught here.
            data = member.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        lzma.LZMAError,
    ) as error:
        # A damaged deflate or LZMA stream raises its codec's own error, not zipfile's.
        raise TypednnError(f"{where}: cannot be unpacked: {error}", hint="the file is corrupted") from None
    except (NotImplementedError, RuntimeError) as error:  # an unknown compression; encryption
        raise TypednnError(f"{where}: cannot be unpacked: {error}", hint="save the model again with Keras") from None
    if len(data) > limit:
        raise TypednnError(f"{where}: unpacks to more than the {size(limit)} accepted")
    return data


def _config(data: bytes, source: str) -> dict[str, Any]:
    value = loads(data, source=source)
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        raise TypednnError(
            f"{source}: expected a Keras model config, an object with 'class_name' and 'config', "
            f"but found {type(value).__name__}",
            hint="pass a file written by Keras 3's model.save or model.to_json",
        )
    return value


def _open(data: bytes, source: str) -> Any:
    import h5py  # noqa: PLC0415 - only an import needs it

    try:
        return h5py.File(io.BytesIO(data), "r")
    except _weights.H5_ERRORS as error:
        raise TypednnError(
            f"{source}: its weights are not an HDF5 file ({error})", hint="the file is corrupted"
        ) from None


def h5_file(archive: Archive) -> Any:
    """The weights, opened read-only with h5py from memory (an `h5py.File`, or a `_weights.Legacy` around one)."""
    h5 = _open(archive.weights, archive.source)
    return _weights.Legacy(h5, archive.config) if archive.legacy else h5


def _legacy_config(data: bytes, source: str) -> dict[str, Any]:
    """The `model_config` attribute of a legacy `.h5` model: a JSON string, under `CONFIG_LIMIT`."""
    with _open(data, source) as h5:
        try:
            present = "model_config" in h5.attrs
        except _weights.H5_ERRORS as error:  # a damaged file fails here, in h5py's C code
            raise _weights.unreadable(source, error) from None
        if not present:
            raise TypednnError(
                f"{source}: an .h5 file without a model_config attribute, so not a whole Keras model",
                hint="a weights-only file (model.save_weights) imports with its config: pass model.json "
                "beside model.weights.h5",
            )
        try:
            value = h5.attrs["model_config"]
        except _weights.H5_ERRORS as error:
            raise TypednnError(
                f"{source}: its model_config attribute cannot be read ({error})", hint="the file is corrupted"
            ) from None
    # HDF5 attributes are never compressed: the value is no larger than the file, read under its cap.
    if isinstance(value, str):
        try:
            value = value.encode()
        except UnicodeError:  # h5py keeps undecodable bytes as lone surrogates
            raise TypednnError(
                f"{source}: its model_config attribute is not UTF-8 text",
                hint="the file was edited or forged; Keras writes the config as UTF-8 JSON",
            ) from None
    if not isinstance(value, bytes):
        raise TypednnError(
            f"{source}: its model_config attribute is a {type(value).__name__}, not a JSON string",
            hint="the file was edited or forged; Keras writes the config as one string",
        )
    if len(value) > CONFIG_LIMIT:
        raise TypednnError(
            f"{source}: its model_config is {size(len(value))}, more than the {size(CONFIG_LIMIT)} accepted"
        )
    return _config(value, f"{source}:model_config")
