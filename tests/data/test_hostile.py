"""Hostile and broken data files: each ends in a located TypednnError, exit 1.

Every hostile file is built here. Python-level checks call the loaders and schemas; the
CLI checks run `typednn check` in a real process, with a time bound, and assert one
located message (and a hint), exit 1 and no traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from PIL import Image

import typednn as tn
from tests.conftest import fails
from typednn.data import _cache_folder, _csv_text, _images, _json_line

# --- helpers -------------------------------------------------------------------------


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, if the body blocks (e.g. opening a FIFO that has no writer)."""

    def expire(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def spec(folder: Path, source: str, *, inputs: int = 2, classes: int = 2) -> Path:
    """A spec whose data source is `source` (a YAML flow mapping), for `typednn check`."""
    path = folder / "spec.yaml"
    path.write_text(
        f"name: hostile\nmodel:\n  input: [{inputs}]\n  layers:\n    - dense: {classes}\n"
        f"data:\n  source: {source}\n"
        "train:\n  epochs: 1\n  batch_size: 2\n  optimizer: {adam: {learning_rate: 0.01}}\n"
        "  loss: softmax_cross_entropy\n"
    )
    return path


def check(spec_file: Path, *, code: int = 1) -> str:
    """Run `typednn check` on a spec; assert the exit code and a short, traceback-free stderr."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(spec_file)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=spec_file.parent,
        check=False,
    )
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert time.monotonic() - started < 60
    if code == 1:
        lines = done.stderr.strip().splitlines()
        assert 1 <= len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint:")), done.stderr
    return done.stderr


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under `folder` with its size and modification time (links not followed)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            status = os.lstat(Path(root) / name)
            found[os.path.relpath(Path(root) / name, folder)] = (status.st_size, status.st_mtime_ns)
    return found


def npy_bytes(header: str, data: bytes = b"") -> bytes:
    """A `.npy` file with this header text (padded as NumPy pads it) and data."""
    text = header.encode("latin-1")
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def png_bytes(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A grey PNG declaring `width` x `height`: a few bytes however large it claims to be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(pixels if pixels is not None else b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def image_folder(root: Path, bad: bytes, name: str = "bad.png") -> Path:
    """Two classes of 4x4 images; class `b` holds the file `bad`."""
    for label in ("a", "b"):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.new("L", (4, 4), 7).save(root / label / "0.png")
    (root / "b" / name).write_bytes(bad)
    return root


# --- 1. Only regular files are read ----------------------------------------------------


SPECIALS = ["fifo", "dev-zero", "directory"]


def _make_special(path: Path, special: str) -> Path:
    if special == "fifo":
        os.mkfifo(path)
    elif special == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    return path


LOADERS: dict[str, Callable[[Path, Path], object]] = {
    "csv": lambda bad, good: tn.data.csv(bad),
    "csv schema": lambda bad, good: tn.data.schema("csv", bad),
    "npz": lambda bad, good: tn.data.npz(bad),
    "npz schema": lambda bad, good: tn.data.schema("npz", bad),
    "npy features": tn.data.npy,
    "npy targets": lambda bad, good: tn.data.npy(good, bad),
    "npy schema": lambda bad, good: tn.data.schema("npy", features=bad, targets=good),
    "jsonl": lambda bad, good: tn.data.jsonl(bad),
    "jsonl schema": lambda bad, good: tn.data.schema("jsonl", bad),
    "pickle": lambda bad, good: tn.data.pickle(bad, allow_pickle=True),
    "inputs csv": lambda bad, good: tn.data.read_inputs(bad.with_suffix(".csv")),
    "inputs npy": lambda bad, good: tn.data.read_inputs(bad.with_suffix(".npy")),
}
KINDS = {"fifo": "FIFO (named pipe)", "dev-zero": "character device", "directory": "directory"}


@pytest.mark.parametrize("special", SPECIALS)
@pytest.mark.parametrize("loader", LOADERS)
def test_special_files_are_refused_without_reading_or_blocking(tmp_path: Path, special: str, loader: str) -> None:
    good = tmp_path / "y.npy"
    np.save(good, np.array([0, 1, 1]))
    suffix = {"inputs csv": ".csv", "inputs npy": ".npy"}.get(loader, ".dat")
    bad = _make_special(tmp_path / f"special{suffix}", special)
    with deadline(20), fails(str(bad), KINDS[special], "not a regular file", "hint:"):
        LOADERS[loader](bad, good)


@pytest.mark.parametrize("special", SPECIALS)
def test_special_image_files_are_skipped_and_a_folder_of_them_is_refused(tmp_path: Path, special: str) -> None:
    root = tmp_path / "images"
    (root / "a").mkdir(parents=True)
    Image.new("L", (4, 4)).save(root / "a" / "0.png")
    (root / "b").mkdir()
    _make_special(root / "b" / "x.png", special)
    with deadline(20), fails("no images in the folder of class 'b'"):
        tn.data.images(root)


@pytest.mark.parametrize("special", SPECIALS)
def test_the_cli_refuses_a_special_data_file(tmp_path: Path, special: str) -> None:
    _make_special(tmp_path / "data.csv", special)
    message = check(spec(tmp_path, "{csv: data.csv}"))
    assert "data.csv: the CSV file is a" in message and KINDS[special] in message


# --- 2. Messages never quote a file beyond a short excerpt -----------------------------

SECRET = "SECRET_TOKEN=" + "abcdef0123456789" * 12
SECRET = SECRET[:200]


@pytest.mark.slow
def test_a_secret_first_line_is_never_echoed(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text(SECRET + "\n" + "1\n")
    message = check(spec(tmp_path, "{csv: secret.csv}"))
    assert "secret.csv" in message
    assert SECRET[:24] in message and SECRET[:25] not in message, message
    # The hint listing a file's columns, a bad cell, a suggestion: each cut just as short.
    (tmp_path / "wide.csv").write_text(f"a,{SECRET},y\n1,2,0\n")
    message = check(spec(tmp_path, "{csv: {path: wide.csv, label: SECRET_TOKEN}}"))
    assert SECRET[:25] not in message, message
    (tmp_path / "cell.csv").write_text(f"a,y\n1,0\n{SECRET},1\n")
    message = check(spec(tmp_path, "{csv: cell.csv}", inputs=1))
    assert "cell.csv:3:1: row 2, column 'a': expected a number" in message and SECRET[:25] not in message


def test_secrets_in_other_formats_are_cut_short(tmp_path: Path) -> None:
    key = SECRET.replace("=", "_")
    (tmp_path / "d.jsonl").write_text(json.dumps({key: [1], "y": 0}) + "\n")
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.jsonl(tmp_path / "d.jsonl")
    assert key[:25] not in str(caught.value) and key[:24] in str(caught.value)
    (tmp_path / "v.jsonl").write_text(json.dumps({"x": [SECRET], "y": 0}) + "\n")
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.jsonl(tmp_path / "v.jsonl")
    assert SECRET[:25] not in str(caught.value)
    arrays: dict[str, Any] = {key: np.zeros((2, 1)), "y": np.array([0, 1])}
    np.savez(tmp_path / "d.npz", **arrays)
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.npz(tmp_path / "d.npz")
    assert key[:25] not in str(caught.value)
    np.savez(tmp_path / "n.npz", x=np.zeros((2, 1)), y=np.array([SECRET, "a"]))
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.npz(tmp_path / "n.npz", classes=3)
    assert SECRET[:25] not in str(caught.value)


@pytest.mark.parametrize(
    "refusal", [f"CSV parse error: Expected 2 columns, got 1: {SECRET}", f"conversion error: invalid value '{SECRET}'"]
)
def test_pyarrow_refusals_lose_the_text_they_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusal: str
) -> None:
    # When the row-by-row re-scan finds nothing wrong, pyarrow's words are given, less
    # the row or value they quote.
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise pa.ArrowInvalid(refusal)

    monkeypatch.setattr(pcsv, "read_csv", refuse)  # the module _csv_read reads with
    with pytest.raises(tn.TypednnError) as caught:
        tn.data.csv(_csv(tmp_path))
    assert "data.csv: not readable as CSV:" in str(caught.value)
    assert SECRET[:4] not in str(caught.value), str(caught.value)


# --- 3. Other encodings ------------------------------------------------------------------

TEXT = "a,b,y\n1,2,0\n3,4,1\n"


def test_utf16_and_utf32_files_are_named(tmp_path: Path) -> None:
    for codec, name in (("utf-16", "UTF-16"), ("utf-32", "UTF-32")):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(TEXT.encode(codec))
        with fails(f"{codec}.csv: the file is {name} text (it starts with a {name} byte-order mark), not UTF-8"):
            tn.data.csv(path)
        assert tn.data.csv(path, encoding=codec).features.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    (tmp_path / "le.csv").write_bytes(TEXT.encode("utf-16-le"))
    with fails("le.csv: not UTF-8 text: a NUL byte at byte 1", "hint: save it as UTF-8"):
        tn.data.csv(tmp_path / "le.csv")
    assert len(tn.data.csv(tmp_path / "le.csv", encoding="utf-16-le")) == 2
    message = check(spec(tmp_path, "{csv: utf-16.csv}"))
    assert "UTF-16" in message and "save it as UTF-8" in message


def test_text_the_encoding_cannot_decode_is_located(tmp_path: Path) -> None:
    (tmp_path / "le.csv").write_bytes(TEXT.encode("utf-16-le"))
    with fails("le.csv:1: not utf-16 text (UTF-16 stream does not start with BOM)"):
        tn.data.csv(tmp_path / "le.csv", encoding="utf-16")
    with fails("le.csv:1: not utf-32 text (byte 0x61"):
        tn.data.schema("csv", tmp_path / "le.csv", encoding="utf-32")
    (tmp_path / "latin.csv").write_bytes("a,y\n1,caf\xe9\n".encode("latin-1"))
    with fails("latin.csv:2:2: row 1, column 'y': not UTF-8 text (byte 0xe9)"):
        tn.data.csv(tmp_path / "latin.csv")
    (tmp_path / "head.csv").write_bytes(b"a,\xff,y\n1,2,0\n")
    with fails("head.csv:1:2: the header is not UTF-8 text (byte 0xff)"):
        tn.data.csv(tmp_path / "head.csv")
    for encoding in ("rot13", "base64"):
        with fails(f"encoding={encoding!r} is a transform, not a text encoding"):
            tn.data.csv(tmp_path / "latin.csv", encoding=encoding)
    for delimiter in ("\n", "é", "\x00"):
        with fails("cannot separate fields"):
            tn.data.csv(tmp_path / "latin.csv", delimiter=delimiter)


# --- 4. Wide files: linear, and capped ---------------------------------------------------


def test_a_100000_column_file_checks_quickly(tmp_path: Path) -> None:
    columns = 100_000
    header = ",".join(f"c{i}" for i in range(columns))
    row = ",".join(["1"] * (columns - 1) + ["0"])
    (tmp_path / "wide.csv").write_text(f"{header}\n{row}\n{row}\n{row.replace(',0', ',1')}\n")
    # The check of the data (linear in the columns) passes; 2 classes and 99,999 inputs.
    check(spec(tmp_path, f"{{csv: {{path: wide.csv, label: c{columns - 1}}}}}", inputs=columns - 1), code=0)


def test_more_columns_than_the_limit_are_refused_before_they_are_held(tmp_path: Path) -> None:
    (tmp_path / "many.csv").write_text("," * _csv_text.MAX_COLUMNS + "\n1\n")
    with fails(f"many.csv:1: more than {_csv_text.MAX_COLUMNS:,} columns (fields) in one row"):
        tn.data.csv(tmp_path / "many.csv")


def test_lines_past_the_limit_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_csv_text, "LINE_LIMIT", 100)
    (tmp_path / "long.csv").write_text("a,y\n1,0\n" + "7" * 200 + ",1\n")
    with fails("long.csv:3: a line longer than 100 characters"):
        tn.data.csv(tmp_path / "long.csv")
    monkeypatch.setattr(_json_line, "LINE_LIMIT", 100)
    (tmp_path / "long.jsonl").write_text('{"x": [1], "y": 0}\n{"x": [' + "1, " * 100 + '1], "y": 0}\n')
    with fails("long.jsonl:2: a line longer than"):
        tn.data.jsonl(tmp_path / "long.jsonl")


def test_duplicate_and_missing_columns_in_a_wide_header_are_found(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(50_000)]
    (tmp_path / "dup.csv").write_text(",".join([*names, "c7"]) + "\n" + ",".join(["1"] * 50_001) + "\n")
    with fails("dup.csv:1:50001: column 'c7' appears twice (columns 8 and 50001)"):
        tn.data.csv(tmp_path / "dup.csv")
    (tmp_path / "ok.csv").write_text(",".join(names) + "\n" + ",".join(["1"] * 50_000) + "\n")
    with fails("no column 'c99999' for the label", "the columns are 'c0', 'c1'"):
        tn.data.csv(tmp_path / "ok.csv", label="c99999")
    with fails("features lists 'c3' twice"):
        tn.data.csv(tmp_path / "ok.csv", features=[*names[:40_000], "c3"])


# --- 5. NumPy files ----------------------------------------------------------------------

GOOD_X = np.zeros((3, 2), np.float32)
BAD_NPY = {
    "empty": (b"", "it is empty (0 bytes)"),
    "negative shape": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 2), }", bytes(24)), "-3"),
    "garbage header": (npy_bytes("this is not a dict"), "no valid .npy header"),
    "not npy": (b"hello, world", "no valid .npy header"),
    "huge shape": (
        npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 2), }", bytes(24)),
        "of data, but the file holds 24 bytes: truncated?",
    ),
    "truncated": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", bytes(8)), "truncated"),
    "bool size": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (True,), }", bytes(8)), "sizes"),
    "empty dtype": (npy_bytes("{'descr': '<U0', 'fortran_order': False, 'shape': (10,), }"), "not one value"),
    "version 9": (b"\x93NUMPY\x09\x00" + bytes(60), "version 9.0"),
}


@pytest.mark.parametrize("case", BAD_NPY)
def test_bad_npy_files_are_named(tmp_path: Path, case: str) -> None:
    content, message = BAD_NPY[case]
    np.save(tmp_path / "x.npy", GOOD_X)
    np.save(tmp_path / "y.npy", np.array([0, 1, 1]))
    (tmp_path / "bad.npy").write_bytes(content)
    for call in (
        lambda: tn.data.npy(tmp_path / "bad.npy", tmp_path / "y.npy"),
        lambda: tn.data.npy(tmp_path / "x.npy", tmp_path / "bad.npy"),
        lambda: tn.data.schema("npy", features=tmp_path / "bad.npy", targets=tmp_path / "y.npy"),
        lambda: tn.data.read_inputs(tmp_path / "bad.npy"),
    ):
        with fails("bad.npy: not a NumPy .npy array", message, "hint:"):
            call()


@pytest.mark.parametrize("case", BAD_NPY)
def test_bad_npz_members_are_named(tmp_path: Path, case: str) -> None:
    content, message = BAD_NPY[case]
    buffer = io.BytesIO()
    np.save(buffer, GOOD_X)
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as archive:
        archive.writestr("x.npy", buffer.getvalue())
        archive.writestr("y.npy", content)
    for call in (lambda: tn.data.npz(tmp_path / "d.npz"), lambda: tn.data.schema("npz", tmp_path / "d.npz")):
        with fails("d.npz: array 'y': not a NumPy .npy array", message):
            call()
    with fails("d.npz: array 'y'", message):
        tn.data.schema("npz", tmp_path / "d.npz", features="y", targets="x")


def test_npz_members_that_are_not_npy_and_damaged_archives(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    np.save(buffer, GOOD_X)
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as archive:
        archive.writestr("x.npy", buffer.getvalue())
        archive.writestr("y", b"a text file")
    with fails("d.npz: array 'y': the member 'y' is not a .npy file"):
        tn.data.npz(tmp_path / "d.npz")
    np.savez_compressed(tmp_path / "c.npz", x=np.random.default_rng(0).random((200, 10)), y=np.arange(200) % 3)
    damaged = bytearray((tmp_path / "c.npz").read_bytes())
    for offset in range(400, 2000, 97):
        damaged[offset] ^= 0x55
    (tmp_path / "c.npz").write_bytes(bytes(damaged))
    with fails("c.npz: array 'x'"):
        tn.data.npz(tmp_path / "c.npz")
    (tmp_path / "e.npz").write_bytes(b"")
    with fails("e.npz: not a NumPy .npy or .npz file"):
        tn.data.npz(tmp_path / "e.npz")


def test_the_cli_names_a_bad_npz_member(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "d.npz", "w") as archive:
        archive.writestr("x.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }"))
        archive.writestr("y.npy", b"")
    assert "d.npz: array 'x': not a NumPy .npy array" in check(spec(tmp_path, "{npz: d.npz}"))


# --- 6. Images -----------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(13_000, 13_000), (20_000, 20_000), (9000, 8000)])
def test_decompression_bombs_are_refused_before_decoding(tmp_path: Path, width: int, height: int) -> None:
    root = image_folder(tmp_path / "images", png_bytes(width, height))
    pixels = f"{width * height:,}"
    with fails("b/bad.png: the image is", pixels, f"more than the {_images.MAX_PIXELS:,}", "decompression bomb"):
        tn.data.images(root)
    (root / "a" / "0.png").write_bytes(png_bytes(width, height))
    with fails("a/0.png: the image is", pixels):
        tn.data.schema("images", root)


def test_a_bomb_in_the_cli(tmp_path: Path) -> None:
    root = image_folder(tmp_path / "images", png_bytes(4, 4))
    (root / "a" / "0.png").write_bytes(png_bytes(13_000, 13_000))  # the first image: check reads its header
    message = check(spec(tmp_path, "{images: images}", inputs=4))
    assert "images/a/0.png: the image is 13000x13000 = 169,000,000 pixels" in message


@pytest.mark.parametrize(
    "error", [SyntaxError("broken PNG file"), OSError("decoder error"), ValueError("x"), struct.error("unpack")]
)
def test_every_decoding_failure_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    root = image_folder(tmp_path / "images", png_bytes(4, 4))

    def fail(*args: Any, **kwargs: Any) -> Image.Image:
        raise error

    monkeypatch.setattr(Image.Image, "convert", fail)
    with fails("images/a/0.png: not a readable image", type(error).__name__, "hint: remove or replace the file"):
        tn.data.images(root)


def test_damaged_images_name_the_file(tmp_path: Path) -> None:
    cases = {
        "truncated": png_bytes(4, 4, b"\0" * 3),
        "garbage": b"\x89PNG\r\n\x1a\n" + b"x" * 50,
        "not an image": b"GIF89a" + bytes(20),
    }
    for name, content in cases.items():
        root = image_folder(tmp_path / name, content)
        with fails(f"{name}/b/bad.png: not a readable image"):
            tn.data.images(root)
    with fails("size=[100000, 100000] is more than the"):
        tn.data.images(tmp_path / "truncated", size=[100_000, 100_000])


# --- 7. JSON Lines -----------------------------------------------------------------------

JSONL = {
    "deep nesting": ('{"x": ' + "[" * 100_000 + "]" * 100_000 + ', "y": 0}', "d.jsonl:1: lists or objects nested"),
    "65 deep": ('{"x": ' + "[" * 64 + "1" + "]" * 64 + ', "y": 0}', "nested 65 deep, more than the 64"),
    "deep object": ('{"y": 0, "x": 1, "z": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}", "nested 5,001 deep"),
    "long integer": ('{"x": [' + "9" * 5000 + '], "y": 0}', "d.jsonl:1: an integer of 5,000 digits"),
    "beyond float32": ('{"x": [1' + "0" * 60 + '], "y": 0}', "d.jsonl:1: key 'x'[0] is 1000"),
    "beyond float64": ('{"x": [1e400], "y": 0}', "key 'x'[0] is inf, not a finite float32 number"),
    "huge class id": ('{"x": [1], "y": 1' + "0" * 90 + "}", "key 'y' is class id 1000"),
    "empty features": ('{"x": [], "y": 0}', "d.jsonl:1: key 'x' holds an empty list"),
    "empty target": ('{"x": [1], "y": []}', "d.jsonl:1: key 'y' holds an empty list"),
}


@pytest.mark.parametrize("case", JSONL)
def test_jsonl_lines_past_the_bounds_are_located(tmp_path: Path, case: str) -> None:
    line, message = JSONL[case]
    (tmp_path / "d.jsonl").write_text(line + "\n")
    for call in (lambda: tn.data.jsonl(tmp_path / "d.jsonl"), lambda: tn.data.schema("jsonl", tmp_path / "d.jsonl")):
        with deadline(20), fails(message):
            call()


def test_brackets_in_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps({"x": [[1.0, 2.0]], "y": "[" * 500 + '\\"{'}) + "\n")
    assert tn.data.jsonl(tmp_path / "d.jsonl").features.shape == (1, 1, 2)


def test_the_cli_locates_deep_jsonl(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"x": [1, 2], "y": 0}\n{"x": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    assert "d.jsonl:2: lists or objects nested 50,001 deep" in check(spec(tmp_path, "{jsonl: d.jsonl}"))


# --- 8. The cache folder: only typednn's own entries are ever deleted --------------------


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,1\n")
    return path


def _old(path: Path) -> None:
    for item in [*path.rglob("*"), path]:
        os.utime(item, (1_000_000_000, 1_000_000_000), follow_symlinks=False)


def test_a_folder_of_user_files_is_never_swept_nor_written(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    backup = mine / ".backup.tmp"
    backup.mkdir(parents=True)
    (backup / "thesis.tex").write_text("years of work")
    (mine / "notes.txt").write_text("keep")
    _old(backup)
    before = snapshot(mine)
    with fails(f"{mine}: the cache folder holds files typednn did not create", "hint: give an empty folder"):
        tn.data.csv(_csv(tmp_path), cache=mine)
    with fails("holds files typednn did not create"):
        tn.data.schema("csv", _csv(tmp_path), cache=mine)
    assert snapshot(mine) == before
    message = check(spec(tmp_path, "{csv: {path: data.csv, cache: mine}}"))
    assert "mine: the cache folder holds files typednn did not create" in message
    assert snapshot(mine) == before


def test_in_its_own_folder_typednn_sweeps_only_what_it_marked(tmp_path: Path) -> None:
    cache, path = tmp_path / "cache", _csv(tmp_path)
    tn.data.csv(path, cache=cache)  # creates and marks the folder
    assert (cache / ".typednn-cache").is_file()
    # Stale look-alikes: a user's backup, one named as typednn's but unmarked, a link to a
    # marked folder outside the cache. Only typednn's own stale temporary folder goes.
    (cache / ".backup.tmp").mkdir()
    (cache / ".backup.tmp" / "file").write_text("keep")
    unmarked = cache / f".csv-{'1' * 32}.abcdefgh.tmp"
    unmarked.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".typednn-entry").write_text("")
    (outside / "precious").write_text("keep")
    link = cache / f".csv-{'2' * 32}.abcdefgh.tmp"
    link.symlink_to(outside, target_is_directory=True)
    ours = cache / f".csv-{'3' * 32}.abcdefgh.tmp"
    ours.mkdir()
    (ours / ".typednn-entry").write_text("")
    for item in (cache / ".backup.tmp", unmarked, ours, outside):
        _old(item)
    os.utime(link, (1_000_000_000, 1_000_000_000), follow_symlinks=False)
    path.write_text("a,b,y\n1,2,0\n3,4,1\n")  # a new version: its entry is built, the old one removed
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert len(tn.data.csv(path, cache=cache)) == 2
    left = sorted(item.name for item in cache.iterdir())
    assert ".backup.tmp" in left and unmarked.name in left and link.name in left and ours.name not in left
    assert (outside / "precious").read_text() == "keep" and (cache / ".backup.tmp" / "file").exists()
    assert len([name for name in left if name.startswith("csv-")]) == 1


def test_an_empty_folder_is_claimed_and_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert tn.data.csv(_csv(tmp_path), cache=tmp_path / "empty").file_backed
    assert (tmp_path / "empty" / _cache_folder.MARKER).is_file()
    (tmp_path / "file").write_text("x")
    with fails("file: the cache folder is not a folder"):
        tn.data.csv(_csv(tmp_path), cache=tmp_path / "file")


# --- 9. Damaged cache entries are rebuilt, with a note ---------------------------------


def _damage_meta(entry: Path, change: Callable[[dict[str, Any]], object]) -> None:
    meta = json.loads((entry / "meta.json").read_text())
    (entry / "meta.json").write_text(json.dumps(change(meta)))


def _without_classes(meta: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in meta.items() if key != "classes"}


def _fifo_in_place(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


DAMAGES: dict[str, Callable[[Path], object]] = {
    "meta.json without a key": lambda entry: _damage_meta(
        entry, lambda m: {k: v for k, v in m.items() if k != "classes"}
    ),
    "meta.json holding a list": lambda entry: _damage_meta(entry, lambda m: [m]),
    "meta.json not JSON": lambda entry: (entry / "meta.json").write_bytes(b"\xff{"),
    "meta.json nested deep": lambda entry: (entry / "meta.json").write_text("[" * 100_000),
    "meta.json a FIFO": lambda entry: _fifo_in_place(entry / "meta.json"),
    "meta.json missing": lambda entry: (entry / "meta.json").unlink(),
    "meta.json of wrong types": lambda entry: _damage_meta(entry, lambda m: {**m, "examples": "3"}),
    "more examples": lambda entry: _damage_meta(entry, lambda m: {**m, "examples": 10**12}),
    "features.npy not .npy": lambda entry: (entry / "features.npy").write_bytes(b"not numpy"),
    "features.npy empty": lambda entry: (entry / "features.npy").write_bytes(b""),
    "features of a wrong shape": lambda entry: np.save(entry / "features.npy", np.zeros((3, 5), np.float32)),
    "features of another dtype": lambda entry: np.save(entry / "features.npy", np.zeros((3, 2))),
    "targets out of range": lambda entry: np.save(entry / "targets.npy", np.array([0, 1, 9], np.int32)),
    "targets missing": lambda entry: (entry / "targets.npy").unlink(),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_entry_is_rebuilt_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    cache, path = tmp_path / "cache", _csv(tmp_path)
    expected = tn.data.csv(path)
    tn.data.csv(path, cache=cache)
    (entry,) = cache.glob("csv-*")
    DAMAGES[damage](entry)
    capsys.readouterr()
    assert tn.data.schema("csv", path, cache=cache) == expected.schema(str(path))
    if damage != "targets out of range":  # found when the ids are read, on load
        assert "damaged cache entry" in capsys.readouterr().err
    data = tn.data.csv(path, cache=cache)
    err = capsys.readouterr().err
    assert "damaged cache entry" in err and "rebuilding it" in err
    np.testing.assert_array_equal(data.features, expected.features)
    np.testing.assert_array_equal(data.targets, expected.targets)
    assert data.classes == expected.classes
    tn.data.csv(path, cache=cache)
    assert capsys.readouterr().err == ""  # rebuilt for good


def test_an_entry_that_is_a_link_is_refused_not_followed(tmp_path: Path) -> None:
    cache, path = tmp_path / "cache", _csv(tmp_path)
    tn.data.csv(path, cache=cache)
    (entry,) = cache.glob("csv-*")
    elsewhere = tmp_path / "elsewhere"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(elsewhere)
    with fails(f"{entry}: typednn did not build this cache entry"):
        tn.data.csv(path, cache=cache)
    assert snapshot(elsewhere) == before


def test_check_says_so_and_train_data_rebuilds(tmp_path: Path) -> None:
    cache, path = tmp_path / "cache", _csv(tmp_path)
    tn.data.csv(path, cache=cache)
    (entry,) = cache.glob("csv-*")
    (entry / "meta.json").write_text("[]")
    message = check(spec(tmp_path, "{csv: {path: data.csv, cache: cache}}"), code=0)
    assert "damaged cache entry" in message and "rebuilt when the data is loaded" in message


def test_a_cache_folder_of_an_earlier_version_is_taken_but_its_entries_are_kept(tmp_path: Path) -> None:
    from typednn.data._cache_folder import MARKER, check_owned, claim  # noqa: PLC0415

    cache = tmp_path / "cache"
    old = cache / ("csv-" + "0" * 32)
    old.mkdir(parents=True)
    (old / "meta.json").write_text("{}")
    assert not check_owned(cache)
    claim(cache)
    assert (cache / MARKER).is_file() and (old / "meta.json").is_file()
