"""The typednn demo: type-check a CNN, catch a mis-wired one, then compile and train.

Run with `make demo`. Steps:
1. `typednn check examples/cnn.py`: mypy with the plugin proves the wiring.
2. `typednn check examples/miswired.py`: the same check rejects wrong shapes.
3. Build the CNN (graph validation), jit-compile it and train briefly on random data.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np

import typednn as tn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cnn import build_cnn, trainer  # noqa: E402 - the example module sits beside this script


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

    print("\n3. Build, validate, compile and train the CNN")
    model = build_cnn()
    print(model.summary())
    rng = np.random.default_rng(0)
    images = rng.normal(size=(1024, 28, 28, 1)).astype(np.float32)
    labels = (images[:, :14].mean(axis=(1, 2, 3)) > images[:, 14:].mean(axis=(1, 2, 3))).astype(np.int64)
    data = tn.data.from_arrays(images, labels, classes=10)
    fitted = trainer(model)
    start = time.perf_counter()
    history = fitted.fit(data, epochs=3, batch_size=64)
    elapsed = time.perf_counter() - start
    for epoch, row in enumerate(history, 1):
        print(f"   epoch {epoch}: loss {row['loss']:.4f}")
    print(f"   {3 * len(data) / elapsed:,.0f} examples/s on {jax.devices()[0].platform} (compile included)")
    print(f"   {fitted.evaluate(data)}")


if __name__ == "__main__":
    main()
