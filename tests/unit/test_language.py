"""detect_language: declared codes win, confident guesses pass, everything else is "und"."""

from __future__ import annotations

import threading

import pytest
from langdetect import LangDetectException
from langdetect import detector_factory as langdetect_factory

from service.pipeline.documents import language
from service.pipeline.documents.language import (
    FIRST_SAMPLE_CHARS,
    MIN_CONFIDENCE,
    SAMPLE_CHARS,
    count_words,
    detect_language,
    rules_language,
)
from service.pipeline.types import UNDETERMINED, LanguageGuess

# Real news text: MultiLing 2011 Pilot (WikiNews, CC BY), cluster M000 or M006.
SAMPLES = {
    "en": "On Monday of this week, Jan Egeland, the UN's chief of emergency relief said that "
    'rich nations like the U.S. were being "stingy" by making small contributions.',
    "fr": "Ce lundi, Jan Egeland, le chef de l'aide d'urgence aux Nations unies a dit que les "
    "nations riches comme les États-Unis étaient « radins » en faisant de faibles contributions.",
    "el": "Τη Δευτέρα αυτής της εβδομάδας, ο Jan Egeland, επικεφαλής των Ηνωμένων Εθνών για "
    "την επείγουσα ανθρωπιστική βοήθεια, είπε ότι τα πλούσια έθνη όπως οι ΗΠΑ γίνονται "
    "«τσιγκούνικα».",
    "ar": "يوم الاثنين من هذا الاسبوع، قال يان ايجلاند مفوض الامم المتحدة للإغاثة في حالات "
    "الطوارئ أن الدول الغنية مثل الولايات المتحدة كانت شحيحه بتقديم التبرعات الصغيرة.",
    "cs": "V pondělí prohlásil Jan Egeland, ředitel Úřadu OSN pro naléhavé situace, že bohaté "
    "národy jako USA jsou lakomé, protože přispívají málo.",
    "he": "ביום שני השבוע, ג'אן איגלנד, ראש מרכז הסיוע בחירום של האו\"ם אמר כי אומות עשירות "
    'כמו ארה"ב התנהגו ב"קמצנות" ע"י מתן תרומות זעום.',
    "hi": "अमरीका के प्रशांत सुनामी चेतावनी केंद्र ने कहा कि बहुत बड़े सुनामी के आने कि आशंका नहीं "
    "है। ऐतिहासिक आंक्ड़े ऐसा न्हीं बताते।",
}
# No language leads here: unseeded, langdetect's answer changes from call to call.
MIXED = "Hola amigo, bonjour mon ami, hello my friend"


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_real_news_text_is_detected(code: str) -> None:
    guess = detect_language(SAMPLES[code])
    assert guess.language == code
    assert guess.source == "detected"
    assert MIN_CONFIDENCE <= guess.confidence <= 1.0


def test_the_same_text_gets_the_same_answer_every_time() -> None:
    for text in (MIXED, SAMPLES["cs"]):
        answers = {detect_language(text) for _ in range(20)}
        assert len(answers) == 1


def test_a_declared_language_wins_normalised() -> None:
    assert detect_language(SAMPLES["en"], declared="FR") == LanguageGuess("fr", 1.0, "declared")
    assert detect_language("", declared=" EN_gb ") == LanguageGuess("en-gb", 1.0, "declared")


@pytest.mark.parametrize("declared", [None, "", "  ", "und", "UND"])
def test_no_declaration_means_detection(declared: str | None) -> None:
    assert detect_language(SAMPLES["fr"], declared=declared).language == "fr"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Hello", "Hello there", "12 345 678 910 11 12 13 14 15 16 17 18 19 20",
     "!!! ??? ... --- *** ### ;;; ,,, ''' \"\"\"", "2024-12-27 04:00 +0200 27/12/2024",
     "Ab cd ef gh"],
)  # fmt: skip
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == LanguageGuess(UNDETERMINED, 0.0, "detected")


def test_an_unsure_guess_is_undetermined_with_its_confidence() -> None:
    guess = detect_language(MIXED)
    assert guess.language == UNDETERMINED
    assert 0.0 < guess.confidence < MIN_CONFIDENCE


def test_a_detector_failure_is_undetermined(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> list[object]:
        raise LangDetectException(0, "No features in text.")

    monkeypatch.setattr(language, "detect_langs", fail)
    assert detect_language(SAMPLES["en"]) == LanguageGuess(UNDETERMINED, 0.0, "detected")


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What langdetect is given, call by call."""
    seen: list[str] = []
    real = language.detect_langs
    monkeypatch.setattr(language, "detect_langs", lambda text: seen.append(text) or real(text))
    return seen


def test_only_the_start_of_a_long_text_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _reads(monkeypatch)
    text = SAMPLES["en"] * 20 + " " + SAMPLES["fr"] * 2000
    assert detect_language(text).language == "en"
    assert len(seen) == 1, "a sure answer from the first sample is not read again"
    assert 0 < len(seen[0]) <= FIRST_SAMPLE_CHARS
    assert text.startswith(seen[0])


def test_an_unsure_first_sample_is_read_again_longer(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _reads(monkeypatch)
    text = " ".join([MIXED] * 7 + [SAMPLES["cs"]] * 30)  # its first 300 characters: a coin toss
    guess = detect_language(text)
    assert [len(s) <= FIRST_SAMPLE_CHARS for s in seen] == [True, False]
    assert len(seen[1]) <= SAMPLE_CHARS
    assert guess.language == "cs"


def test_prose_is_read_before_menus_and_bylines(monkeypatch: pytest.MonkeyPatch) -> None:
    page = "\n".join(
        ["Home | News | Sport | Weather | Sign in", "By Staff Reporter", "Share this article"]
        + [SAMPLES["fr"]] * 5
    )
    seen = _reads(monkeypatch)
    assert detect_language(page).language == "fr"
    assert seen[0].startswith(SAMPLES["fr"][:50])


def test_the_seed_articles_are_english(seeds) -> None:
    assert {detect_language(document.text).language for document, _ in seeds} == {"en"}


def test_profiles_load_once_under_concurrent_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(langdetect_factory, "_factory", None)
    monkeypatch.setattr(language, "_profiles_loaded", False)
    start = threading.Barrier(8)
    results: list[LanguageGuess] = []

    def detect(code: str) -> None:
        start.wait()
        results.append(detect_language(SAMPLES[code]))

    codes = ["en", "fr", "el", "ar", "cs", "he", "hi", "en"]
    threads = [threading.Thread(target=detect, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(guess.language for guess in results) == sorted(codes)


def test_words_of_unspaced_scripts_are_counted_by_character() -> None:
    assert count_words("北朝鮮の兵士") == 6
    assert count_words("Russia deploys 12,000 troops") == 3


@pytest.mark.parametrize(
    ("code", "rules"), [("en", "en"), ("zh-CN", "zh"), ("pt_BR", "pt"), ("und", "en"), ("", "en")]
)
def test_rules_language_is_the_primary_subtag(code: str, rules: str) -> None:
    assert rules_language(code) == rules
