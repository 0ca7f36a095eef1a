"""Tests of typednn._shapes: the shape rules, size arithmetic, rules against JAX."""
