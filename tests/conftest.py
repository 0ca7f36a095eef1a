"""Test configuration: strict JAX promotion, 32-bit floats, and a fast hypothesis profile."""

from __future__ import annotations

import jax
import pytest
from hypothesis import settings

collect_ignore = ["checking_pkg"]  # imported only under typeguard's hook, by test_checking.py

# As equinox does: a rank mismatch that numpy would silently broadcast is an error in tests.
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
