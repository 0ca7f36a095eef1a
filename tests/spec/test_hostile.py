"""Hostile spec text: every file ends as a spec or a located error, in bounded time and memory.

Hostile spec files: nesting that crashed the process (libyaml's
composer, `json`'s recursion), flow lists that took gigabytes before being refused, long
integers, YAML merge keys and tags the safe constructor chokes on, JSON read as YAML, and
special files (devices, FIFOs, directories, huge files) named as the spec.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import typednn as tn
from typednn._reading import SPEC_LIMIT
from typednn.spec._text import parse, read_document
from typednn.spec._text_json import parse_json
from typednn.spec._text_yaml import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
IRIS_JSON = (ROOT / "examples" / "iris.json").read_text()


def write(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> str:
    """The message `read_document` refuses the file with, its folder removed."""
    with pytest.raises(tn.TypednnError) as caught:
        read_document(write(tmp_path, text, name))
    return str(caught.value).replace(f"{tmp_path}/", "")


def check(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> subprocess.CompletedProcess[str]:
    """`typednn check` on the file, in a real process (a crash would show as a signal or exit 3)."""
    path = write(tmp_path, text, name)
    return subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )


def run_python(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    """`code` in a child process with the file's path as its argument."""
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("  hint:")), result.stderr
    assert re.search(pattern, lines[0]), lines[0]


# --- nesting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "where"),
    [
        ("[" * 30_000, "spec.yaml", "spec.yaml:1:66:"),
        ("{a: " * 30_000, "spec.yaml", "spec.yaml:1:261:"),
        ("- " * 30_000, "spec.yaml", "spec.yaml:1:131:"),
        ("".join(f"{' ' * i}k:\n" for i in range(200)), "spec.yaml", "spec.yaml:66:66:"),
        ("[" * 50_000, "spec.json", "spec.json:1:66:"),
        ('{"a": ' * 30_000, "spec.json", "spec.json:1:391:"),
    ],
    ids=["yaml-flow-lists", "yaml-flow-maps", "yaml-block-lists", "yaml-block-maps", "json-lists", "json-objects"],
)
def test_deep_nesting_is_refused_where_it_goes_too_deep(tmp_path: Path, text: str, name: str, where: str) -> None:
    assert refused(tmp_path, text, name).startswith(f"{where} nested more than 64 levels deep")


def test_sixty_four_levels_still_read() -> None:
    assert parse("[" * 64 + "]" * 64, source="s.yaml").value is not None
    assert parse_json("[" * 64 + "1" + "]" * 64, source="s.json").value is not None


def test_an_alias_nested_in_itself_is_refused() -> None:
    with pytest.raises(tn.TypednnError, match=r"^s\.yaml:1:4: nested more than 64 levels deep"):
        parse("a: &a [*a]", source="s.yaml")


@pytest.mark.parametrize("name", ["spec.yaml", "spec.json"])
def test_deep_nesting_does_not_crash_the_process(tmp_path: Path, name: str) -> None:
    # Was a segfault (libyaml's composer) and a RecursionError (`json`): exit -11 and 3.
    assert_one_line_error(check(tmp_path, "[" * 30_000, name), rf"{name}:1:66: nested more than 64")


# --- size --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["spec.yaml", "spec.json"])
def test_a_4_mib_flow_list_is_refused_early(tmp_path: Path, name: str) -> None:
    text = "[" + "1," * ((SPEC_LIMIT - 16) // 2) + "1]"
    # Peak memory of the reading alone, measured in the child: building every node took gigabytes.
    code = (
        "import resource, sys; from pathlib import Path; from typednn.spec._text import read_document\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try: read_document(Path(sys.argv[1]))\n"
        "except Exception as error: print(str(error).splitlines()[0])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    path = write(tmp_path, text, name)
    result = run_python(code, path)
    message, grown = result.stdout.splitlines()
    assert message.endswith(f"{name}:1:200000: the file holds more than 100,000 values"), message
    assert int(grown) < 512 * 1024, f"{int(grown) // 1024} MiB"  # ru_maxrss is in KiB


def test_aliases_count_as_what_they_repeat() -> None:
    laughs = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    with pytest.raises(tn.TypednnError, match=r"^s\.yaml:\d+:\d+: the file holds more than 100,000 values"):
        parse(laughs, source="s.yaml")


def test_merge_keys_repeating_a_part_count_too() -> None:
    text = "a: &a {" + ", ".join(f"k{i}: {i}" for i in range(1000)) + "}\nb: {<<: [" + ", ".join(["*a"] * 200) + "]}\n"
    with pytest.raises(tn.TypednnError, match=r"^s\.yaml:2:\d+: the file holds more than 100,000 values"):
        parse(text, source="s.yaml")


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("seed: " + "9" * 5000, "spec.yaml", "spec.yaml:1:7: a number of 5,000 digits"),
        ("seed: -" + "9" * 5000 + ".5e+3", "spec.yaml", "spec.yaml:1:7: a number of 5,002 digits"),
        ("seed: !!int '" + "9" * 5000 + "'", "spec.yaml", "spec.yaml:1:7: a number of 5,000 digits"),
        ("seed: 1" + ":59" * 10_000, "spec.yaml", "spec.yaml:1:7: a number of 20,001 digits"),  # base 60
        ('{"seed":\n ' + "9" * 10_000 + "}", "spec.json", "spec.json:2:2: a number of 10,000 digits"),
        ('{"seed": 0.' + "1" * 200 + "}", "spec.json", "spec.json:1:10: a number of 201 digits"),
    ],
)
def test_long_numbers_are_refused_before_conversion(tmp_path: Path, text: str, name: str, message: str) -> None:
    assert refused(tmp_path, text, name).startswith(f"{message}; no option takes it")


def test_a_long_number_ends_in_a_one_line_error(tmp_path: Path) -> None:
    # Was `ValueError: Exceeds the limit (4300 digits) for integer string conversion`: exit 3.
    assert_one_line_error(check(tmp_path, "name: x\nseed: " + "7" * 5000), r"spec.yaml:2:7: a number of 5,000 digits")


# --- YAML constructor ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{<<: 3}", "1:9: invalid YAML merge: expected a mapping or list of mappings for merging, but found scalar"),
        ("{<<: [1, 2]}", "1:10: invalid YAML merge: expected a mapping for merging, but found scalar"),
        ("2001-13-45", "1:4: '2001-13-45' cannot be read as timestamp"),
        ("2001-01-01 25:99:99", "1:4: '2001-01-01 25:99:99' cannot be read as timestamp"),
        ("!!int x", "1:4: 'x' cannot be read as int"),
        ("!!float x", "1:4: 'x' cannot be read as float"),
        ("!!bool maybe", "1:4: 'maybe' cannot be read as bool"),
        ("!!timestamp x", "1:4: 'x' cannot be read as timestamp"),
        ("!!python/name:os.system x", "1:4: could not determine a constructor"),
        ("2001-01-01", "1:4: '2001-01-01' reads as a date, which no option takes"),
    ],
)
def test_what_the_safe_constructor_refuses_is_located(value: str, message: str) -> None:
    with pytest.raises(tn.TypednnError) as caught:
        parse(f"a: {value}\n", source="s.yaml")
    assert str(caught.value).startswith(f"s.yaml:{message}"), str(caught.value)


def test_a_merge_key_holding_a_number_ends_in_a_one_line_error(tmp_path: Path) -> None:
    assert_one_line_error(check(tmp_path, "model:\n  <<: 3\n"), r"spec.yaml:2:7: invalid YAML merge")


def test_merge_keys_still_merge() -> None:
    doc = parse("base: &b {units: 3}\nlayer:\n  <<: *b\n  name: x\n", source="s.yaml")
    assert doc.value["layer"] == {"units": 3, "name": "x"}


def test_long_keys_and_values_are_quoted_short(tmp_path: Path) -> None:
    key = "k" * 100_000
    message = refused(tmp_path, f"? {key}\n: 1\n? {key}\n: 2\n")  # an implicit key is at most 1024 characters
    assert message.startswith("spec.yaml:3:3: the key 'kkkk") and len(message) < 300, message
    message = refused(tmp_path, f'{{"{key}": 1, "{key}": 2}}', "spec.json")
    assert message.startswith("spec.json:1:100009: the key 'kkkk") and len(message) < 300, message
    message = refused(tmp_path, f"a: !!binary {'QUFB' * 25_000}\n")
    assert message.startswith("spec.yaml:1:4: 'QUFB") and len(message) < 300, message


# --- characters --------------------------------------------------------------------------------


def test_control_characters_are_located_after_wide_characters(tmp_path: Path) -> None:
    # libyaml gives the offset in UTF-8 bytes: the column counts characters.
    message = refused(tmp_path, "name: x\nété: ab\x01c\n")
    assert message.startswith("spec.yaml:2:8: invalid YAML: the character '\\x01' is not allowed here"), message
    assert refused(tmp_path, "a: 1\x00\n").startswith("spec.yaml:1:5: invalid YAML: the character '\\x00'")


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    message = refused(tmp_path, b"name: x\nab: \xe9t\xe9\n")
    assert message.startswith("spec.yaml:2:5: not UTF-8 text (byte 12)"), message


def test_a_lone_surrogate_in_text_is_located() -> None:
    with pytest.raises(tn.TypednnError, match=r"^s\.yaml:2:4: invalid YAML: a lone surrogate"):
        parse("a: 1\nb: \ud800\n", source="s.yaml")


# --- JSON read as JSON ---------------------------------------------------------------------------


def test_json_is_read_with_json_semantics() -> None:
    text = '{"a": 1e-3, "b": "\\ud83d\\ude00", "c": [true, false, null, -0, 1.5E+3, 10],\t"d": "\\t"}'
    assert parse(text, source="s.json", json_syntax=True).value == json.loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "1:7: invalid JSON: Expecting value"),
        ('{"a": -Infinity}', "1:7: invalid JSON: Expecting value"),
        ('{"a": "\\ud83d"}', "1:7: invalid JSON: a lone surrogate escape"),
        ('{"a": "x\ny"}', "1:9: invalid JSON: Invalid control character"),
        ('{"a": "x', "1:7: invalid JSON: Unterminated string"),
        ('{"a": "\\q"}', "1:8: invalid JSON: Invalid \\escape"),
        ('{"a": 01}', "1:8: invalid JSON: Expecting ',' delimiter"),
        ('{"a": 1,}', "1:9: invalid JSON: Expecting property name enclosed in double quotes"),
        ('{"a" 1}', "1:6: invalid JSON: Expecting ':' delimiter"),
        ("[1] [2]", "1:5: invalid JSON: Extra data"),
        ("", "1:1: invalid JSON: Expecting value"),
        ('{\n  "a": 1,\n  "a": 2\n}', "3:3: the key 'a' appears twice in one mapping"),
    ],
)
def test_json_errors_are_located(text: str, message: str) -> None:
    with pytest.raises(tn.TypednnError) as caught:
        parse(text, source="s.json", json_syntax=True)
    assert str(caught.value).startswith(f"s.json:{message}"), str(caught.value)


def test_json_gives_the_positions_yaml_gives() -> None:
    # A JSON text is (nearly) YAML flow syntax: both readers must agree on every position.
    from_json, from_yaml = parse_json(IRIS_JSON, source="s"), parse_yaml(IRIS_JSON, source="s")
    assert from_json.value == from_yaml.value == json.loads(IRIS_JSON)
    assert from_json.values == from_yaml.values and from_json.keys == from_yaml.keys


def test_a_json_spec_with_an_exponent_checks(tmp_path: Path) -> None:
    # YAML 1.1 read `1e-3` as text: "optimizer ... should be a number".
    text = '{"model": {"input": [4], "layers": [{"dense": 3}]}, "train": {"optimizer": {"adam": 1e-3}}}'
    result = check(tmp_path, text, "spec.json")
    assert result.returncode == 0, result.stderr


# --- special files -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dev-zero", "directory", "too-large", "fifo"])
def test_special_files_are_refused_without_blocking(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "spec.yaml"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "too-large":
        path.write_bytes(b"#" * (SPEC_LIMIT + 1))
    else:
        os.mkfifo(path)
    # In a child process: a FIFO with no writer would block a plain open forever.
    code = "import sys; from pathlib import Path; from typednn.spec._text import read_document\n"
    code += "read_document(Path(sys.argv[1]))\n"
    result = run_python(code, path)
    assert result.returncode == 1 and "TypednnError" in result.stderr, result.stderr
    expected = {
        "dev-zero": "the spec file is a character device, not a regular file",
        "directory": "the spec file is a directory",
        "too-large": "the spec file is 4.0 MiB, more than the 4.0 MiB a spec file may be",
        "fifo": "the spec file is a FIFO (named pipe), not a regular file",
    }[kind]
    assert f"{path}: {expected}" in result.stderr, result.stderr
