"""Summarisers: one document's sentences to its summary, extractive or seq2seq.

`base` is the interface, `extractive` and `seq2seq` the two kinds (`alignment` ties a seq2seq
sentence to the source passage it rests on), and `choice` picks one per language from the
registry and the weights that are local.
"""
