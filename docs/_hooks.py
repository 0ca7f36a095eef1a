"""mkdocs hook: the repository files the pages link to (`../bench/RESULTS.md`) become pages.

A link that leaves `docs/` is right on GitHub but unknown to mkdocs, which would fail
`--strict`. Each such target that exists is added as a page outside the nav, rendered
under `repo/`, so the link works on the site too; a target that does not exist still fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files, InclusionLevel

OUTSIDE = re.compile(r"\]\(\.\./(?P<path>[^)#\s]+)")


def on_files(files: Files, config: Any) -> Files:
    docs = Path(config["docs_dir"])
    targets = {m["path"] for page in docs.glob("*.md") for m in OUTSIDE.finditer(page.read_text())}
    for target in sorted(targets):
        source = docs.parent / target
        if not source.is_file():
            continue  # mkdocs reports the broken link itself
        file = File.generated(config, f"../{target}", abs_src_path=str(source), inclusion=InclusionLevel.NOT_IN_NAV)
        file.dest_uri = "repo/" + (target[: -len(".md")] + ".html" if target.endswith(".md") else target)
        files.append(file)
    return files
