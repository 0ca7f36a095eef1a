"""`typednn hub push|pull|list|show`: share models through a registry (see `typednn.hub`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._errors import TypednnError
from .._reading import read_regular
from ._usage import existing

_REGISTRY_HELP = "a folder, an http(s):// URL (read-only) or an fsspec URL (default: $TYPEDNN_HUB)"
_CACHE_HELP = "the cache folder (default: $TYPEDNN_CACHE/hub, else ~/.cache/typednn/hub)"


def add_hub(commands: Any) -> None:
    command = commands.add_parser(
        "hub",
        help="push, pull, list and show models in a registry",
        description=(
            "Share exported models as NAME:TAG through a registry: a folder, an fsspec URL (s3://, gs://, hf://)"
            " or an http(s):// URL (read-only). Pulled models are verified (sha256) and cached."
        ),
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    push = actions.add_parser("push", help="upload an export folder as NAME:TAG, with a model card")
    push.add_argument("directory", metavar="DIR", type=existing, help="an export folder (what tn.save writes)")
    push.add_argument("reference", metavar="NAME:TAG", help="the model's name and tag")
    push.add_argument("--card-text", default="", metavar="TEXT", help="the card's free text")
    push.add_argument("--data", default="", metavar="TEXT", help="what the model was trained on")
    push.add_argument("--metrics", type=existing, metavar="FILE", help='a JSON file {"name": number, ...}')
    push.add_argument("--force", action="store_true", help="move a tag that names a different model")
    pull = actions.add_parser("pull", help="download NAME:TAG into the cache (once) and print its folder")
    pull.add_argument("reference", metavar="NAME:TAG", help="the model's name and tag")
    pull.add_argument("--cache", type=Path, metavar="DIR", help=_CACHE_HELP)
    listing = actions.add_parser("list", help="every NAME:TAG in the registry")
    show = actions.add_parser("show", help="the model card of NAME:TAG")
    show.add_argument("reference", metavar="NAME:TAG", help="the model's name and tag")
    show.add_argument("--cache", type=Path, metavar="DIR", help=_CACHE_HELP)
    for action in (push, pull, listing, show):
        action.add_argument("--registry", metavar="R", help=_REGISTRY_HELP)
    command.set_defaults(run=_hub)


def _hub(args: argparse.Namespace) -> int:
    from .. import hub  # noqa: PLC0415 - JAX loads only for a command that needs it

    if args.action == "push":
        metrics = _metrics(args.metrics) if args.metrics is not None else {}
        card = hub.Card(metrics=metrics, data=args.data, text=args.card_text)
        done = hub.push(args.directory, args.reference, registry=args.registry, card=card, force=args.force)
        verb = "pushed" if done.changed else "unchanged (the tag already holds this model)"
        print(f"{done.reference}: {verb} {done.manifest}")
    elif args.action == "pull":
        print(hub.pull(args.reference, registry=args.registry, cache=args.cache))
    elif args.action == "list":
        for reference in hub.list(args.registry):
            print(reference)
    else:
        print(hub.show(args.reference, registry=args.registry, cache=args.cache))
    return 0


def _metrics(path: Path) -> dict[str, float]:
    from ..export import _json  # noqa: PLC0415
    from ..hub._card import check_metrics  # noqa: PLC0415

    value = _json.loads(read_regular(path, what="metrics file", limit=1 << 20), source=str(path))
    if not isinstance(value, dict):
        raise TypednnError(f"{path}: expected a JSON object of metrics", hint='write {"accuracy": 0.97}')
    return check_metrics(value, str(path))
