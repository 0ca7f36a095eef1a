"""The typednn demo: type-check a CNN, catch a mis-wired one, then train one on real data.

Run with `make demo`. Steps:
1. `typednn check examples/cnn.py`: mypy with the plugin proves the wiring.
2. `typednn check examples/miswired.py`: the same check rejects wrong shapes.
3. `examples/digits.py`: build a typed CNN (graph validation), jit-compile it and train
   it on the bundled 8x8 digits with validation, checkpoints and a metrics log; test it,
   export it (spec.json + safetensors) and load it back.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import digits  # noqa: E402 - the example module sits beside this script


def typecheck(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typednn", "check", str(HERE / name)], capture_output=True, text=True, check=False
    )


def main() -> None:
    print("1. typednn check examples/cnn.py")
    good = typecheck("cnn.py")
    print("   " + (good.stdout.strip() or good.stderr.strip()))
    if good.returncode != 0:
        raise SystemExit("the example should type-check")

    print("\n2. typednn check examples/miswired.py  (errors expected)")
    bad = typecheck("miswired.py")
    for line in bad.stdout.splitlines():
        if ": error:" in line:
            print("   " + line.split("examples/", 1)[-1])
    if bad.returncode == 0:
        raise SystemExit("the mis-wired example should be rejected")

    print("\n3. Train a typed CNN on the bundled 8x8 digits (examples/digits.py)")
    print(digits.build().summary())
    run = Path(tempfile.mkdtemp(prefix="typednn-demo-"))
    start = time.perf_counter()
    digits.main(run)
    print(f"   {time.perf_counter() - start:.1f}s on {jax.devices()[0].platform}, compile included; run folder: {run}")


if __name__ == "__main__":
    main()
