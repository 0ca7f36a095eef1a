"""A real notebook in a real IPython kernel: the HTML reprs display, and `fit`'s progress does not warn.

tests/test_html_reprs.py checks the markup itself; this runs what a notebook user runs
(the last expression of a cell is displayed, `fit` prints through rich's Jupyter
detection), so that a repr the kernel does not pick up or a progress bar that warns
about `ipywidgets` at every refresh fails here.
"""

from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

KERNEL = "typednn-test"

MODEL = """\
import typednn as tn
from typednn import nn

x = tn.Input(4, name="features")
model = tn.Model(x, x >> nn.Dense(8, name="hidden") >> nn.relu >> nn.Dense(3, name="logits"), name="tiny")
model
"""

DATASET = """\
import numpy as np
from typednn.data import from_arrays

rng = np.random.default_rng(0)
data = from_arrays(rng.normal(size=(64, 4)).astype(np.float32), rng.integers(0, 3, 64))
data
"""

HISTORY = """\
import optax

trainer = tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adam(1e-2), metrics=["accuracy"])
history = trainer.fit(data, epochs=2, batch_size=16, validation=0.25)
history
"""

# What a notebook must never show: rich warns about ipywidgets (`IProgress not found`)
# at every refresh when it animates a bar without them.
FORBIDDEN = ("ipywidgets", "IProgress", "Traceback")


def install_kernel(tmp_path: Path) -> None:
    """A kernel of this test's interpreter in tmp_path, whatever `python3` kernels the machine has installed."""
    spec = tmp_path / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))


def new_notebook(*sources: str) -> Any:
    """A notebook of one code cell per source."""
    # nbformat leaves its constructors unannotated (it ships py.typed all the same).
    cells = [nbformat.v4.new_code_cell(source) for source in sources]  # type: ignore[no-untyped-call]
    return nbformat.v4.new_notebook(cells=cells)  # type: ignore[no-untyped-call]


def outputs(cell: Any) -> list[dict[str, Any]]:
    return [dict(output) for output in cell.outputs]


def html_of(cell: Any) -> str:
    """The `text/html` of the cell's displayed value."""
    shown = [output["data"] for output in outputs(cell) if output["output_type"] == "execute_result"]
    assert len(shown) == 1, outputs(cell)
    assert "text/html" in shown[0], shown[0].keys()
    return str(shown[0]["text/html"])


def texts(cell: Any) -> str:
    """Everything the cell printed or raised, stdout and stderr (warnings go to stderr)."""
    parts = []
    for output in outputs(cell):
        if output["output_type"] == "stream":
            parts.append(str(output["text"]))
        elif output["output_type"] == "error":
            parts.append("\n".join([str(output["ename"]), str(output["evalue"]), *output["traceback"]]))
        else:
            parts.extend(str(value) for key, value in output.get("data", {}).items() if key == "text/plain")
    return "\n".join(parts)


@pytest.mark.slow
def test_a_notebook_shows_the_reprs_and_trains_without_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Jupyter looks for kernels in JUPYTER_PATH before anywhere else.
    install_kernel(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    # Kept off the user's home: the kernel's connection file, IPython's profile and history.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # The kernel is a process of its own: on the CPU it starts fast and leaves any accelerator to the tests.
    monkeypatch.setenv("JAX_PLATFORMS", os.environ.get("JAX_PLATFORMS", "cpu"))
    notebook = new_notebook(MODEL, DATASET, HISTORY)
    client = NotebookClient(notebook, timeout=120, kernel_name=KERNEL, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    model, dataset, history = notebook.cells

    for cell in notebook.cells:
        assert all(output["output_type"] != "error" for output in outputs(cell)), texts(cell)
        printed = texts(cell)
        assert not any(word in printed for word in FORBIDDEN), printed

    summary = html.unescape(html_of(model))
    assert "Model 'tiny'" in summary
    assert all(name in summary for name in ("features", "hidden", "logits", "(8,)", "(3,)"))
    assert "Dataset: 64 examples" in html_of(dataset) and "(4,)" in html_of(dataset)
    epochs = html_of(history)
    assert all(name in epochs for name in ("loss", "accuracy", "val_loss", "val_accuracy"))
    # Each epoch's line stays in the cell's output (plain lines here: the venv has no ipywidgets).
    assert "epoch 1/2" in texts(history) and "epoch 2/2" in texts(history)
