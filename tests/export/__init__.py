"""Tests of typednn.export: saving and loading models."""
