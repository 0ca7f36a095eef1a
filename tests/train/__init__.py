"""Tests of typednn.train: the Trainer, callbacks, checkpoints, losses, metrics, logs, inference."""
