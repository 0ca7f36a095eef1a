"""Tests of typednn.data: data sources, schemas, datasets."""
