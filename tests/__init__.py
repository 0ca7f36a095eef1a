"""The tests of typednn: one folder per package of typednn/, whole-package tests at the top."""
