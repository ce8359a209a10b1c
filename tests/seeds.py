"""The five seed articles of corpus/ and the scraping noise each carries: none may reach a brief."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

SEED_NOISE: dict[str, list[str]] = {
    "23053e17a5b40f18": [
        "date 2024-12-27 Eng",
        "byOlena Mukhina",
        "27/12/2024",
        "2 minute read",
        "yonhap north korea isolates",
        "An illustrative image",
        "Photo via Wikimedia Commons",
        "execute their own troops in Kursk Oblast, Zelenskyy reveals",
        "dies from injuries, Seoul says",
    ],
    "43c4807301805436": [
        "Dec 2, 2024 - 04:00",
        "zelenskyy confirms first north korean soldier deaths russia",
        "Related:",
        "You could close this page",
        "join our community",
        "Become a Patron",
        "cup of coffee",
    ],
    "146c9178da6cf846": [
        "World News",
        "Battlefront Betrayal",
        "FAQs:",
        "Q: ",
        "A: The identities",
        "A: According",
        "Conclusion:",
        "Related Articles",
        "Leave a Reply",
        "Your email address will not be published",
        "Required fields are marked",
        "Back to top button",
        "×",
    ],
    "4bbc6bcd65a358a5": [
        "PREV",
        "NEXT",
        "PSG defeats City",
        "Hungarian Farmers",
        "VideoTwo",
        "avoid capture, says Seoul",
        "North Koreans questioned in Ukraine",
        "Military training in November",
        "briefing. .",
    ],
    "169085be78354f09": [
        "There are no comments",
        "Add yours",
    ],
}


def load_seeds() -> dict[str, str]:
    """Document ID (the file name) -> stored text, exactly as the files hold it."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}
