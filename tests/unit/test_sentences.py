"""split_sentences: sentence rules per language, exact offsets into the stored text."""

from __future__ import annotations

import threading
from pathlib import Path

import pysbd
import pytest

from service.pipeline.documents import sentences as sentences_module
from service.pipeline.documents.cleaning import clean_document
from service.pipeline.documents.sentences import (
    ends_sentence,
    final_mark,
    is_question,
    sentence_spans,
    split_sentences,
)
from service.pipeline.types import CleanedDocument, Document, Span

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def one_block(text: str, language: str = "en") -> CleanedDocument:
    start = len(text) - len(text.lstrip())
    document = Document(id="doc", text=text, language=language)
    return CleanedDocument(document, [Span(start, len(text.rstrip()))], [])


def texts(text: str, language: str = "en") -> list[str]:
    return [sentence.text for sentence in split_sentences(one_block(text, language))]


def test_abbreviations_do_not_end_sentences() -> None:
    assert texts(
        "Mr. Smith met Dr. Jones in the U.S. on Jan. 5 at 3 p.m. and they talked. "
        "It cost $3.50 per item. Then they left."
    ) == [
        "Mr. Smith met Dr. Jones in the U.S. on Jan. 5 at 3 p.m. and they talked.",
        "It cost $3.50 per item.",
        "Then they left.",
    ]


def test_army_ranks_before_a_name_do_not_end_sentences() -> None:
    # pysbd knows "Sgt." and "Lt." but not these; its split made "...found Army Spc." a sentence.
    assert texts(
        "A court martial found Army Spc. Charles Graner guilty. Pfc. Lynndie England and "
        "Pvt. Jeremy Sivits were tried too. The jury sentenced him."
    ) == [
        "A court martial found Army Spc. Charles Graner guilty.",
        "Pfc. Lynndie England and Pvt. Jeremy Sivits were tried too.",
        "The jury sentenced him.",
    ]


def test_quotations_stay_with_their_sentence() -> None:
    assert texts(
        "“There is not a single reason for North Koreans to die in this war,” Zelensky remarked. "
        "He said support is “not enough.” He underscored that the war has entered a "
        "“complicated period”."
    ) == [
        "“There is not a single reason for North Koreans to die in this war,” Zelensky remarked.",
        "He said support is “not enough.”",
        "He underscored that the war has entered a “complicated period”.",
    ]


def test_numbers_do_not_end_sentences() -> None:
    assert texts("The rate rose 2.5 percent to 1,000.75 dollars. 12,000 troops were sent.") == [
        "The rate rose 2.5 percent to 1,000.75 dollars.",
        "12,000 troops were sent.",
    ]


# Real news text: MultiLing 2011 Pilot (WikiNews, CC BY).
@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "fr",
            "Ce lundi, Jan Egeland a dit que les nations riches étaient « radins ». M. Egeland "
            "s'est ensuite rétracté. Était-ce « l'une des plus généreuses jusqu'à maintenant » ?",
            [
                "Ce lundi, Jan Egeland a dit que les nations riches étaient « radins ».",
                "M. Egeland s'est ensuite rétracté.",
                "Était-ce « l'une des plus généreuses jusqu'à maintenant » ?",
            ],
        ),
        (
            "el",
            "Ο Egeland ανακάλεσε αργότερα τη δήλωσή του. Ήταν «μια από τις πιο γενναιόδωρες "
            "δεσμεύσεις»; Οι ΗΠΑ έδωσαν $1.2 εκατομμύρια.",
            [
                "Ο Egeland ανακάλεσε αργότερα τη δήλωσή του.",
                "Ήταν «μια από τις πιο γενναιόδωρες δεσμεύσεις»;",
                "Οι ΗΠΑ έδωσαν $1.2 εκατομμύρια.",
            ],
        ),
        (
            "cs",
            "Dr. Novák přišel v 5 hod. ráno. Řekl: „Bohaté národy jsou lakomé.“ Egeland se "
            "později zřekl tohoto prohlášení.",
            [
                "Dr. Novák přišel v 5 hod. ráno.",
                "Řekl: „Bohaté národy jsou lakomé.“",
                "Egeland se později zřekl tohoto prohlášení.",
            ],
        ),
        (
            "hi",
            "अमरीका के प्रशांत सुनामी चेतावनी केंद्र ने कहा कि बहुत बड़े सुनामी के आने कि आशंका नहीं "
            "है। ऐतिहासिक आंक्ड़े ऐसा न्हीं बताते। हैती ने ७.० मैगनिट्यूड का भुकंप आया।",
            [
                "अमरीका के प्रशांत सुनामी चेतावनी केंद्र ने कहा कि बहुत बड़े सुनामी के आने कि आशंका नहीं है।",
                "ऐतिहासिक आंक्ड़े ऐसा न्हीं बताते।",
                "हैती ने ७.० मैगनिट्यूड का भुकंप आया।",
            ],
        ),
        (
            "ar",
            "قال يان ايجلاند أن الدول الغنية كانت شحيحه. هل كانت المساهمات سخية؟ نعم، بلغت 1.2 "
            "مليون دولار.",
            [
                "قال يان ايجلاند أن الدول الغنية كانت شحيحه.",
                "هل كانت المساهمات سخية؟",
                "نعم، بلغت 1.2 مليون دولار.",
            ],
        ),
        (
            "he",
            'ראש מרכז הסיוע של האו"ם אמר כי ארה"ב התנהגה בקמצנות. מאוחר יותר הוא שינה את אמירתו.',
            [
                'ראש מרכז הסיוע של האו"ם אמר כי ארה"ב התנהגה בקמצנות.',
                "מאוחר יותר הוא שינה את אמירתו.",
            ],
        ),
    ],
)
def test_sentences_in_other_languages(language: str, text: str, expected: list[str]) -> None:
    assert texts(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("cs", "Útoky ze 7. července 2005 zabily 52 lidí."),
        ("el", "Ο κ. Μπαν αναγνωρίζει τον διχασμό των απόψεων."),
        ("el", "Οι περιοχές εκκενώθηκαν στις 8:00 π.μ. τοπική ώρα (18.00 UTC)."),
        ("he", "אלווין ק. סמית אמר זאת."),
        ("en", "France has sent the research ship Pourquoi Pas? to the scene."),
    ],
)
def test_ordinals_initials_and_names_do_not_end_sentences(language: str, text: str) -> None:
    assert texts(text, language) == [text]


def test_undetermined_text_gets_english_rules() -> None:
    text = "Mr. Smith arrived at 5 p.m. on Friday. He left."
    assert (
        texts(text, "und")
        == texts(text, "en")
        == ["Mr. Smith arrived at 5 p.m. on Friday.", "He left."]
    )


def test_language_subtags_are_ignored() -> None:
    assert texts("Dr. Novák přišel. Pak odešel.", "cs-CZ") == ["Dr. Novák přišel.", "Pak odešel."]


def test_a_stray_full_stop_is_not_a_sentence() -> None:
    assert texts("Lee told reporters after a briefing. . “Notes were found,” he said.") == [
        "Lee told reporters after a briefing.",
        "“Notes were found,” he said.",
    ]


def test_a_line_break_inside_a_block_does_not_end_a_sentence() -> None:
    assert texts("The troops were sent to\nthe front on Monday and\nthey fought. Next one.") == [
        "The troops were sent to\nthe front on Monday and\nthey fought.",
        "Next one.",
    ]


def test_text_a_segmenter_loses_still_becomes_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sentences_module, "_segment", lambda text, language: ["First one. ", "Altered! ", "Third."]
    )
    assert texts("First one. Second one. Third.") == ["First one.", "Second one.", "Third."]


def test_indices_blocks_and_offsets() -> None:
    text = "  First block. Still first.\n\nSecond block here.  \n"
    document = Document(id="d1", text=text, language="en")
    cleaned = CleanedDocument(document, [Span(2, 27), Span(29, 47)], [])
    found = split_sentences(cleaned)
    assert [(s.index, s.block, s.text) for s in found] == [
        (0, 0, "First block."),
        (1, 0, "Still first."),
        (2, 1, "Second block here."),
    ]
    assert all(s.document_id == "d1" and text[s.start : s.end] == s.text for s in found)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda path: path.stem)
def test_offsets_are_exact_and_sentences_stay_in_their_block(path: Path) -> None:
    document = Document(id=path.stem, text=path.read_text(encoding="utf-8"), language="en")
    cleaned = clean_document(document)
    found = split_sentences(cleaned)
    assert len(found) >= 5
    assert [s.index for s in found] == list(range(len(found)))
    for sentence in found:
        block = cleaned.blocks[sentence.block]
        assert sentence.text == document.text[sentence.start : sentence.end]
        assert block.start <= sentence.start < sentence.end <= block.end
        assert sentence.text == sentence.text.strip()
        assert any(ch.isalpha() for ch in sentence.text)


def test_a_long_block_is_split_as_its_paragraphs_are() -> None:
    """pysbd reads long blocks window by window; the windows must not change the sentences."""
    paragraphs = [
        line
        for path in sorted(CORPUS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").split("\n")
        if len(line) > 200 and line.endswith((".", ".”"))
    ]
    together = " ".join(paragraphs)
    assert len(together) > 2 * sentences_module.PYSBD_WINDOW
    assert texts(together) == [
        sentence for paragraph in paragraphs for sentence in texts(paragraph)
    ]


def test_sentence_spans_cover_every_letter_of_the_block() -> None:
    text = "U.S. officials confirmed it. . “Yes,” he said… 7.0 magnitude? Fine"
    spans = sentence_spans(text, "en")
    covered = {i for start, end in spans for i in range(start, end)}
    assert all(i in covered for i, ch in enumerate(text) if ch.isalnum())


def test_each_thread_gets_its_own_segmenter() -> None:
    mine = sentences_module._pysbd_segmenter("en")
    assert sentences_module._pysbd_segmenter("en") is mine
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(sentences_module._pysbd_segmenter("en")))
    thread.start()
    thread.join()
    assert theirs[0] is not mine


@pytest.mark.parametrize(
    ("text", "language", "ends", "asks"),
    [
        ("He said “no.”\u200b ", "en", True, False),
        ("Was it «une erreur» ?", "fr", True, True),
        ("Ήταν λάθος;", "el", True, True),
        ("Dangerous; he said", "en", False, False),
        ("यह वाक्य है |", "hi", True, False),
        ("Related:", "en", False, False),
        ("ข่าววันนี้", "th", True, False),  # Thai marks no sentence end
        ("", "en", False, False),
    ],
)
def test_sentence_ends(text: str, language: str, ends: bool, asks: bool) -> None:
    assert ends_sentence(text, language) is ends
    assert is_question(text, language) is asks


def test_final_mark_looks_past_closing_quotes_and_invisible_marks() -> None:
    assert final_mark("He said “no.”)\u200b ") == "."


@pytest.mark.parametrize("fast", [False, True])
def test_a_danda_ends_a_sentence_even_without_a_space(fast: bool) -> None:
    text = "भारत में भारी बारिश हुई।सरकार ने कहा कि राहत भेजी जाएगी। लोग सुरक्षित हैं।"
    assert [text[a:b] for a, b in sentence_spans(text, "hi", fast=fast)] == [
        "भारत में भारी बारिश हुई।",
        "सरकार ने कहा कि राहत भेजी जाएगी।",
        "लोग सुरक्षित हैं।",
    ]


def test_repeated_sentences_and_abbreviations_before_names_and_numbers() -> None:
    assert texts("Yes. Yes. Yes. No.") == ["Yes.", "Yes.", "Yes.", "No."]
    assert texts(
        "He met Gen. Smith at 9 a.m. on Jan. 5. It was No. 5 on the list. "
        "{mr} Then the U.S. Army left."
    ) == [
        "He met Gen. Smith at 9 a.m. on Jan. 5.",
        "It was No. 5 on the list.",
        "{mr} Then the U.S. Army left.",
    ]


PYSBD_CASES = [
    ("en", "Yes. Yes. Yes. No. Yes."),
    ("en", "He met Gen. Smith at 9 a.m. on Jan. 5. It was No. 5. {mr} Then the U.S. Army left."),
    ("en", "Mr. Smith said so. mr. jones did not. MR. JONES LEFT. Dr.Who? p.m. Fine... ok!"),
    ("en", "“It is over,” said Sen. Kerry. “Is it?” asked Prof. Lee (Ph.D.) at 3.50 p.m.\r Yes."),
    ("en", "Items: 1) one 2) two. a. first b. second. i. roman ii. numerals. Done."),
    # pysbd looks for the letter after a literal "{etc} " to judge "etc. 5"
    ("en", "We bought fruit, etc. 5 more. {etc} Z"),
    ("fr", "M. Dupont est arrivé vers 9 h. Il a dit : « Non. » Puis il est parti, etc. Fin."),
    ("el", "Ο κ. Παπαδόπουλος ήρθε στις 8 π.μ. Έφυγε αργότερα; Ναι. Ναι."),
    ("hi", "डॉ. शर्मा ने कहा कि बारिश हुई। क्या राहत भेजी जाएगी? हाँ। हाँ।"),
    ("ru", "Г-н Иванов приехал в 5 ч. утра. Т.е. рано. Он ушёл."),
    ("nl", "Het is 2d. ca. 5 km. Dhr. Jansen kwam. Hij ging weg."),
]


@pytest.mark.parametrize(("language", "text"), PYSBD_CASES)
def test_pysbd_is_read_as_its_own_segment_method_reads_it(language: str, text: str) -> None:
    """_pysbd skips pysbd's costly offsets and scans that cannot match: the same segments."""
    ours = sentences_module._pysbd(sentences_module._pysbd_segmenter(language), text)
    assert ours == pysbd.Segmenter(language=language, clean=False).segment(text)


def test_pysbd_reads_every_corpus_block_as_its_own_segment_method_does() -> None:
    stock = pysbd.Segmenter(language="en", clean=False)
    segmenter = sentences_module._pysbd_segmenter("en")
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\n", " ")
        for window in sentences_module._windows(text, "en"):
            assert sentences_module._pysbd(segmenter, window) == stock.segment(window)
