import typednn as tn
x = tn.Input(3) + tn.Input(4)
