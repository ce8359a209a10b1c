"""A document's sentences, read once per process and remembered."""

from __future__ import annotations

from service.pipeline.documents import reading
from service.pipeline.documents.cleaning import clean_document
from service.pipeline.documents.sentences import split_sentences
from service.pipeline.types import Document


def test_remembered_sentences_are_what_reading_the_document_gives(monkeypatch):
    text = "First sentence here. Second one follows it.\n\nA new paragraph."
    document = Document("a", text, "en")
    assert reading.document_sentences(document) == split_sentences(clean_document(document))
    calls = []
    monkeypatch.setattr(reading, "split_sentences", lambda c: calls.append(c) or [])
    assert reading.document_sentences(document) == split_sentences(clean_document(document))
    assert not calls, "read from memory"


def test_a_changed_text_is_read_again_and_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(reading, "REMEMBERED", 2)
    old = Document("b", "The old text of the article.", "en")
    new = Document("b", "The new text of the article, edited.", "en")
    assert reading.document_sentences(old)[0].text == "The old text of the article."
    assert reading.document_sentences(new)[0].text == "The new text of the article, edited."
    for at in range(3):
        reading.document_sentences(Document(f"c{at}", "Another article entirely.", "en"))
    assert len(reading._recent) == 2
