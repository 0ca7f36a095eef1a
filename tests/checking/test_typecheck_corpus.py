"""The typecheck corpus: mypy with the typednn plugin accepts good models and catches bad wiring.

`tests/typecheck/ok_*.py` must type-check with no error. In `tests/typecheck/bad_*.py`
each line ending in `# expect-error: A, B` must get a mypy error whose message contains
A and B (case-insensitive), and no other line may get an error. mypy runs once, as a
user runs it: `strict`, `allow_redefinition`, `plugins = typednn.mypy`, `stubs/` on the
mypy path; the corpus folder is a package base of its own, as a user's folder is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[1] / "typecheck"
FILES = sorted(f for f in CORPUS.glob("*.py") if f.name.startswith(("ok_", "bad_")))
EXPECT = re.compile(r"#\s*expect-error:\s*(.*)$")
REPORT = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+)(?::\d+)?: error: (?P<msg>.*)$")
PLUGIN_CODES = ("[typednn-shape]", "[typednn-param]")

Errors = dict[Path, dict[int, list[str]]]


def expectations(path: Path) -> dict[int, list[str]]:
    """Line number -> lower-cased fragments, for each `# expect-error:` line of a bad file."""
    if not path.name.startswith("bad_"):
        return {}
    wanted = {}
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(text)
        if match:
            wanted[number] = [f.strip().lower() for f in match.group(1).split(",") if f.strip()]
    return wanted


def run_mypy(tmp: Path, *, plugin: bool) -> Errors:
    """mypy's errors in the corpus, by file and line (one mypy run for all files)."""
    lines = ["[mypy]", "strict = True", "allow_redefinition = True", f"cache_dir = {tmp}/cache"]
    if plugin:
        lines.append("plugins = typednn.mypy")
    # The corpus is a folder of user modules that import each other by top-level name
    # (`from ok_custom import ...`), as a user's folder without `__init__.py` is. It lies in
    # the package `tests`, though, where mypy would name it `tests.typecheck.ok_custom`: an
    # explicit package base of its own, it keeps the names a user's folder gets.
    bases = [ROOT / "stubs"] if (ROOT / "stubs").is_dir() else []
    lines += ["explicit_package_bases = True", f"mypy_path = {', '.join(map(str, [*bases, CORPUS]))}"]
    config = tmp / "mypy.ini"
    config.write_text("\n".join(lines) + "\n")
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(config),
        "--show-error-codes", "--no-color-output", "--no-error-summary", "--hide-error-context",
        *map(str, FILES),
    ]  # fmt: skip
    env = {**os.environ, "MYPY_FORCE_COLOR": "0"}
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode in (0, 1), f"mypy could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}"
    found: Errors = {f: {} for f in FILES}
    for line in done.stdout.splitlines():
        match = REPORT.match(line.strip())
        if match:
            where = (ROOT / match["path"]).resolve()
            found.setdefault(where, {}).setdefault(int(match["line"]), []).append(match["msg"])
    return found


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> Errors:
    return run_mypy(tmp_path_factory.mktemp("mypy"), plugin=True)


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_file(path: Path, errors: Errors) -> None:
    got = errors[path]
    wanted = expectations(path)
    problems = []
    for line, fragments in sorted(wanted.items()):
        messages = got.get(line, [])
        if not messages:
            problems.append(f"line {line}: no error, expected one mentioning {', '.join(fragments)}")
        elif not any(all(f in m.lower() for f in fragments) for m in messages):
            problems.append(f"line {line}: error does not mention {', '.join(fragments)}: {messages}")
        elif len(messages) > 1:  # one bug, one error
            problems.append(f"line {line}: {len(messages)} errors for one bug: {messages}")
    for line, messages in sorted(got.items()):
        if line not in wanted:
            problems.append(f"line {line}: unexpected error: {messages}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_corpus_is_large_enough() -> None:
    bad = sum(len(expectations(f)) for f in FILES)
    assert bad >= 45, f"only {bad} expected errors in tests/typecheck/bad_*.py"
    assert any(f.name.startswith("ok_") for f in FILES)


def test_plugin_errors_carry_their_codes(errors: Errors) -> None:
    """Most bad lines are caught by the plugin itself, under its own error codes."""
    plugin_lines = total = 0
    for path in FILES:
        for line in expectations(path):
            total += 1
            if any(m.endswith(PLUGIN_CODES) for m in errors[path].get(line, [])):
                plugin_lines += 1
    assert plugin_lines >= 0.9 * total, f"only {plugin_lines} of {total} bad lines have a typednn error code"
    # Whatever reads like a shape-rule message comes from the plugin, with its code.
    for path in FILES:
        for messages in errors[path].values():
            for message in messages:
                if " expects " in message and ", but receives " in message:
                    assert message.endswith("[typednn-shape]"), message


def test_the_plugin_catches_what_plain_mypy_catches(errors: Errors, tmp_path: Path) -> None:
    """With the plugin, mypy reports every line that mypy without it reports in a bad file.

    Left out are the errors that are no catches: an `assert_type` of a computed shape
    (without the plugin sizes are unknown), and lines where jax's own signature refuses
    a `tn.Tensor` (without the plugin a tensor is no `jax.Array`; docs/checking.md says so).
    """
    plain = run_mypy(tmp_path, plugin=False)
    missed = []
    for path in FILES:
        if not path.name.startswith("bad_"):
            continue
        for line, messages in sorted(plain[path].items()):
            caught = [m for m in messages if not m.endswith("[assert-type]")]
            if any('expected "Array |' in m for m in messages):
                continue
            if caught and line not in errors[path]:
                missed.append(f"{path.name}:{line}: {caught}")
    assert not missed, "mypy without the plugin reports these, with it not:\n" + "\n".join(missed)
