"""A model registry: push an export as `NAME:TAG`, pull it anywhere, verified and cached.

A registry is a folder, any fsspec URL (`s3://`, `gs://`, `hf://`, with that filesystem
installed), or an `http(s)://` URL (read-only: pull, list, show). Files are stored by
sha256, listed in a manifest that the tag names; a pull downloads once into a local
cache (`$TYPEDNN_CACHE/hub`, default `~/.cache/typednn/hub`), checks each file's size and
sha256 before it is used, and works offline from then on. Nothing downloaded is
executed: an export is JSON and safetensors.

Example:
    >>> import jax, tempfile
    >>> import typednn as tn
    >>> from typednn import nn
    >>> x = tn.Input(4)
    >>> model = tn.Model(x, x >> nn.Dense(3))
    >>> folder = tempfile.mkdtemp()
    >>> tn.save(model, model.init(jax.random.key(0)), f"{folder}/export")
    >>> card = tn.hub.Card(metrics={"accuracy": 0.9}, data="four features")
    >>> tn.hub.push(f"{folder}/export", "tiny:v1", registry=f"{folder}/registry", card=card).changed
    True
    >>> tn.hub.list(f"{folder}/registry")
    ['tiny:v1']
    >>> tn.hub.load("tiny:v1", registry=f"{folder}/registry", cache=f"{folder}/cache")[0]
    Model((4,) -> (3,))
"""

from ._card import Card as Card
from ._card import ModelCard as ModelCard
from ._pull import list_models as list
from ._pull import load as load
from ._pull import pull as pull
from ._pull import show as show
from ._push import Pushed as Pushed
from ._push import push as push
from ._reference import Reference as Reference

__all__ = ["Card", "ModelCard", "Pushed", "Reference", "list", "load", "pull", "push", "show"]
