"""`python -m typednn`: the same as the `typednn` command."""

import os
import sys

# `python -m` puts the current directory first on the path, so a `jax.py` or
# `numpy.py` there would be imported instead of the installed package. The `typednn`
# command has no such entry; `--import` adds the directory after site-packages.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ._command import run  # after the path is fixed

run()
