"""Tests of typednn.lower: graphs lowered to Flax."""
