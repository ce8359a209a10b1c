"""The labelled time expressions of `bench dates`, and how the bench scores them."""

from __future__ import annotations

from datetime import date

from bench.dates import load_labels


def test_every_label_names_words_of_its_sentence_and_a_date_range():
    labels = load_labels()
    assert len(labels) >= 100
    assert {label["language"] for label in labels} == {"en", "fr"}
    for label in labels:
        assert label["expression"] in label["sentence"]
        assert date.fromisoformat(label["start"]) <= date.fromisoformat(label["end"])
