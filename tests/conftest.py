"""Test configuration: strict JAX promotion, 32-bit floats, and a fast hypothesis profile."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jax
import pytest
from hypothesis import settings

import typednn as tn

collect_ignore = ["checking_pkg"]  # imported only under typeguard's hook, by checking/test_typeguard.py

# The example spec files use the custom layer of examples/swiglu.py: registered for every test,
# as `typednn --import examples/swiglu.py` registers it for the command.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import examples.swiglu  # noqa: E402, F401

# No persistent compilation cache in tests (the tests of the cache turn it on in their own
# folder): tests stay independent of earlier runs, and parallel workers never share entries.
os.environ.setdefault("TYPEDNN_COMPILATION_CACHE", "0")

# As equinox does: a rank mismatch that numpy would silently broadcast is an error in tests.
# (jax leaves `config.update` unannotated, hence the ignores.)
jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_enable_x64", False)

# No deadline: the first example of a test pays for JAX's tracing caches.
settings.register_profile("ci", deadline=None, max_examples=60)
# For a deeper search now and then: pytest --hypothesis-profile=thorough
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def key() -> jax.Array:
    """A fixed random key (session-scoped, so hypothesis tests may use it too)."""
    return jax.random.key(0)


@contextmanager
def fails(*parts: str) -> Iterator[None]:
    """Expect a TypednnError whose message holds each of `parts`, in order."""
    with pytest.raises(tn.TypednnError) as caught:
        yield
    message = str(caught.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
        message = message[message.index(part) + len(part) :]
