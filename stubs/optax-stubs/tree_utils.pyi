# Only what typednn uses: the helpers that read and set a hyperparameter held in an
# optimizer state (`optax.inject_hyperparams`). A name not listed is a mypy error.
from collections.abc import Callable
from typing import Any

_PathFilter = Callable[[tuple[Any, ...], Any], bool]

def tree_get(
    tree: Any,
    key: Any,
    default: Any | None = None,
    filtering: _PathFilter | None = None,
) -> Any: ...
def tree_set(
    tree: Any,
    filtering: _PathFilter | None = None,
    /,
    **kwargs: Any,
) -> Any: ...
