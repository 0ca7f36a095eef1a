"""Tests of typednn.spec: spec files, runs, codegen."""
