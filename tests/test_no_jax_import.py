"""The mypy plugin and the shape rules import without JAX, quickly (design.md section 4).

mypy loads `typednn.mypy` on every check, so it must not pay for JAX, Flax or optax.
Each check runs in a fresh interpreter: this test process has imported JAX already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys, time
start = time.perf_counter()
import {module}
seconds = time.perf_counter() - start
heavy = sorted({{name.partition('.')[0] for name in sys.modules}} & {{'jax', 'jaxlib', 'flax', 'optax'}})
print(json.dumps({{"seconds": seconds, "heavy": heavy}}))
"""


def probe(module: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("module", ["typednn.mypy", "typednn._shapes", "typednn.mypy, typednn._shapes, typednn"])
def test_imports_without_jax(module: str) -> None:
    result = probe(module)
    print(f"import {module}: {result['seconds']:.3f} s")
    assert result["heavy"] == [], f"import {module} pulled in {result['heavy']}"
    # Well under a second in practice; 2 s keeps a loaded CI machine from flaking.
    assert isinstance(result["seconds"], float)
    assert result["seconds"] < 2.0
