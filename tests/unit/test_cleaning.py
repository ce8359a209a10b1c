"""clean_document: scraping noise goes, every real sentence stays, offsets index the stored text."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.pipeline.documents.cleaning import clean_document, find_headline
from service.pipeline.types import CleanedDocument, Document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEEDS = sorted(path.stem for path in CORPUS.glob("*.txt"))

# What each seed carries around its article: none of it may survive cleaning.
NOISE = {
    "146c9178da6cf846": [
        "World News",
        "Battlefront Betrayal",
        "Ukrainian Troops Capture North Korean Soldiers for the First Time",
        "FAQs",
        "Q:",
        "A:",
        "Who are the two North Korean soldiers captured by Ukrainian troops?",
        "Why did North Korea get involved in the conflict in Ukraine?",
        "Conclusion:",
        "Related Articles",
        "Leave a Reply",
        "Your email address will not be published",
        "Required fields are marked",
        "Back to top button",
        "×",
    ],
    "169085be78354f09": ["There are no comments", "Add yours", "+"],
    "23053e17a5b40f18": [
        "date 2024-12-27",
        "Eng\n",
        "byOlena",
        "Mukhina",
        "27/12/2024",
        "minute read",
        "yonhap",
        "conceals deployment domestically",
        "An illustrative image",
        "Photo via Wikimedia Commons",
        "North Korean soldiers. An",
        "Zelenskyy reveals",
        "First captured North Korean soldier in Ukraine dies from injuries, Seoul says",
    ],
    "43c4807301805436": [
        "Zelenskyy confirms first North Korean soldier deaths in Russia",
        "Dec 2, 2024",
        "04:00",
        "kyodo news kyiv 1 2024 zele",
        "Related:",
        "You could close this page",
        "join our community",
        "readers like you",
        "cup of coffee",
        "Become a patron",
        "Become a Patron!",
    ],
    "4bbc6bcd65a358a5": [
        "War in Ukraine: North Korean soldiers encouraged to commit suicide to avoid capture",
        "North Koreans questioned in Ukraine",
        "Military training in November",
        "VideoTwo",
        "PREV",
        "NEXT",
        "PSG defeats City",
        "Hungarian Farmers",
    ],
}

# Real sentences of each seed, quotations and one-sentence paragraphs included: all must stay.
ARTICLE = {
    "146c9178da6cf846": [
        "In a significant breakthrough, Ukrainian President Volodymyr Zelensky announced on "
        "Saturday that his troops had captured two North Korean soldiers in the Kursk region of "
        "Russia.",
        "One of the soldiers suffered a broken jaw, and the other a broken leg.",
        "Zelensky noted that the captured soldiers’ condition is a testament to the harsh "
        "realities of war, stating, “Russian troops and other North Korean military personnel "
        "routinely execute the wounded to eliminate any evidence of North Korea’s involvement in "
        "the war in Ukraine.”",
        "The identities of the captured soldiers are not publicly known.",  # an FAQ answer
        "The reasons behind North Korea’s involvement are not publicly known, but it is believed "
        "that Pyongyang sought to increase its military capabilities and global influence.",
        "The capture of North Korean soldiers by Ukrainian troops marks a significant turning "
        "point in the conflict in Ukraine.",
    ],
    "169085be78354f09": [
        "In a startling development, U.S. officials have confirmed that North Korean troops have "
        "been killed while fighting alongside Russian forces in the Kursk border region of "
        "Ukraine.",
        "However, these claims have yet to be independently verified.",
        "“There is not a single reason for North Koreans to die in this war,” Zelensky remarked, "
        "emphasizing the tragedy of their involvement.",
        "This week, the U.S. Treasury Department also announced sanctions targeting nine "
        "individuals and seven entities linked to financial and military support for North "
        "Korea.",
    ],
    "23053e17a5b40f18": [
        # The headline, kept: written as a sentence, it states the article's claim.
        "Russia deploys North Korean troops with minimal protection in apparent suicide missions.",
        "He also mentioned that Ukrainian forces had managed to capture a few North Korean "
        "soldiers, but their lives could not be saved due to severe wounds.",
        "“North Korean troops are losing a large number of their soldiers in Kursk Oblast.",
        "If China is sincere in its statements that the war should not escalate, it must exert "
        "pressure on Pyongyang,” Zelenskyy concluded.",
        "On 26 December, Ukrainian military Telegram channels\xa0reported the capture of the "
        "North Korean soldier.",
        "The exact date of the capture operation was not specified.",
    ],
    "43c4807301805436": [
        # The standfirst under the title: a full sentence of content.
        "Ukraine estimates around 12,000 North Korean soldiers in western Russia, with confirmed "
        "casualties highlighting the Russo-Ukrainian war's growing international scope.",
        "Russia’s ongoing full-scale invasion of Ukraine has entered its 34th month.",
        "The Ukrainian President predicted that Russian President Vladimir Putin will continue to "
        "use North Korean troops “as cannon fodder” on the frontlines.",
        "Zelenskyy also used the interview to urgently call for NATO membership, stating that "
        "support from international partners is “not enough.”",
        "Trump, who has been skeptical of aid to Ukraine, previously claimed that Russia’s "
        "invasion would not have occurred during his presidency, asserting he could stop the war "
        "“in a day” without providing specific details.",
    ],
    "4bbc6bcd65a358a5": [
        "They are fighting alongside the Russians.",
        "“Estimates indicate that the number of casualties among the ranks of North Korean forces "
        "has exceeded 3,000, including around 300 deaths and 2,700 injuries,” Lee Seong-kweun "
        "told reporters after a South Korean intelligence briefing.",
        "“Notes found on dead soldiers indicate that North Korean authorities pressured them to "
        "commit suicide,” including “blowing themselves up before capture,” the elected official "
        "continued.",
        "Rep. Lee Seong-kweun says memos recovered from corpses reveal North Korea is using "
        "soldiers’",
        "For those “who do not wish to return (to their country), there could be other possible "
        "options,” Volodymyr Zelensky added on Sunday, saying that those who “tell the truth "
        "about this war in Korean will have this opportunity.”",
        "The two countries are notably linked by a mutual defense pact ratified in November.",
    ],
}


def seed(document_id: str) -> Document:
    text = (CORPUS / f"{document_id}.txt").read_text(encoding="utf-8")
    return Document(id=document_id, text=text, language="en")


def clean(text: str, language: str = "en") -> CleanedDocument:
    return clean_document(Document(id="doc", text=text, language=language))


def kept(text: str, language: str = "en") -> list[str]:
    cleaned = clean(text, language)
    return [text[block.start : block.end] for block in cleaned.blocks]


def reasons(text: str) -> dict[str, str]:
    return {text[r.start : r.end]: r.reason for r in clean(text).removed}


def assert_offsets_hold(cleaned: CleanedDocument) -> None:
    """Blocks are trimmed, ordered spans of the text; every visible character is accounted for."""
    text = cleaned.document.text
    owner = [""] * len(text)
    for block in cleaned.blocks:
        piece = text[block.start : block.end]
        assert piece and piece == piece.strip()
        assert any(ch.isalpha() for ch in piece)
    spans = [(b.start, b.end, "kept") for b in cleaned.blocks]
    spans += [(r.start, r.end, r.reason) for r in cleaned.removed]
    for start, end, what in spans:
        assert 0 <= start < end <= len(text)
        for i in range(start, end):
            assert not owner[i], f"{text[start:end]!r} overlaps {owner[i]}"
            owner[i] = what
    starts = [b.start for b in cleaned.blocks]
    assert starts == sorted(starts)
    assert all(owner[i] or ch.isspace() for i, ch in enumerate(text))
    assert cleaned.content() == "\n\n".join(text[b.start : b.end] for b in cleaned.blocks)


def test_the_seeds_are_the_corpus() -> None:
    assert SEEDS == sorted(NOISE) == sorted(ARTICLE)


@pytest.mark.parametrize("document_id", SEEDS)
def test_no_noise_survives(document_id: str) -> None:
    content = clean_document(seed(document_id)).content()
    for noise in NOISE[document_id]:
        assert noise not in content
    blocks = content.split("\n\n")
    assert not {"-", "--", "×", ""} & set(blocks)


@pytest.mark.parametrize("document_id", SEEDS)
def test_every_real_sentence_stays(document_id: str) -> None:
    content = clean_document(seed(document_id)).content()
    for sentence in ARTICLE[document_id]:
        assert sentence in content


@pytest.mark.parametrize("document_id", SEEDS)
def test_seed_offsets_hold(document_id: str) -> None:
    assert_offsets_hold(clean_document(seed(document_id)))


def test_a_reader_appeal_inside_an_article_goes() -> None:
    text = (
        "Russia denied the report on Monday, calling it a provocation.\n\n"
        "Support independent journalism. Your donation helps us report from the front lines. "
        "Donate now!\n\n"
        "Kyiv said the soldiers were being questioned."
    )
    assert kept(text) == [
        "Russia denied the report on Monday, calling it a provocation.",
        "Kyiv said the soldiers were being questioned.",
    ]
    assert reasons(text) == {
        "Support independent journalism. Your donation helps us report from the front lines. "
        "Donate now!": "reader-appeal"
    }


def test_an_appeal_glued_to_the_end_of_a_paragraph_is_cut_off() -> None:
    text = (
        "Russia denied the report on Monday. Officials did not comment. Follow us on Telegram "
        "for more updates. Subscribe to our newsletter!"
    )
    cleaned = clean(text)
    assert kept(text) == ["Russia denied the report on Monday. Officials did not comment."]
    assert [(text[r.start : r.end], r.reason) for r in cleaned.removed] == [
        ("Follow us on Telegram for more updates. Subscribe to our newsletter!", "reader-appeal")
    ]
    assert_offsets_hold(cleaned)


@pytest.mark.parametrize(
    "paragraph",
    [
        "“If you want peace, you must prepare for war,” the minister told reporters on Monday.",
        "‘You can’t trust Moscow,’ he said, adding that talks would go on.",
        '"Your sons are dying for nothing," the letter to the families read.',
        # A quotation running on into the next paragraph has no closing mark.
        "“We will not give up. You will see that in the coming weeks, and so will your children.",
        "“Join us,” the recruiters told the men. Most refused.",
    ],
)
def test_quoted_speech_to_you_is_article_content(paragraph: str) -> None:
    text = f"Seoul confirmed the deaths on Monday.\n\n{paragraph}"
    assert kept(text) == ["Seoul confirmed the deaths on Monday.", paragraph]


def test_a_keyword_line_goes() -> None:
    text = "ukraine russia war north korea troops kursk zelensky\nKyiv confirmed the capture."
    assert reasons(text) == {"ukraine russia war north korea troops kursk zelensky": "keywords"}


@pytest.mark.parametrize(
    "caption", ["Ukrainian soldiers near Bakhmut. File photo. Reuters.", "Image: Diego Grez."]
)
def test_a_caption_goes(caption: str) -> None:
    assert reasons(f"{caption}\n\nKyiv confirmed the capture.") == {caption: "caption"}


def test_a_repeated_title_goes_entirely_and_a_repeated_paragraph_once() -> None:
    title = "Seoul says 300 North Korean soldiers killed"
    body = "Seoul said on Monday that 300 North Korean soldiers had been killed."
    text = f"{title}\n\n{title}\n{title}\n\n{body}\n\n{body}"
    cleaned = clean(text)
    assert kept(text) == [body]
    assert [r.reason for r in cleaned.removed] == [
        "no-sentence-structure",
        "duplicate",
        "duplicate",
        "duplicate",
    ]
    assert_offsets_hold(cleaned)


def test_faq_questions_go_and_answers_lose_their_label() -> None:
    text = "FAQs:\n\nQ: What happened?\nA: Two soldiers were captured.\n\nWhat happens next?"
    cleaned = clean(text)
    assert kept(text) == ["Two soldiers were captured."]
    assert reasons(text) == {
        "FAQs:": "no-sentence-structure",
        "Q: What happened?": "question",
        "A:": "label",
        "What happens next?": "question",
    }
    assert_offsets_hold(cleaned)


@pytest.mark.parametrize(
    "paragraph",
    [
        "12,000 troops were deployed to Kursk.",
        "Support for the war has fallen, a poll showed.",
        "Share prices fell 3% in Seoul on Monday.",
        "Zelensky wrote: “We are ready.”",
        "Update: Seoul raised its count of the dead to 300 on Monday.",
        "Russia’s invasion has entered its 34th month.",
        "Was it a mistake? Officials in Seoul think so, and said as much on Monday.",
        # MultiLing 2011 (WikiNews, CC BY): long prose whose last full stop was lost.
        "After the U.S. increased its funding donation to 350 million USD, Japanese Prime "
        "Minister Junichiro Koizumi announced a half-billion dollar donation on Saturday. Norway "
        "increased its funding donation to 180 million USD",
    ],
)
def test_real_paragraphs_stay(paragraph: str) -> None:
    assert kept(f"Kyiv\n\n{paragraph}\n\n* * *") == [paragraph]


@pytest.mark.parametrize(
    "line",
    [
        "Dec 2, 2024 - 04:00",
        "byOlena Mukhina",
        "2 minute read",
        "Related:",
        "Share this article",
        "NEXT Hungary says Ukraine’s EU membership would be catastrophic",
        "“Battlefront Betrayal: North Korean Fighters Caught Fighting for Russia in Ukraine”",
        "* * *",
        "27/12/2024",
    ],
)
def test_lines_without_sentences_go(line: str) -> None:
    assert kept(f"{line}\nKyiv confirmed the capture.") == ["Kyiv confirmed the capture."]


def test_a_hard_wrapped_paragraph_is_one_block() -> None:
    paragraph = (
        "Ukrainian President Volodymyr Zelensky said on Saturday that his troops\n"
        "had captured two North Korean soldiers in the Kursk region of Russia,\n"
        "the first taken alive since Pyongyang sent its troops to help Moscow."
    )
    cleaned = clean(f"Two soldiers captured\n\n{paragraph}\n")
    assert [cleaned.document.text[b.start : b.end] for b in cleaned.blocks] == [paragraph]


def test_lines_of_a_list_are_judged_one_by_one() -> None:
    text = "Kyiv confirmed the capture.\nSeoul confirmed the deaths.\nMoscow did not comment."
    assert len(clean(text).blocks) == 3


@pytest.mark.parametrize(
    ("language", "paragraph"),
    [
        # MultiLing 2011 (WikiNews, CC BY); Hindi typed "|" for the danda "।".
        ("hi", "परीक्षण में बचाव पक्ष पहले से आगे बम विस्फोट के लिए स्थानों को खोजने की मदद करने का "
               "आरोप लगाया गया है |"),
        ("el", "Ήταν «μια από τις πιο γενναιόδωρες δεσμεύσεις»; Ο Egeland το αρνήθηκε."),
        ("fr", "Il a dit « bonjour. »"),
        ("cs", "Řekl: „Bohaté národy jsou lakomé.“"),
        ("ar", "هل كانت المساهمات سخية؟ قال يان ايجلاند مفوض الامم المتحدة للإغاثة أن الدول "
               "الغنية كانت شحيحه بتقديم التبرعات الصغيرة."),
    ],
)  # fmt: skip
def test_sentence_ends_of_other_languages(language: str, paragraph: str) -> None:
    assert kept(f"{paragraph}\n\n2005/01/08", language) == [paragraph]


def test_empty_and_blank_documents() -> None:
    for text in ("", "   \n\n\t ", "\xa0"):
        cleaned = clean(text)
        assert cleaned.blocks == [] and cleaned.removed == []


HEADLINES = {
    "23053e17a5b40f18": (  # after a dateline; written as a sentence, so also kept as content
        "Russia deploys North Korean troops with minimal protection in apparent suicide missions."
    ),
    "43c4807301805436": "Zelenskyy confirms first North Korean soldier deaths in Russia",
    "146c9178da6cf846": (  # after a section label, its quotation marks taken off
        "Battlefront Betrayal: North Korean Fighters Caught Fighting for Russia in Ukraine"
    ),
    "4bbc6bcd65a358a5": (
        "War in Ukraine: North Korean soldiers encouraged to commit suicide to avoid capture, "
        "says Seoul"
    ),
    "169085be78354f09": None,  # the page opens with the article's first paragraph
}


@pytest.mark.parametrize("seed", SEEDS)
def test_each_seed_s_headline_is_found(seed):
    assert (
        find_headline((CORPUS / f"{seed}.txt").read_text(encoding="utf-8"), "en") == HEADLINES[seed]
    )


@pytest.mark.parametrize(
    "text",
    [
        "The river flooded the valley on Monday. Officials closed the roads.\nMore text.",
        "World News\n\nShort\n\nThe article begins here, with a sentence. And another one.",
        "",
    ],
)
def test_no_headline_before_the_article_means_none(text):
    assert find_headline(text, "en") is None


def test_a_headline_set_apart_from_the_article_is_told_from_a_wire_lead():
    from service.pipeline.documents.cleaning import is_set_apart_headline

    def first_line_is_headline(text: str) -> bool:
        line = text.split("\n")[0]
        return is_set_apart_headline(text, 0, len(line), "en")

    assert first_line_is_headline(
        "Haiti rescue effort abandoned.\n\nSaturday, January 23, 2010\n\nThe UN said so. It ended."
    )
    assert not first_line_is_headline(
        "The Senate voted on Tuesday to raise the debt ceiling by two trillion dollars.\n\n"
        "The vote came after weeks of talks. It passed 60 to 40."
    )
    assert not first_line_is_headline("The Senate voted on Tuesday to raise the debt ceiling.")
    text = "The Senate voted. The House did not.\n\nTuesday, January 12, 2010"
    assert not is_set_apart_headline(text, 0, len("The Senate voted."), "en")


def test_the_line_above_a_photo_credit_is_its_caption():
    text = (
        "Three of the bombers were shown in the video. The film was taken at Luton station.\n"
        "Russell Square after the bombings.\n"
        "Image: Francis Tyers.\n\n"
        "The footage was shown to Kingston Crown Court on Thursday."
    )
    cleaned = clean_document(Document("d", text, "en"))
    content = cleaned.content()
    assert "Russell Square" not in content and "Image:" not in content
    assert "Luton station." in content and "Kingston Crown Court" in content
    assert [r.reason for r in cleaned.removed] == ["caption", "caption"]


_EXTRACTED = """Storm closes the port of Calais for a second day
Ferries stay in Dover as gales reach 120 km/h
The port of Calais stayed closed on Tuesday as gales swept the Channel, the operator said.
What happens to the lorries?
Drivers waited on the A16 overnight, police said.
| Route | Status |
| Dover | closed |"""


def _extracted(text: str, title: str | None) -> CleanedDocument:
    document = Document(id="page", text=text, language="en", title=title, extracted=True)
    return clean_document(document)


def test_an_extracted_text_loses_the_headline_and_standfirst_over_it() -> None:
    cleaned = _extracted(_EXTRACTED, "Storm closes Calais port for a second day | The Courier")
    reasons = [(span.reason, _EXTRACTED[span.start : span.end]) for span in cleaned.removed]
    assert reasons == [
        ("headline", "Storm closes the port of Calais for a second day"),
        ("standfirst", "Ferries stay in Dover as gales reach 120 km/h"),
    ]
    # the article's own question, heading-like lines and table rows are the article: they stay
    assert cleaned.content().split("\n\n") == _EXTRACTED.split("\n")[2:]


def test_an_extracted_text_without_its_title_on_top_keeps_every_line() -> None:
    for title in (None, "Gales sweep the Channel", "The port of Calais stayed closed"):
        text = _EXTRACTED.split("\n", 2)[2]
        cleaned = _extracted(text, title)
        assert cleaned.removed == []
        assert cleaned.content() == text.replace("\n", "\n\n")


def test_a_first_paragraph_sharing_words_with_the_title_is_not_a_headline() -> None:
    text = "Storm closes the port of Calais.\nGales swept the Channel on Tuesday, the port said."
    cleaned = _extracted(text, "Storm closes the port of Calais")
    assert cleaned.removed == []  # a headline written as a sentence is not repeated furniture
