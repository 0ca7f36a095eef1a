"""`python -m typednn`: the same as the `typednn` command."""

from .cli import main

raise SystemExit(main())
