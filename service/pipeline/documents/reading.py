"""A document's sentences as the pipeline reads them (cleaned, then split), remembered.

Summarising a document splits it; the merge then reads the documents a brief cites again, to
find the other sources of a picked fact and the figures that differ (`disagreements.py`). In one
process (the embedded worker, `summarise brief`) the second reading is the first one's result:
the last `REMEMBERED` documents' sentences are kept, under the document's ID, text digest and
language, so a changed document is never read from memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from service.pipeline.documents.cleaning import clean_document
from service.pipeline.documents.sentences import split_sentences
from service.pipeline.types import Document, Sentence

REMEMBERED = 2048

_Key = tuple[str, str, str]
_recent: OrderedDict[_Key, list[Sentence]] = OrderedDict()
_lock = threading.Lock()


def _key(document: Document) -> _Key:
    return document.id, document.sha256, document.language


def remember_sentences(document: Document, sentences: list[Sentence]) -> None:
    """Keep `sentences`, the result of `split_sentences(clean_document(document))`."""
    key = _key(document)
    with _lock:
        _recent[key] = sentences
        _recent.move_to_end(key)
        while len(_recent) > REMEMBERED:
            _recent.popitem(last=False)


def document_sentences(document: Document) -> list[Sentence]:
    """`split_sentences(clean_document(document))`, from memory when it was read lately."""
    with _lock:
        found = _recent.get(_key(document))
    if found is not None:
        return found
    sentences = split_sentences(clean_document(document))
    remember_sentences(document, sentences)
    return sentences
