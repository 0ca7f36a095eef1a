"""Tests of typednn.testing: the helpers users test their layers with."""
