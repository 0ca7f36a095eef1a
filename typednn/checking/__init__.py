"""Run-time checks of `tn.Tensor[...]` annotations on concrete arrays, with typeguard.

The annotations mypy reads are checked again on the arrays that arrive at run time:
decorate with `checked` (re-exported as `tn.checked`), install `install_import_hook`,
or run tests with `pytest --typeguard-packages=mypkg`.
"""

from ._decorator import checked as checked
from ._decorator import install_import_hook as install_import_hook
from ._lookup import checker_lookup as checker_lookup

__all__ = ["checked", "checker_lookup", "install_import_hook"]
