import typednn as tn
x = tn.Input(3)  # expect-error: nothing
y = tn.Input(3) + tn.Input(4)  # expect-error: Add, (9,)
