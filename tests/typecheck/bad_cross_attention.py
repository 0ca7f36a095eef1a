"""Cross-attention and the decoder block: heads, features and contexts that do not fit."""

import typednn as tn
from typednn import nn

q, ctx = tn.Input(10, 64), tn.Input(7, 48)

# Heads must divide the qkv features (the query's by default), with a context too.
a = nn.MultiHeadAttention(5)(q, ctx)  # expect-error: MultiHeadAttention(heads=5), divisible by heads (5), (10, 64)
b = nn.MultiHeadAttention(4)(tn.Input(10, 30), ctx)  # expect-error: qkv_features (30, the input features)

# The context is a (sequence, features) tensor.
c = nn.MultiHeadAttention(4)(q, tn.Input(48))  # expect-error: (sequence, features) context, (48,)
d = nn.MultiHeadAttention(4)(q, tn.Input(7, 7, 3))  # expect-error: (sequence, features) context, (7, 7, 3)
# Causal cross-attention needs a context as long as the query.
e = nn.MultiHeadAttention(4, causal=True)(q, ctx)  # expect-error: causal=True), as long as the query, (7, 48)
# A later mismatch: the result has the query's features, not the context's.
f = nn.Dense(48, 3)(nn.MultiHeadAttention(4)(q, ctx))  # expect-error: Dense(48 -> 3), 48 input features, (10, 64)
# At most two inputs.
g = nn.MultiHeadAttention(4)(q, ctx, ctx)  # expect-error: MultiHeadAttention(heads=4), 1 or 2 input(s), 3

# The decoder block's memory has the target's features, and is a sequence.
memory = tn.Input(20, 32)
h = nn.TransformerDecoderBlock(4, 128)(q, memory)  # expect-error: memory with the target's features (64), (20, 32)
i = nn.TransformerDecoderBlock(4, 128)(q, tn.Input(64))  # expect-error: (sequence, features) memory, (64,)
j = nn.TransformerDecoderBlock(3, 128)(q, memory)  # expect-error: TransformerDecoderBlock(heads=3, by heads (3)
k = nn.TransformerDecoderBlock(4, 128)(q)  # expect-error: 2 input(s), but receives 1
m = nn.TransformerDecoderBlock(4, 0)  # expect-error: mlp_features must be a positive int, but is 0
