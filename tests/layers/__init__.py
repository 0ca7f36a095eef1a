"""Tests of typednn.layers: the layer families, wiring, binding, custom layers."""
