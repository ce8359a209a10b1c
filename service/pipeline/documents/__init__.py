"""Per-document stages: what the pipeline does to one document before any merge.

`language` detects it, `cleaning` strips what is not the article, `sentences` splits it,
`chunking` fits the sentences to a model's token limit, and `reading` re-reads a cited document
(cleaned, then split) the same way, remembered.
"""
