"""The optax stubs declare every name they cover: a misspelt optimizer is a mypy error, not Any."""

import optax

import typednn as tn
from typednn import nn

x = tn.Input(4)
model = tn.Model(x, x >> nn.Dense(3))
tn.Trainer(model, loss=tn.losses.softmax_cross_entropy, optimizer=optax.adamm(1e-3))  # expect-error: no attribute "adamm"
rate = optax.tree_utils.tree_gett(optax.adam(1e-3).init({}), "learning_rate")  # expect-error: no attribute "tree_gett"
