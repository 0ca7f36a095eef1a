"""Every ```python block of README.md and docs/*.md runs, so the docs cannot drift from the code.

test_pyright.py type-checks the same blocks; here they are executed, one subprocess per
page (`JAX_PLATFORMS=cpu`, a fresh temporary folder as the working directory, a time
limit), top-level statement by statement:

- a block starts with a fresh namespace, or, under `<!-- continues the snippet above -->`,
  goes on in the namespace of the blocks it continues (of the same page);
- a statement that carries a `# error: MESSAGE` line (or is followed by one) shows what
  mypy with the plugin rejects: at run time it must raise a `typednn.TypednnError`, or
  run (some such errors are static only, e.g. an annotation that a value does not fit);
  any other exception, anywhere, fails the test, naming the page's `file:line`;
- not run: a block under `<!-- not run: REASON -->` (and the blocks continuing it), the
  `# mypy with typednn.mypy only` blocks (what only the plugin knows) and the
  `<!-- not checked: ... -->` fragments (neither judged nor run).

The working directory holds `iris.csv`, the file the Data page loads as a user's own CSV
file: the bundled iris data with the column names the page shows (`sepal_length`, ...,
`species`). The Distributed training page gets four virtual CPU devices
(`--xla_force_host_platform_device_count`), as the tests of typednn.distributed do.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.checking.test_pyright import DOCS, ROOT, Snippet, snippets

pytestmark = pytest.mark.slow  # each page imports JAX and trains small models: about 2 minutes in all

IRIS = ROOT / "typednn" / "data" / "_bundled" / "iris.csv"
DEVICES = {"docs/distributed.md": 4}  # the page moves a trainer onto `data_mesh(4)`
TIMEOUT = 240

# Runs in the subprocess: argv[1] is a JSON list of chains, each a list of blocks
# {doc, start, code, errors}; argv[2] is the file the failures are written to.
RUNNER = """
import ast, json, sys, traceback
import typednn

chains = json.loads(open(sys.argv[1]).read())
failures = []
for chain in chains:
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        for block in chain:
            tree = ast.parse(block["code"], filename=block["doc"])
            ast.increment_lineno(tree, block["start"] - 1)
            for statement in tree.body:
                span = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
                expected = any(line in span for line in block["errors"])
                code = compile(ast.Module(body=[statement], type_ignores=[]), block["doc"], "exec")
                try:
                    exec(code, namespace)
                except typednn.TypednnError:
                    if not expected:
                        raise
    except BaseException as error:
        where = traceback.extract_tb(error.__traceback__)
        lines = [f"{f.filename}:{f.lineno}" for f in where if f.filename == chain[0]["doc"]]
        failures.append(
            f"{lines[-1] if lines else chain[0]['doc']}: {type(error).__name__}: {error}\\n"
            + "".join(traceback.format_exception(error)[-6:])
        )
open(sys.argv[2], "w").write(json.dumps(failures))
"""


def write_iris(path: Path) -> None:
    """The bundled iris data (a count header, then 4 measurements and a class id a row) as a user's CSV."""
    with IRIS.open(newline="") as source:
        rows = list(csv.reader(source))
    names = rows[0][2:]  # 150,4,setosa,versicolor,virginica
    with path.open("w", newline="") as target:
        out = csv.writer(target)
        out.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        out.writerows([*row[:4], names[int(row[4])]] for row in rows[1:])


def chains(found: list[Snippet]) -> dict[str, list[list[dict[str, Any]]]]:
    """Per page, the chains of blocks to run, each block with its own lines only."""
    pages: dict[str, list[list[dict[str, Any]]]] = {}
    stopped = False  # the chain holds a block that is not run: its continuations are not run either
    for snippet in found:
        page = pages.setdefault(snippet.doc, [])
        if not snippet.continues:
            stopped = False
            page.append([])
        stopped = stopped or snippet.plugin_only or not snippet.run
        if stopped:
            continue
        start = snippet.origin[-snippet.own]
        own = range(start, snippet.origin[-1] + 1)
        block = {
            "doc": snippet.doc,
            "start": start,
            "code": "\n".join(snippet.lines[-snippet.own :]) + "\n",
            "errors": [line for line in snippet.errors() if line in own],
        }
        page[-1].append(block)
    return {doc: [chain for chain in page if chain] for doc, page in pages.items()}


RUNS = chains(snippets())


def test_every_page_has_blocks_that_run() -> None:
    """A page with Python blocks runs some; `not run` stays rare and gives its reason."""
    assert "README.md" in RUNS and "docs/training.md" in RUNS
    text = "\n".join(path.read_text() for path in DOCS)
    assert text.count("<!-- not run:") <= 3, "keep blocks that do not run few"
    assert sum(len(chain) for page in RUNS.values() for chain in page) >= 20


@pytest.mark.parametrize("doc", sorted(RUNS))
def test_docs_blocks_run(doc: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    write_iris(work / "iris.csv")
    plan, report = tmp_path / "plan.json", tmp_path / "failures.json"
    plan.write_text(json.dumps(RUNS[doc]))
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg", "TYPEDNN_CACHE": str(tmp_path / "cache")}
    env["PYTHONPATH"] = str(ROOT)  # `examples.swiglu` and the package, as from the repository root
    if doc in DEVICES:
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={DEVICES[doc]}"
    command = [sys.executable, "-c", RUNNER, str(plan), str(report)]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0 and report.exists(), f"{doc}: the runner failed:\n{done.stdout[-3000:]}{done.stderr}"
    failures: list[str] = json.loads(report.read_text())
    assert not failures, f"{doc}: blocks that do not run as the page says:\n" + "\n".join(failures)


def test_the_runner_reports_what_does_not_run(tmp_path: Path) -> None:
    """An unmarked TypednnError and any other exception fail; a marked statement may raise one."""
    plan = [
        [
            {"doc": "page.md", "start": 3, "code": "import typednn as tn\nx = tn.Input(4)\n", "errors": []},
            {"doc": "page.md", "start": 9, "code": "y = x >> tn.nn.Dense(3, 2)\nz = 1\n", "errors": [9]},
        ],
        [{"doc": "page.md", "start": 20, "code": "import typednn as tn\ntn.nn.Dense(0)\n", "errors": []}],
        [{"doc": "page.md", "start": 30, "code": "x = 1\nx = x / 0\n", "errors": [31]}],
    ]
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", RUNNER, "plan.json", "failures.json"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr
    failures = [failure.splitlines()[0] for failure in json.loads((tmp_path / "failures.json").read_text())]
    assert len(failures) == 2, failures
    assert failures[0].startswith("page.md:21: HyperparameterError: Dense"), failures
    assert failures[1].startswith("page.md:31: ZeroDivisionError"), failures


def test_docs_site_builds_offline(tmp_path: Path) -> None:
    """`make docs`: mkdocs builds every page, and --strict fails on a broken link or anchor."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml")]
    done = subprocess.run(
        [*command, "--site-dir", str(tmp_path / "site")], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pages = {path.name for path in (tmp_path / "site").glob("*.html")}
    assert {f"{path.stem}.html" for path in DOCS if path.parent.name == "docs"} <= pages
    assert (tmp_path / "site" / "repo" / "bench" / "RESULTS.html").exists()  # a link out of docs/, made a page
