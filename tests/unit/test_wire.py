"""Agency copy as a reader expects it (`wire.py`)."""

from __future__ import annotations

import numpy as np

from service.pipeline.merge.wire import copies, readable


def test_wire_conventions_are_shown_as_print_shows_them():
    assert (
        readable("``That's terrific,'' he said _ and left.")
        == "“That's terrific,” he said — and left."
    )
    assert (
        readable("It earned 5 mln dlrs, up 3 pct.") == "It earned 5 million dollars, up 3 percent."
    )
    assert readable("The dollar fell.") == "The dollar fell."


def test_editing_notes_go_by_their_form_and_acronyms_stay():
    assert readable("Police raised the toll (UPDATES with police figures).") == (
        "Police raised the toll."
    )
    assert readable("The alliance (NATO) met; (AP) reported.") == (
        "The alliance (NATO) met; (AP) reported."
    )


def test_of_copies_of_one_sentence_the_best_formed_comes_first():
    texts = [
        "Hand Carlsson, a Swedish engineer, was named head of the rescue team on Friday.",
        "Hans Carlsson, a Swedish engineer, was named head of the rescue team on Friday.",
        "Hans Carlsson, a Swedish engineer, was named head of the rescue team Friday.",
        "Hans Carlsson, a Swedish engineer, was named head of the rescue team on Friday!",
        "The harvest in France was the largest in a decade, officials said.",
    ]
    rows = [[1, 0.01 * at, 0, 0] for at in range(4)] + [[0, 1, 0, 0]]
    vectors = np.asarray(rows, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = copies(range(5), texts, vectors)
    assert len(groups) == 1 and sorted(groups[0]) == [0, 1, 2, 3]
    assert texts[groups[0][0]].startswith("Hans"), "three copies say Hans"
