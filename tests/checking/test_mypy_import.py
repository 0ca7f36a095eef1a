"""The plugin loads a custom layer's hyperparameter classes without running the rest of its module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from typednn._mypy_import import load, sliced

ROOT = Path(__file__).resolve().parents[2]


def test_the_swiglu_example_loads_its_hyperparameters_without_jax() -> None:
    script = (
        "import sys\nfrom pathlib import Path\nfrom typednn._mypy_import import load\n"
        "m = load('swiglu_probe', Path('examples/swiglu.py'), {'SwiGLUHyper'})\n"
        "print(m.SwiGLUHyper.__name__, 'jax' in sys.modules, 'SwiGLU' in m.__dict__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["SwiGLUHyper", "False", "False"], done.stderr


def test_a_slice_keeps_what_the_classes_use_and_statements_that_change_them() -> None:
    source = "import json\nimport os\nBASE = 2\nclass P:\n    size = BASE\nP.doc = 'x'\nOTHER = os.sep\n"
    kept = sliced(source, "m.py", {"P"})
    assert kept is not None
    assert [ast.unparse(statement) for statement in kept] == ["BASE = 2", "class P:\n    size = BASE", "P.doc = 'x'"]


@pytest.mark.parametrize(
    "source",
    [
        "from os import *\nclass P: pass\nX = 1\n",  # import *
        "def __getattr__(name): ...\nclass P: pass\n",  # a module __getattr__
        "class P:\n    size = FACTOR\nglobals()['FACTOR'] = 3\n",  # bound at run time
        "class P: pass\n",  # the whole module anyway
    ],
)
def test_what_cannot_be_cut_runs_whole(source: str) -> None:
    assert sliced(source, "m.py", {"P"}) is None


def test_a_name_the_slice_lacks_runs_the_whole_module_once(tmp_path: Path) -> None:
    path = tmp_path / "custom_probe.py"
    path.write_text("import json\nclass P:\n    pass\nLOG = []\nLOG.append(json.dumps(1))\n")
    module = load("custom_probe", path, {"P"})
    try:
        assert "LOG" not in module.__dict__
        assert module.LOG == ["1"]  # completed on demand
        assert sys.modules["custom_probe"].LOG == ["1"]
    finally:
        sys.modules.pop("custom_probe", None)
