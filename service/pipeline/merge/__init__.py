"""The merge: the documents' summaries made into one cited brief.

`summaries.merge_summaries` drives it: `grouping` gathers sentences that state one fact,
`concepts` and `selection` choose what the brief covers within its words, `trimming` deletes words
that carry no fact, `corroboration`, `faithfulness`, `assertions` and `disagreements` check what a
sentence asserts against its sources, and `measures`, `neighbours`, `readability` and `chronology`
are the scores and orders they share.
"""
