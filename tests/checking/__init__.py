"""Tests of typednn.checking (run-time checks) and the mypy plugin (typednn.mypy, typednn._mypy_*), pyright."""
