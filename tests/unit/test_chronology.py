"""A document's date: `published`, else a dateline in its first lines, else its URL."""

from __future__ import annotations

from datetime import date

import pytest

from service.pipeline.documents.chronology import (
    date_document,
    document_date,
    url_date,
    without_dateline,
)
from service.pipeline.types import Document


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "2005/01/08 Tsunami aid\n\nSaturday, January 8, 2005\n\nBody.",
            "en",
            "2005-01-08",
        ),
        ("Haiti evacuations stop\n\nSunday, January 31, 2010\n\nBody.", "en", "2010-01-31"),
        # French writes day first: 8 January, not 1 August
        (
            "08/01/2005 Les dons\n\nSamedi 8 janvier 2005\n\nTexte.",
            "fr",
            "2005-01-08",
        ),
        ("Un titre\n\nJeudi 22 septembre 2005\n\nTexte.", "fr", "2005-09-22"),
        ("Les promesses d'aide\n\nSamedi 1er janvier 2005\n\nTexte.", "fr", "2005-01-01"),
        ("Aid pledges\n\nSaturday, January 1st, 2005\n\nText.", "en", "2005-01-01"),
        (
            "Americká vláda zastavila\n\nNeděle, 31. ledna 2010\n\nText.",
            "cs",
            "2010-01-31",
        ),
    ],
)
def test_a_dateline_in_the_first_lines_dates_the_document(text, language, expected):
    found = date_document(text, language)
    assert (found.iso, found.source) == (expected, "dateline")


def test_published_wins_over_the_dateline_and_the_url():
    found = date_document(
        "2005/01/08 Title\n\nBody.", "en", "2024-12-27T10:00:00Z", "https://x.org/2023/01/02/a"
    )
    assert (found.iso, found.source) == ("2024-12-27", "published")


def test_a_page_date_comes_after_published_and_before_the_text():
    found = date_document("2005/01/08 Title", "en", None, None, page_date="2024-11-03")
    assert (found.iso, found.source) == ("2024-11-03", "page")


def test_the_url_dates_a_document_without_a_dateline():
    found = date_document("No date here at all.", "en", url="https://x.org/news/2024/12/05/a")
    assert (found.iso, found.source) == ("2024-12-05", "url")
    assert url_date("https://x.org/2024-12-05-troops") == date(2024, 12, 5)
    assert url_date("https://x.org/20241205/troops") == date(2024, 12, 5)
    assert url_date("https://2024.org/a/12345678") is None  # not a calendar date
    assert url_date("https://x.org/2024/13/45/a") is None


def test_an_agency_dateline_takes_its_year_from_the_url():
    url = "https://x.org/world/2024/story"
    found = date_document("Dec 16 (Reuters) - The company said.", "en", url=url)
    assert (found.iso, found.source) == ("2024-12-16", "dateline")
    found = date_document("MOSCOW, Oct. 12 (AP) - Russia said.", "en", url=url)
    assert found.iso == "2024-10-12"
    # without a year anywhere the dateline dates nothing rather than guess one
    assert date_document("Dec 16 (Reuters) - The company said.", "en").source == "none"


def test_a_date_later_in_the_text_is_not_the_documents_date():
    text = "Troops landed.\n\n" + "Word " * 80 + "\n\nOn January 8, 2005 a law passed."
    assert date_document(text, "en").source == "none"


def test_a_stored_date_is_read_back_and_an_unstored_one_read_from_the_text():
    built = Document("a", "2005/01/08 Title\n\nBody.", "en")
    assert document_date(built) == date(2005, 1, 8)
    stored = Document("a", "2005/01/08 Title", "en", dated="2001-02-03", dated_source="published")
    assert document_date(stored) == date(2001, 2, 3)  # read back, not dated again
    undated = Document("a", "2005/01/08 Title", "en", dated=None, dated_source="none")
    assert document_date(undated) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "2005/01/08 Tsunami aid donations in 2005 deductible",
            "Tsunami aid donations in 2005 deductible",
        ),
        ("MOSCOW, Oct. 12 (AP) - Russia said it would act.", "Russia said it would act."),
        ("LONDON (Reuters) - The bank raised its rates.", "The bank raised its rates."),
        (
            "Saturday, January 8, 2005 - Citizens may write off gifts.",
            "Citizens may write off gifts.",
        ),
        (
            "Tour de France: Cancellara wins the prologue",
            "Tour de France: Cancellara wins the prologue",
        ),
        ("January 8, 2005, was a day of mourning.", "January 8, 2005, was a day of mourning."),
        ("2005/01/08 Aid", "2005/01/08 Aid"),  # nothing would be left to read
    ],
)
def test_a_dateline_is_not_shown_as_words_of_a_headline(text: str, shown: str) -> None:
    assert without_dateline(text) == shown
