"""A tiny package of plain annotated functions, for typeguard's import hook and pytest plugin.

Nothing here is decorated: `typednn.checking.install_import_hook("checking_pkg")` or
`pytest --typeguard-packages=checking_pkg` must add the shape checks. The project's own
test run does not collect it (tests/conftest.py lists it in `collect_ignore`).
"""
