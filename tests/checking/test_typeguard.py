# mypy reads `tn.Tensor` as the symbolic graph tensor; here the annotations are checked at run
# time on NumPy and JAX arrays (docs/typeguard.md, "Limitation"), so calls with arrays, array methods on
# annotated arguments and their results are errors to mypy that this file makes on purpose.
# mypy: disable-error-code="arg-type, attr-defined, call-overload, comparison-overlap, index"
# mypy: disable-error-code="no-any-return, operator, return-value, type-arg"
"""Run-time checks of `tn.Tensor[...]` annotations with typeguard (typednn.checking)."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from typing import Literal as L

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import typeguard
from typeguard import TypeCheckError

import typednn as tn
from typednn import nn
from typednn.checking import checked, checker_lookup, install_import_hook

TESTS = Path(__file__).resolve().parents[1]  # tests/, which holds checking_pkg
N = TypeVar("N")


class Seq(tn.Dim):
    """Tokens in a sequence."""


class Time(tn.Dim):
    """Steps in a series."""


@checked
def brighten(images: tn.Tensor[L[28], L[28], L[1]]) -> tn.Tensor[L[28], L[28], L[1]]:
    return images + 1


@checked
def to_rgb(images: tn.Tensor[L[28], L[28], L[1]]) -> tn.Tensor[L[28], L[28], L[1]]:
    return np.repeat(images, 3, axis=-1)  # wrong on purpose: the annotation says 1 channel


@checked
def attend(queries: tn.Tensor[Seq, L[64]], keys: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, Seq]:
    return queries @ keys.swapaxes(1, 2)


@checked
def drop_first(tokens: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, L[64]]:
    return tokens[:, 1:]  # wrong on purpose: Seq changes between argument and return


@checked
def conv_block(images: tn.Tensor[L[28], L[28], L[1]]) -> tn.Tensor[L[26], L[26], L[32]]:
    return nn.Conv2D(32, kernel=3)(images)


@checked
def merge(a: tn.Tensor[Seq, L[64]], b: tn.Tensor[Seq, L[64]]) -> tn.Tensor[Seq, L[64]]:
    return a + b


@checked
def square(x: tn.Tensor[Seq, Seq]) -> None:
    pass


@checked
def pooled(x: tn.Tensor[Seq, L[4]]) -> tn.Tensor[L[4]]:
    summed: tn.Tensor[Seq, L[4]] = x[:, :-1]  # wrong on purpose: a local annotation shares the call's Seq
    return summed.sum(axis=1)


@checked
def rgb_anywhere(x: tn.Tensor[Any, L[3]]) -> None:
    pass


@checked
def any_rank(x: tn.Tensor[*tuple[Any, ...]]) -> None:
    pass


@checked
def channels_last(x: tn.Tensor[*tuple[Any, ...], L[3]]) -> None:
    pass


@checked
def bare(x: tn.Tensor) -> None:
    pass


@checked
def either_layout(x: tn.Tensor[Seq, L[3]] | tn.Tensor[L[7], Seq], y: tn.Tensor[Seq]) -> None:
    pass


@checked
def same_length(x: tn.Tensor[N], y: tn.Tensor[N]) -> None:
    pass


@checked
def bad_annotation(x: tn.Tensor[L[0]]) -> None:
    pass


_barrier = threading.Barrier(2)


@checked
def wait_then_echo(x: tn.Tensor[Seq, L[4]]) -> tn.Tensor[Seq, L[4]]:
    _barrier.wait(timeout=10)  # both threads are inside a call, with Seq bound differently
    return x


@checked
class Scaler:
    def scale(self, x: tn.Tensor[Seq, L[2]], factor: float) -> tn.Tensor[Seq, L[2]]:
        return x * factor


class Shifter:
    @checked
    def shift(self, x: tn.Tensor[L[2]]) -> tn.Tensor[L[2]]:
        return x + 1


def plain(x: tn.Tensor[L[3]]) -> tn.Tensor[L[3]]:
    return x


def type_error(function: Callable[..., object], *args: object) -> str:
    """The message of the TypeCheckError that `function(*args)` raises."""
    with pytest.raises(TypeCheckError) as caught:
        function(*args)
    return str(caught.value)


# --- literal dims --------------------------------------------------------------------------


def test_literal_dims_accept_the_right_shape_with_any_batch() -> None:
    assert brighten(np.zeros((32, 28, 28, 1))).shape == (32, 28, 28, 1)
    assert brighten(np.zeros((1, 28, 28, 1))).shape == (1, 28, 28, 1)


def test_literal_dim_mismatch_in_an_argument() -> None:
    assert type_error(brighten, np.zeros((32, 28, 28, 3))) == (
        'argument "images" (numpy.ndarray) has shape (32, 28, 28, 3), which does not match '
        "tn.Tensor[L[28], L[28], L[1]]: axis 3 is 3, expected 1 (axis 0 is the batch)"
    )


def test_literal_dim_mismatch_in_the_return_value() -> None:
    assert type_error(to_rgb, np.zeros((2, 28, 28, 1))) == (
        "the return value (numpy.ndarray) has shape (2, 28, 28, 3), which does not match "
        "tn.Tensor[L[28], L[28], L[1]]: axis 3 is 3, expected 1 (axis 0 is the batch)"
    )


def test_rank_mismatch_names_the_expected_shape() -> None:
    message = type_error(brighten, np.zeros((28, 28, 1)))
    assert re.search(r"has shape \(28, 28, 1\), which does not match .*: ", message)
    assert message.endswith("expected 4 axes (batch, 28, 28, 1), got 3")


# --- named dims ----------------------------------------------------------------------------


def test_named_dim_is_consistent_across_arguments_and_return() -> None:
    assert attend(np.zeros((2, 10, 64)), np.zeros((2, 10, 64))).shape == (2, 10, 10)


def test_named_dim_inconsistent_across_arguments() -> None:
    assert type_error(attend, np.zeros((2, 10, 64)), np.zeros((2, 12, 64))) == (
        'argument "keys" (numpy.ndarray) has shape (2, 12, 64), which does not match tn.Tensor[Seq, L[64]]: '
        'Seq is bound to 10 by argument "queries", but axis 1 is 12 (axis 0 is the batch)'
    )


def test_named_dim_inconsistent_between_argument_and_return() -> None:
    assert type_error(drop_first, np.zeros((2, 10, 64))) == (
        "the return value (numpy.ndarray) has shape (2, 9, 64), which does not match tn.Tensor[Seq, L[64]]: "
        'Seq is bound to 10 by argument "tokens", but axis 1 is 9 (axis 0 is the batch)'
    )


def test_named_dim_inconsistent_within_one_value() -> None:
    square(np.zeros((1, 5, 5)))
    with pytest.raises(TypeCheckError, match=r"Seq is 5 on axis 1, but 6 on axis 2 \(axis 0 is the batch\)"):
        square(np.zeros((1, 5, 6)))


def test_annotated_local_variable_shares_the_call_bindings() -> None:
    with pytest.raises(TypeCheckError, match='Seq is bound to 3 by argument "x", but axis 1 is 2'):
        pooled(np.zeros((1, 3, 4)))


def test_bindings_do_not_leak_between_calls() -> None:
    assert attend(np.zeros((2, 10, 64)), np.zeros((2, 10, 64))).shape == (2, 10, 10)
    assert attend(np.zeros((2, 12, 64)), np.zeros((2, 12, 64))).shape == (2, 12, 12)


def test_bindings_do_not_leak_between_threads() -> None:
    # Both calls check their argument, meet at the barrier, then check their return value:
    # shared bindings would fail the second argument or one of the return values.
    with ThreadPoolExecutor(2) as pool:
        short = pool.submit(wait_then_echo, np.zeros((1, 3, 4)))
        long = pool.submit(wait_then_echo, np.zeros((1, 5, 4)))
        assert short.result(timeout=20).shape == (1, 3, 4)
        assert long.result(timeout=20).shape == (1, 5, 4)


def test_a_failed_union_alternative_binds_nothing() -> None:
    # The first alternative would bind Seq to 7 before failing on its last axis; the
    # second binds Seq to 4, and y must agree with that one.
    either_layout(np.zeros((1, 7, 4)), np.zeros((1, 4)))
    with pytest.raises(TypeCheckError, match='Seq is bound to 4 by argument "x", but axis 1 is 7'):
        either_layout(np.zeros((1, 7, 4)), np.zeros((1, 7)))


def test_a_typevar_binds_like_a_named_dim() -> None:
    same_length(np.zeros((1, 3)), np.zeros((2, 3)))
    with pytest.raises(TypeCheckError, match='N is bound to 3 by argument "x", but axis 1 is 4'):
        same_length(np.zeros((1, 3)), np.zeros((1, 4)))


# --- Any and open rank ---------------------------------------------------------------------


def test_any_dim_matches_any_size_but_keeps_the_rank() -> None:
    rgb_anywhere(np.zeros((2, 5, 3)))
    rgb_anywhere(np.zeros((2, 700, 3)))
    with pytest.raises(TypeCheckError, match=r"axis 2 is 4, expected 3 \(axis 0 is the batch\)"):
        rgb_anywhere(np.zeros((2, 5, 4)))
    with pytest.raises(TypeCheckError, match=r"expected 3 axes \(batch, Any, 3\), got 2"):
        rgb_anywhere(np.zeros((2, 3)))


def test_open_rank_matches_any_number_of_axes() -> None:
    for shape in [(4,), (4, 2), (4, 2, 3, 5, 6)]:
        any_rank(np.zeros(shape))
        bare(np.zeros(shape))
    with pytest.raises(TypeCheckError, match=r"has shape \(\), which does not match .*: it has no batch axis"):
        any_rank(np.float32(1.0))


def test_open_rank_with_a_trailing_literal() -> None:
    channels_last(np.zeros((4, 3)))
    channels_last(np.zeros((4, 8, 8, 3)))
    message = type_error(channels_last, np.zeros((4, 8, 8, 1)))
    assert "does not match tn.Tensor[*tuple[Any, ...], L[3]]: axis 3 is 1, expected 3" in message
    with pytest.raises(TypeCheckError, match=r"expected at least 2 axes \(batch, \.\.\., 3\), got 1"):
        channels_last(np.zeros((4,)))


# --- values --------------------------------------------------------------------------------


def test_jax_arrays_are_checked_like_numpy_arrays() -> None:
    assert brighten(jnp.zeros((2, 28, 28, 1))).shape == (2, 28, 28, 1)
    message = type_error(brighten, jnp.zeros((2, 28, 28, 3)))
    assert message.startswith('argument "images" (')
    assert "has shape (2, 28, 28, 3), which does not match tn.Tensor[L[28], L[28], L[1]]: axis 3 is 3" in message
    with pytest.raises(TypeCheckError, match='Seq is bound to 10 by argument "queries", but axis 1 is 12'):
        attend(jnp.zeros((2, 10, 64)), jnp.zeros((2, 12, 64)))


def test_under_jit_the_tracers_are_checked_at_trace_time() -> None:
    assert jax.jit(brighten)(jnp.zeros((2, 28, 28, 1))).shape == (2, 28, 28, 1)
    with pytest.raises(TypeCheckError, match=r"has shape \(2, 28, 28, 2\), which does not match"):
        jax.jit(brighten)(jnp.zeros((2, 28, 28, 2)))


def test_a_value_that_is_not_an_array() -> None:
    assert type_error(brighten, [[1.0]]) == (
        'argument "images" (list) is not an array: tn.Tensor[L[28], L[28], L[1]] expects a jax or numpy array '
        "of shape (batch, 28, 28, 1)"
    )
    with pytest.raises(TypeCheckError, match='argument "images" \\(str\\) is not an array'):
        brighten("images")


def test_symbolic_tensors_are_checked_by_their_example_shape() -> None:
    assert conv_block(tn.Input(28, 28, 1)).shape.dims == (26, 26, 32)
    assert type_error(conv_block, tn.Input(28, 28, 3)) == (
        'argument "images" (typednn.layers._tensor.Tensor) has shape (batch, 28, 28, 3), which does not match '
        "tn.Tensor[L[28], L[28], L[1]]: axis 3 is 3, expected 1 (axis 0 is the batch)"
    )
    with pytest.raises(TypeCheckError, match="axis 1 is Seq, expected 28"):
        conv_block(tn.Input(Seq, 28, 1))


def test_symbolic_named_axes_are_nominal() -> None:
    tokens = tn.Input(Seq, 64)
    assert merge(tokens, tokens).shape == tokens.shape
    assert merge(np.zeros((2, 5, 64)), np.ones((2, 5, 64))).shape == (2, 5, 64)
    with pytest.raises(TypeCheckError, match=r'argument "b" .* axis 1 is Time, expected Seq \(axis 0 is the batch\)'):
        merge(tokens, tn.Input(Time, 64))


def test_methods_and_classes() -> None:
    assert Scaler().scale(np.ones((3, 5, 2)), 2.0).shape == (3, 5, 2)
    with pytest.raises(TypeCheckError, match=r'argument "x" .* axis 2 is 3, expected 2'):
        Scaler().scale(np.ones((3, 5, 3)), 2.0)
    assert Shifter().shift(np.ones((3, 2))).shape == (3, 2)
    with pytest.raises(TypeCheckError, match=r"axis 1 is 1, expected 2"):
        Shifter().shift(np.ones((3, 1)))


def test_an_annotation_that_states_no_dim_is_a_typednn_error() -> None:
    with pytest.raises(tn.TypednnError, match=r"tn.Tensor\[L\[0\]\]: L\[0\] is not a dim") as caught:
        bad_annotation(np.zeros((1, 1)))
    assert caught.value.hint is not None
    assert "L[n] (a positive int)" in caught.value.hint


# --- registration --------------------------------------------------------------------------


def test_undecorated_code_is_not_checked() -> None:
    assert plain([1, 2]) == [1, 2]


def test_checked_registers_the_lookup_without_the_entry_point() -> None:
    saved = list(typeguard.checker_lookup_functions)
    typeguard.checker_lookup_functions[:] = [f for f in saved if f is not checker_lookup]
    try:
        checked_plain = checked(plain)
        assert typeguard.checker_lookup_functions[0] is checker_lookup
        assert typeguard.checker_lookup_functions.count(checker_lookup) == 1
        with pytest.raises(TypeCheckError, match=r"axis 1 is 4, expected 3"):
            checked_plain(np.zeros((2, 4)))
        checked(plain)
        assert typeguard.checker_lookup_functions.count(checker_lookup) == 1
    finally:
        typeguard.checker_lookup_functions[:] = saved


def test_check_type_works_once_registered() -> None:
    checked(plain)  # registers the lookup
    assert typeguard.check_type(np.zeros((2, 3)), tn.Tensor[L[3]]).shape == (2, 3)
    with pytest.raises(TypeCheckError, match=r"numpy.ndarray has shape \(2, 4\), which does not match"):
        typeguard.check_type(np.zeros((2, 4)), tn.Tensor[L[3]])
    # One check_type call is one scope: two calls from one frame do not share bindings.
    typeguard.check_type(np.zeros((2, 3)), tn.Tensor[Seq])
    typeguard.check_type(np.zeros((2, 4)), tn.Tensor[Seq])


PROBE = """
import json, sys, warnings
warnings.simplefilter("error")
{first}
import typeguard
heavy = sorted(name for name in ("jax", "typednn._shapes", "typednn.layers") if name in sys.modules)
from typednn.checking import checker_lookup
print(json.dumps({{"heavy": heavy, "count": typeguard.checker_lookup_functions.count(checker_lookup),
                  "first": typeguard.checker_lookup_functions[0] is checker_lookup}}))
"""


@pytest.mark.parametrize("first", ["", "import typednn.checking"])
def test_the_entry_point_registers_the_lookup_cheaply(first: str, tmp_path: Path) -> None:
    # Run outside the project folder: a stale typednn.egg-info there would hide the installed entry points.
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(first=first)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["count"] == 1, "no typeguard.checker_lookup entry point: reinstall with pip install -e ."
    assert result["first"]
    if not first:
        assert result["heavy"] == [], f"import typeguard pulled in {result['heavy']}"


# --- import hook and pytest plugin ---------------------------------------------------------


@pytest.fixture
def fresh_checking_pkg(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`checking_pkg` importable from tests/, and imported afresh (instrumented or not) by the test."""

    def forget() -> None:
        for name in [name for name in sys.modules if name.partition(".")[0] == "checking_pkg"]:
            del sys.modules[name]

    monkeypatch.syspath_prepend(str(TESTS))
    forget()
    yield
    forget()


def import_checking_pkg_shapes() -> ModuleType:
    """`checking_pkg.shapes`, imported by its top-level name (as users of the hook import a package).

    By name through importlib: mypy reads tests/ as the package `tests`, where this file is
    `tests.checking_pkg`; `checking_pkg` is a top-level package only on the path the fixture adds.
    """
    return importlib.import_module("checking_pkg.shapes")


def test_the_import_hook_checks_an_undecorated_package(fresh_checking_pkg: None) -> None:
    with install_import_hook("checking_pkg"):
        shapes = import_checking_pkg_shapes()  # imported afresh, under the hook
    assert shapes.brighten(np.zeros((2, 28, 28, 1))).shape == (2, 28, 28, 1)
    with pytest.raises(TypeCheckError, match=r'argument "images" .* axis 3 is 3, expected 1 \(axis 0 is the batch\)'):
        shapes.brighten(np.zeros((2, 28, 28, 3)))
    with pytest.raises(TypeCheckError, match='Seq is bound to 10 by argument "queries", but axis 1 is 12'):
        shapes.attend(np.zeros((2, 10, 64)), np.zeros((2, 12, 64)))
    with pytest.raises(TypeCheckError, match=r'the return value .* Seq is bound to 10 by argument "tokens"'):
        shapes.truncate(np.zeros((2, 10, 64)))
    shapes.anything(np.zeros((2, 3, 4, 5)))


def test_without_the_hook_the_package_is_not_checked(fresh_checking_pkg: None) -> None:
    shapes = import_checking_pkg_shapes()  # imported afresh, without the hook

    assert shapes.brighten(np.zeros((2, 28, 28, 3))).shape == (2, 28, 28, 3)


PYTEST_FILE = """
import numpy as np
from checking_pkg import shapes


def test_right_shape():
    assert shapes.brighten(np.zeros((4, 28, 28, 1))).shape == (4, 28, 28, 1)


def test_wrong_shape():
    shapes.brighten(np.zeros((4, 28, 28, 3)))
"""


def test_pytest_typeguard_packages_fails_a_wrong_shape(tmp_path: Path) -> None:
    # A fresh pytest outside the project: only the installed entry point registers the checker there.
    (tmp_path / "test_shapes_in_use.py").write_text(PYTEST_FILE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    command = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--typeguard-packages=checking_pkg"]
    done = subprocess.run(
        [sys.executable, *command, "test_shapes_in_use.py"],
        cwd=tmp_path,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert (
        'TypeCheckError: argument "images" (numpy.ndarray) has shape (4, 28, 28, 3), which does not match '
        "tn.Tensor[L[28], L[28], L[1]]: axis 3 is 3, expected 1 (axis 0 is the batch)"
    ) in done.stdout
