"""Tests of typednn.distributed: meshes and multi-process jobs."""
