"""The actors' split test: two events of one theme with different names are two stories."""

from __future__ import annotations

from service.pipeline.stories.actors import split_by_actors
from service.pipeline.stories.features import document_vectors, name_vectors
from service.pipeline.types import Document

VALENCIA = [
    "Floods in Valencia killed 200 people as rescuers searched flooded streets, Sánchez said.",
    "Rescuers in Valencia searched for survivors of the floods; Sánchez promised aid to Valencia.",
    "Sánchez visited Valencia, where floods killed hundreds and rescuers still search streets.",
]
ALEGRE = [
    "Floods in Porto Alegre killed 150 people as rescuers searched flooded streets, Lula said.",
    "Rescuers in Porto Alegre searched for survivors of the floods; Lula promised aid to Alegre.",
    "Lula visited Porto Alegre, where floods killed hundreds and rescuers still search streets.",
]


def _split(texts: list[str], cut: float) -> list[list[int]]:
    documents = [Document(f"d{i}", text, "en") for i, text in enumerate(texts)]
    words, names = document_vectors(documents), name_vectors(documents)
    return sorted(split_by_actors(words, names, list(range(len(texts))), cut))


def test_one_theme_with_two_casts_is_two_stories() -> None:
    assert _split(VALENCIA + ALEGRE, 0.5) == [[0, 1, 2], [3, 4, 5]]


def test_one_event_is_left_whole() -> None:
    assert _split(VALENCIA + [t.replace("200", "210") for t in VALENCIA], 0.5) == [list(range(6))]


def test_no_cut_leaves_every_story_whole() -> None:
    assert _split(VALENCIA + ALEGRE, 0.0) == [list(range(6))]


def test_names_alone_are_read() -> None:
    documents = [Document("d0", "Floods in Valencia killed 200 people.", "en")]
    without = Document("d1", "floods killed people.", "en")
    assert name_vectors(documents).nnz > 0
    assert name_vectors([without]).nnz == 0


def test_twins_rename_every_name_but_the_commonest() -> None:
    from bench.stories import twins

    own = [Document(f"a{i}", f"{VALENCIA[i % 3]} Mazón agreed.", "en") for i in range(4)]
    other = [Document(f"b{i}", ALEGRE[i % 3], "en") for i in range(4)]
    (pool,) = [p for p in twins(own + other, ["a"] * 4 + ["b"] * 4) if p[0].id == "a0"]
    first, twin = pool[:2], pool[2:]
    assert [d.id for d in first] == ["a0", "a1"] and all(d.id.endswith("-twin") for d in twin)
    assert all("Valencia" in d.text and "Sánchez" not in d.text for d in twin)
    assert all("Lula" in d.text or "Porto" in d.text or "Alegre" in d.text for d in twin)
