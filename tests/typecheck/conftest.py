"""The corpus is read by mypy, never imported: bad_*.py raise ShapeError when run."""

collect_ignore_glob = ["*.py"]
