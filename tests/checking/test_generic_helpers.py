"""Helpers generic over sizes in PEP 695 syntax (`def block[H, W, C](...)`), under the plugin.

The typecheck corpus runs mypy for Python 3.11, the oldest supported version, which has
no type parameter lists; `tests/typecheck/ok_generic.py` spells the same helpers with
`TypeVar`. This test runs mypy once more, for Python 3.12, on helpers written both ways
in one file: they must check the same.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # one more mypy run, with a cold cache: about 10 s

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''
from typing import TypeVar, assert_type
from typing import Literal as L

import typednn as tn
from typednn import nn

H = TypeVar("H")
W = TypeVar("W")
C = TypeVar("C")


class Seq(tn.Dim):
    """Tokens."""


def block[Hp, Wp, Cp](x: tn.Tensor[Hp, Wp, Cp]) -> tn.Tensor[Hp, Wp, Cp]:
    h = x >> nn.DepthwiseConv2D(3, padding="same")
    assert_type(h, tn.Tensor[Hp, Wp, Cp])
    return x + h


def block_old(x: tn.Tensor[H, W, C]) -> tn.Tensor[H, W, C]:
    return x + (x >> nn.DepthwiseConv2D(3, padding="same"))


def trim[N, F](x: tn.Tensor[N, F]) -> tn.Tensor[tn.Minus[N, L[4]], L[8]]:
    return x >> nn.Conv1D(8, kernel=5)


def bounded[N: int](x: tn.Tensor[N]) -> tn.Tensor[N]:
    return x >> nn.relu


assert_type(block(tn.Input(32, 32, 16)), tn.Tensor[L[32], L[32], L[16]])
assert_type(block_old(tn.Input(32, 32, 16)), tn.Tensor[L[32], L[32], L[16]])
assert_type(block(tn.Input(Seq, 32, 3)), tn.Tensor[Seq, L[32], L[3]])
assert_type(trim(tn.Input(32, 3)), tn.Tensor[L[28], L[8]])
assert_type(trim(tn.Input(Seq, 3)), tn.Tensor[tn.Minus[Seq, L[4]], L[8]])
assert_type(bounded(tn.Input(5)), tn.Tensor[L[5]])


def shrunk[Hp, Wp, Cp](x: tn.Tensor[Hp, Wp, Cp]) -> tn.Tensor[Hp, Wp, Cp]:
    return x >> nn.DepthwiseConv2D(3)  # error: Incompatible return value type


def mixed[N, F](x: tn.Tensor[N, F]) -> None:
    _ = x + (x >> nn.Conv1D(8, kernel=3))  # error: Add expects inputs of equal shape


named = bounded(tn.Input(Seq))  # error: Value of type variable "N" of "bounded" cannot be "Seq"
'''


def test_pep_695_helpers_check_like_typevar_helpers(tmp_path: Path) -> None:
    module = tmp_path / "helpers.py"
    module.write_text(SOURCE)
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nplugins = typednn.mypy\nstrict = True\nallow_redefinition = True\npython_version = 3.12\n"
        f"mypy_path = {ROOT / 'stubs'}\ncache_dir = {tmp_path / 'cache'}\n"
    )
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--no-error-summary", str(module)]
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, env=os.environ | {"MYPY_FORCE_COLOR": "0"}
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    errors: dict[int, str] = {}
    for line in done.stdout.splitlines():
        found = re.match(rf"^{re.escape(str(module))}:(\d+): error: (.*)$", line)
        if found:
            errors[int(found[1])] = found[2]
    wanted = {
        number: text.split("# error: ", 1)[1]
        for number, text in enumerate(SOURCE.splitlines(), start=1)
        if "# error: " in text
    }
    assert sorted(errors) == sorted(wanted), done.stdout
    for number, message in wanted.items():
        assert errors[number].startswith(message), (number, errors[number])
