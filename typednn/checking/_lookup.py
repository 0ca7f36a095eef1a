"""The typeguard plugin entry point: which checker takes a `tn.Tensor[...]` annotation.

typeguard imports this module on every `import typeguard` (the `typeguard.checker_lookup`
entry point), so it imports only the standard library: no JAX, no shape code, and not
typeguard, which is still initialising when it loads its plugins (the package's
`__init__` imports typeguard too, and finds it in `sys.modules` then).
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typeguard import TypeCheckerCallable

# Where `tn.Tensor` lives. Until that module is imported no annotation can name it, so
# the lookup, which typeguard runs for every annotation it checks, costs a dict lookup.
_TENSOR_MODULE = "typednn.layers._tensor"


def checker_lookup(origin_type: Any, args: tuple[Any, ...], extras: tuple[Any, ...]) -> TypeCheckerCallable | None:
    """The typeguard checker lookup for `tn.Tensor[...]`; None for every other annotation.

    Registered through the `typeguard.checker_lookup` entry point, so typeguard's import
    hook and its pytest plugin (`--typeguard-packages`) check tensor shapes without setup;
    `tn.checked` and `typednn.checking.install_import_hook` also register it themselves.

    Args:
        origin_type: The annotation's origin (`tn.Tensor` for `tn.Tensor[L[3]]`).
        args: Its type arguments.
        extras: `Annotated` metadata (unused).

    Returns:
        The tensor checker, or None to let typeguard's other lookups decide.

    Example:
        >>> from typing import Literal as L
        >>> import typednn as tn
        >>> checker_lookup(tn.Tensor, (L[3],), ()) is not None, checker_lookup(int, (), ())
        (True, None)
    """
    tensor_module = sys.modules.get(_TENSOR_MODULE)
    if tensor_module is None or origin_type is not tensor_module.Tensor:
        return None
    return _tensor_checker()


@functools.cache
def _tensor_checker() -> TypeCheckerCallable:
    from ._check import check_tensor  # noqa: PLC0415 - loaded only once a Tensor annotation is seen (see above)

    return check_tensor
