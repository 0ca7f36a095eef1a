"""Tests of typednn.cli: the `typednn` command."""
