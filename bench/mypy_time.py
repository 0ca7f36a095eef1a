"""mypy wall time with the typednn plugin against the same config without it, on examples/ and the corpus.

Both configs are the recommended user config (`strict`, `allow_redefinition`,
`mypy_path = stubs`); one adds `plugins = typednn.mypy`. Two situations are timed:

- ``cold``: a fresh cache directory per run, so JAX, Flax and typednn are analysed too;
- ``warm``: the cache left by a cold run of the same config (refreshed by an untimed run
  first), after a comment is appended to every example (a bare `touch` would not do: mypy
  sees the unchanged hash and skips the file), so the examples are re-checked and their
  dependencies come from the cache. A round during which typednn's sources changed (other
  people edit them) is voided and run again.

Runs of the two configs alternate in rotating order; medians and the ratio
plugin / no-plugin are reported. mypy runs as `sys.executable -m mypy` on copies of the
files in a temporary directory, so the project's own files are never touched. Without the
plugin some lines may fail (`assert_type` on computed sizes); the exit codes are recorded,
not judged.

Two sets of files are timed: ``examples`` (the examples) and ``corpus`` (the typecheck
corpus, tests/typecheck/: many small models, loops, redefinitions, and bad wiring the
plugin reports).

Run alone with ``python bench/mypy_time.py [--target examples|corpus] [--cold-rounds N] [--warm-rounds N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _common import add_option, markdown_table, rotated, timed

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ("plugin", "no-plugin")
MAX_VOIDED = 5

Timed = dict[str, tuple[float, int]] | None


@dataclass
class Runs:
    """Wall times and exit codes of one config in one situation."""

    seconds: list[float] = field(default_factory=list)
    exit_codes: set[int] = field(default_factory=set)

    def add(self, seconds: float, exit_code: int) -> None:
        self.seconds.append(seconds)
        self.exit_codes.add(exit_code)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class MypyTimes:
    """The files checked and the runs, by situation then config."""

    files: list[Path]
    note: str
    runs: dict[str, dict[str, Runs]]
    voided: int

    def ratio(self, situation: str) -> float:
        """Median with the plugin over median without it."""
        runs = self.runs[situation]
        return runs["plugin"].median_s / runs["no-plugin"].median_s


TARGETS = ("examples", "corpus")


def targets(target: str) -> tuple[list[Path], str]:
    """The files of a target ("examples" or "corpus"), and a note naming them."""
    if target == "corpus":
        found = (ROOT / "tests" / "typecheck").glob("*.py")
        corpus = sorted(path for path in found if path.name.startswith(("ok_", "bad_")))
        return corpus, f"the typecheck corpus tests/typecheck/ ({len(corpus)} files)"
    examples = sorted((ROOT / "examples").glob("*.py"))
    return examples, f"examples/ ({len(examples)} files)"


def write_config(folder: Path, name: str) -> Path:
    """A mypy config file for `name` ("plugin" or "no-plugin")."""
    # The corpus's files import each other by top-level name, as in a user's folder; in the
    # package `tests` mypy would name them `tests.typecheck.*` without a base of their own.
    corpus = ROOT / "tests" / "typecheck"
    lines = ["[mypy]", "strict = True", "allow_redefinition = True", "explicit_package_bases = True"]
    lines.append(f"mypy_path = {ROOT / 'stubs'}, {corpus}")
    if name == "plugin":
        lines.append("plugins = typednn.mypy")
    path = folder / f"{name}.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_mypy(config: Path, cache: Path, files: list[Path]) -> tuple[float, int]:
    """Wall seconds and exit code of one mypy run, from the project root."""
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache), *map(str, files)]
    # Bytecode is cached as Python does by default, so the plugin's modules are not compiled
    # again on every run (a shell may set PYTHONDONTWRITEBYTECODE; a user's Python writes it).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["MYPY_FORCE_COLOR"] = "0"
    seconds, done = timed(
        lambda: subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, env=env)
    )
    return seconds, done.returncode


def source_stamp() -> int:
    """A hash of the modification times of typednn's sources (others may be editing them)."""
    stamps = []
    for path in sorted((ROOT / "typednn").rglob("*.py")):
        with contextlib.suppress(FileNotFoundError):
            stamps.append((str(path), path.stat().st_mtime_ns))
    return hash(tuple(stamps))


def warm_round(configs: dict[str, Path], caches: dict[str, Path], files: list[Path], order: Sequence[str]) -> Timed:
    """Refresh the caches (untimed), edit the files, then time one run of each config.

    Returns None when typednn's sources changed meanwhile: a change to the shape rules
    expires every module cached with the plugin, so such a round times a cold run.
    """
    stamp = source_stamp()
    for name in CONFIGS:
        run_mypy(configs[name], caches[name], files)
    for file in files:
        with file.open("a") as stream:
            stream.write(f"# edited at {time.time_ns()}\n")
    times = {name: run_mypy(configs[name], caches[name], files) for name in order}
    return times if source_stamp() == stamp else None


def run(*, target: str = "examples", cold_rounds: int = 3, warm_rounds: int = 5) -> MypyTimes:
    """Time cold and warm mypy runs with and without the plugin on one target's files."""
    sources, note = targets(target)
    runs = {situation: {name: Runs() for name in CONFIGS} for situation in ("cold", "warm")}
    voided = 0
    with tempfile.TemporaryDirectory(prefix="typednn-bench-mypy-") as tmp:
        folder = Path(tmp)
        configs = {name: write_config(folder, name) for name in CONFIGS}
        copies = folder / "files"
        copies.mkdir()
        files = [Path(shutil.copy(source, copies / source.name)) for source in sources]
        caches: dict[str, Path] = {}
        for round_index in range(cold_rounds):
            for name in rotated(CONFIGS, round_index):
                if name in caches:
                    shutil.rmtree(caches[name])
                caches[name] = folder / f"cache-{name}-{round_index}"
                runs["cold"][name].add(*run_mypy(configs[name], caches[name], files))
        for round_index in range(warm_rounds):
            times = warm_round(configs, caches, files, rotated(CONFIGS, round_index))
            while times is None and voided < MAX_VOIDED:
                voided += 1
                times = warm_round(configs, caches, files, rotated(CONFIGS, round_index))
            for name, (seconds, code) in (times or {}).items():
                runs["warm"][name].add(seconds, code)
    return MypyTimes(sources, note, runs, voided)


def table(result: MypyTimes) -> str:
    """A Markdown table of median wall times and the plugin / no-plugin ratio."""
    rows = []
    for situation, runs in result.runs.items():
        plugin, plain = runs["plugin"], runs["no-plugin"]
        rows.append(
            [
                situation,
                str(len(plugin.seconds)),
                f"{plugin.median_s:.2f}",
                f"{plain.median_s:.2f}",
                f"{result.ratio(situation):.3f}",
                f"plugin {sorted(plugin.exit_codes)}, none {sorted(plain.exit_codes)}",
            ]
        )
    header = ["situation", "runs", "plugin (s, median)", "no plugin (s, median)", "plugin / no plugin", "exit codes"]
    return markdown_table(header, "lrrrrl", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=TARGETS, action="append", help="files to check (default: both)")
    add_option(parser, run, "cold_rounds", "runs per config with a fresh cache")
    add_option(parser, run, "warm_rounds", "runs per config with a warm cache")
    args = parser.parse_args()
    for target in args.target or TARGETS:
        result = run(target=target, cold_rounds=args.cold_rounds, warm_rounds=args.warm_rounds)
        print(f"Checked: {result.note}; warm rounds voided by edits to typednn: {result.voided}")
        print(table(result), end="\n\n")


if __name__ == "__main__":
    main()
