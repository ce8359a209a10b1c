"""The page in a real headless Chromium against a real gunicorn on loopback.

A reader uploads the five seeds, asks for a brief, watches it appear, clicks a citation and sees
the cited span of the right document highlighted and scrolled into view; screenshots of the brief
and of the highlighted source are saved under test-artifacts/. Debian's chromium is required:
`make test` installs it (scripts/install-test-tools), and a browser that cannot be launched fails
these tests rather than skipping them.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bench._server import GunicornServer
from service.keys import KeyStore
from service.store import Store
from tests.seeds import CORPUS, load_seeds
from tests.web.samples import HOSTILE_HTML, HOSTILE_HTML_ARTICLE, HOSTILE_HTML_ARTICLE_TITLE

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("SUMMARY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BRIEF_SECONDS = 240
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """gunicorn with the production config on a fresh SQLite store; extractive (no weights)."""
    with GunicornServer(tmp_path_factory.mktemp("web"), workers=2) as live:
        yield {"base": live.url, "database_url": f"sqlite:///{live.database}"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
    except Exception as exc:  # not installed, or its driver cannot start
        pytest.fail(f"Playwright is not usable ({exc}); pip install -e '.[dev]'")
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(
            f"cannot launch {CHROMIUM} ({str(exc).splitlines()[0]}); "
            "run scripts/install-test-tools, which installs it or says how"
        )
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page_errors() -> list[str]:
    """Script errors and console errors of `page`; a test may remove those it expects."""
    return []


@pytest.fixture
def page(browser: Any, page_errors: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert page_errors == [], page_errors  # no script error, failed request or CSP violation


def _screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 0
    return path


def _citation(link: Any) -> tuple[str, int, int]:
    return (
        link.get_attribute("data-document-id"),
        int(link.get_attribute("data-start")),
        int(link.get_attribute("data-end")),
    )


def _shown_passage(page: Any, citation: tuple[str, int, int]) -> str:
    """The text highlighted in the source panel once it shows `citation` (ID, start, end)."""
    mark = page.locator("#source-passage")
    expect(mark).to_be_visible()
    expect(mark).to_have_attribute("data-document-id", citation[0])
    expect(mark).to_have_attribute("data-start", str(citation[1]))
    expect(mark).to_have_attribute("data-end", str(citation[2]))
    return str(mark.inner_text())


def _in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            """element => {
                const box = element.getBoundingClientRect();
                return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight
                    && box.left >= 0 && box.right <= window.innerWidth;
            }""",
        )
    )


def _progress_until_the_brief_shows(page: Any) -> list[str]:
    """Each line the progress region showed (read every 50 ms) until the brief appeared."""
    seen: list[str] = []
    deadline = time.monotonic() + BRIEF_SECONDS
    while True:
        line = page.inner_text("#brief-progress").strip()
        if line and (not seen or seen[-1] != line):
            seen.append(line)
        if page.locator("#brief li.sentence").count() and line.startswith("Done"):
            return seen
        assert time.monotonic() < deadline, f"no brief within {BRIEF_SECONDS} s: {seen}"
        time.sleep(0.05)


def _same_text(shown: str, stored: str) -> bool:
    """inner_text() renders the passage as the browser lays it out: white space may differ."""
    return shown.split() == stored.split()


def test_a_reader_briefs_the_seeds_and_follows_a_citation(server: dict[str, str], page: Any):
    base, seeds = server["base"], load_seeds()
    started = time.monotonic()
    page.goto(f"{base}/")
    page.set_input_files("#files", [str(path) for path in sorted(CORPUS.glob("*.txt"))])
    page.get_by_role("button", name="Add the files").click()
    expect(page.locator("#corpus-rows tr")).to_have_count(len(seeds))
    assert page.inner_text("#add-status").startswith("Added 5 of 5 files")
    shown_ids = page.eval_on_selector_all(
        "#corpus-rows tr", "rows => rows.map(r => r.dataset.documentId)"
    )
    assert sorted(shown_ids) == sorted(seeds)

    page.fill("#max-words", "250")
    page.get_by_role("button", name="Make a brief of every document").click()
    progress = _progress_until_the_brief_shows(page)
    in_flight = [
        line
        for line in progress
        if re.fullmatch(r"Waiting for a worker to start the brief of 5 documents\.", line)
        or re.fullmatch(r"Summarising: [0-5] of 5 documents done\.", line)
        or line == "Merging the summaries of 5 documents into one brief."
    ]
    assert in_flight, progress
    assert progress[-1] == "Done: a brief of 5 documents."
    job_id = page.evaluate("new URLSearchParams(location.search).get('brief')")
    brief = requests.get(f"{base}/v1/briefs/{job_id}", timeout=10).json()["brief"]
    brief_path = _screenshot(page, "web-brief.png")

    # The markers are the brief's citations, in order.
    links = page.locator("#brief li.sentence a.cite")
    cited = [
        (c["document_id"], c["start"], c["end"]) for s in brief["sentences"] for c in s["citations"]
    ]
    assert [_citation(links.nth(i)) for i in range(links.count())] == cited

    # Click a marker of a sentence that several documents support.
    sentences = page.locator("#brief li.sentence")
    index = next((i for i, s in enumerate(brief["sentences"]) if len(s["citations"]) > 1), 0)
    sentence_links = sentences.nth(index).locator("a.cite")
    first = sentence_links.first
    document_id, start, end = _citation(first)
    first.click()
    shown = _shown_passage(page, (document_id, start, end))
    assert _same_text(shown, seeds[document_id][start:end]), shown
    assert document_id in page.inner_text("#source-meta")
    assert _in_viewport(page, "#source-passage")
    assert page.evaluate("document.activeElement.id") == "source-passage"
    source_path = _screenshot(page, "web-source.png")

    # Every source of that sentence is reachable from the panel.
    tabs = page.locator("#source-tabs button")
    assert tabs.count() == sentence_links.count()
    opened = (document_id, start, end)
    if tabs.count() > 1:
        opened = _citation(sentence_links.nth(1))
        tabs.nth(1).click()
        shown = _shown_passage(page, opened)
        assert _same_text(shown, seeds[opened[0]][opened[1] : opened[2]])

    # By keyboard: Escape closes the panel and returns to the marker; Enter opens it again.
    page.keyboard.press("Escape")
    assert page.locator("#source").is_hidden()
    focused = page.evaluate(
        "[document.activeElement.dataset.documentId, document.activeElement.dataset.start]"
    )
    assert focused == [opened[0], str(opened[1])]
    page.keyboard.press("Enter")
    _shown_passage(page, opened)
    elapsed = time.monotonic() - started
    print(f"\nbrowser: seeds in, brief out, citation followed in {elapsed:.1f} s")
    print(f"screenshots: {brief_path} {source_path}")


def test_on_a_phone_the_brief_fits_and_a_citation_opens_in_view(server, browser, seeds_brief):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server['base']}/?brief={seeds_brief}")
        page.locator("#brief li.sentence").first.wait_for()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a phone"
        link = page.locator("#brief li.sentence a.cite").last
        document_id, start, end = _citation(link)
        link.tap()
        shown = _shown_passage(page, (document_id, start, end))
        assert _same_text(shown, load_seeds()[document_id][start:end])
        assert _in_viewport(page, "#source-passage")
        _screenshot(page, "web-phone-source.png")
    finally:
        context.close()


@pytest.fixture(scope="module")
def seeds_brief(server: dict[str, str]) -> str:
    """A finished brief of the seeds, made through the API (for the tests that only read one)."""
    base, seeds = server["base"], load_seeds()
    documents = [{"id": doc_id, "text": text} for doc_id, text in seeds.items()]
    requests.post(f"{base}/v1/documents", json={"documents": documents}, timeout=30)
    job = requests.post(
        f"{base}/v1/briefs?wait=60", json={"document_ids": list(seeds)}, timeout=90
    ).json()
    deadline = time.monotonic() + BRIEF_SECONDS
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        job = requests.get(f"{base}/v1/briefs/{job['id']}?wait=10", timeout=30).json()
    assert job["status"] == "done", job
    return str(job["id"])


def test_an_html_file_is_stored_as_its_text_and_hostile_markup_stays_inert(
    server: dict[str, str], page: Any, page_errors: list[str], tmp_path: Path
):
    base = server["base"]
    upload = tmp_path / "flood report.html"
    upload.write_text(HOSTILE_HTML, encoding="utf-8")
    page.goto(f"{base}/")
    page.set_input_files("#files", str(upload))
    page.get_by_role("button", name="Add the files").click()
    row = page.locator('#corpus-rows tr[data-document-id="flood-report"]')
    try:
        row.wait_for()
        _check_the_stored_html(base, page, row, page_errors)
    finally:
        requests.delete(f"{base}/v1/documents/flood-report", timeout=10)


def _check_the_stored_html(base: str, page: Any, row: Any, errors: list[str]) -> None:
    assert row.locator('[data-field="title"]').inner_text() == HOSTILE_HTML_ARTICLE_TITLE
    stored = requests.get(f"{base}/v1/documents/flood-report", timeout=10).json()
    assert (stored["title"], stored["text"]) == (HOSTILE_HTML_ARTICLE_TITLE, HOSTILE_HTML_ARTICLE)
    assert stored["reader"] == "article" and stored["metadata_sources"] == {"title": "page"}
    page.goto(f"{base}/documents/flood-report")
    assert page.evaluate("window.pwned === undefined")
    # The page no longer parses the upload (the service reads it): nothing for its policy to block.
    assert not [e for e in errors if "Content Security Policy" in e]

    # The reader can delete it again, by keyboard.
    page.goto(f"{base}/")
    page.locator('button[aria-label="Delete document flood-report"]').focus()
    page.keyboard.press("Enter")
    page.locator('#corpus-rows tr[data-document-id="flood-report"]').wait_for(state="detached")
    assert "Deleted document flood-report." in page.inner_text("#corpus-status")
    assert requests.get(f"{base}/v1/documents/flood-report", timeout=10).status_code == 404


def test_offsets_count_characters_as_the_service_does_and_disagreements_are_clickable(
    server: dict[str, str], page: Any
):
    """Python counts code points; a browser counts UTF-16 units. An emoji before a cited span
    would shift a naive highlight by one character per emoji."""
    base = server["base"]
    text = "🌧🌧 Rain: 40 mm fell on Monday. Officials said 12 roads closed. 🚧 Crews worked."
    other = "The ministry said 15 roads closed on Monday night. Rain eased later."
    for doc_id, body in (("emoji-a", text), ("emoji-b", other)):
        response = requests.put(f"{base}/v1/documents/{doc_id}", json={"text": body}, timeout=10)
        assert response.status_code in (200, 201), response.text

    def span(doc_id: str, body: str, phrase: str) -> dict[str, Any]:
        start = body.index(phrase)
        return {"document_id": doc_id, "start": start, "end": start + len(phrase)}

    crews = "🚧 Crews worked."
    brief = {
        "sentences": [
            {"text": crews, "citations": [span("emoji-a", text, crews)], "sources": 1},
        ],
        "disagreements": [
            {
                "about": "roads closed",
                "figures": [
                    {"value": "12", "citations": [span("emoji-a", text, "12 roads closed")]},
                    {"value": "15", "citations": [span("emoji-b", other, "15 roads closed")]},
                ],
            }
        ],
        "documents": ["emoji-a", "emoji-b"],
        "models": [],
        "document_facts": [],
        "max_words": 50,
        "words": 3,
        "notes": [],
    }
    try:
        page.goto(f"{base}/?brief={_finished_job(server['database_url'], brief)}")
        page.locator("#brief li.sentence a.cite").click()
        assert _shown_passage(page, ("emoji-a", *_offsets(text, crews))) == crews
        figures = page.locator("#brief .disagreement a.cite")
        assert figures.count() == 2
        figures.nth(1).click()
        assert _shown_passage(page, ("emoji-b", *_offsets(other, "15 roads closed"))) == (
            "15 roads closed"
        )
        figures.nth(0).click()
        assert _shown_passage(page, ("emoji-a", *_offsets(text, "12 roads closed"))) == (
            "12 roads closed"
        )
        assert page.inner_text("#source-sentence") == "Cited for: “12”"
    finally:
        for doc_id in ("emoji-a", "emoji-b"):
            requests.delete(f"{base}/v1/documents/{doc_id}", timeout=10)


def _offsets(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def _finished_job(database_url: str, brief: dict[str, Any]) -> str:
    """A job that a worker finished with `brief`, written to the server's store."""
    store = Store(database_url)
    try:
        job = store.create_job(
            request={"document_ids": brief["documents"], "language": None, "max_words": 50},
            document_ids=brief["documents"],
        )
        assert store.claim_job(job.id, "browser-test")
        assert store.finish_job(job.id, "browser-test", brief)
        return str(job.id)
    finally:
        store.dispose()


def test_a_429_while_following_a_brief_is_waited_out_and_never_shown(
    server: dict[str, str], page: Any, page_errors: list[str], seeds_brief: str
):
    """Two tabs on one key served by one worker process: the second's `?wait=` poll is answered
    `429 too_many_waiters` with Retry-After (a rate limit is a 429 too). The page waits that
    long, asks again and shows the brief; the progress stays shown meanwhile, never an error."""
    refusals = [("too_many_waiters", "wait"), ("rate_limited", None)]
    refused: list[float] = []
    asked: list[float] = []

    def poll(route: Any) -> None:
        asked.append(time.monotonic())
        if len(refused) == len(refusals):
            route.continue_()
            return
        code, field = refusals[len(refused)]
        refused.append(time.monotonic())
        error = {"status": 429, "code": code, "message": "ask again later", "field": field}
        route.fulfill(
            status=429,
            headers={"Retry-After": "1", "Content-Type": "application/json"},
            body=json.dumps({"error": error}),
        )

    page.route(re.compile(r"/v1/briefs/[^/?]+\?wait=1$"), poll)
    page.goto(f"{server['base']}/")
    page.fill("#max-words", "170")  # a length no other test asks for: a new job, polled
    page.get_by_role("button", name="Make a brief of every document").click()
    progress = _progress_until_the_brief_shows(page)
    assert len(refused) == 2 and len(asked) >= 3, (asked, progress)
    for refusal, again in zip(refused, asked[1:], strict=False):
        assert again - refusal >= 0.95, "asked again before Retry-After"
    assert all(
        line.startswith(("Waiting for a worker", "Summarising:", "Merging", "Done:"))
        for line in progress
    ), progress
    assert progress[-1].startswith("Done: a brief of"), progress
    assert not page.locator("#brief-progress .error").count()
    # Chromium logs each refused request; those are expected, nothing else is.
    answered = [e for e in page_errors if "status of 429" in e]
    assert len(answered) == 2, page_errors
    page_errors[:] = [e for e in page_errors if e not in answered]


def test_with_keys_a_reader_signs_in_adds_a_text_and_signs_out(
    server: dict[str, str], page: Any, page_errors: list[str]
):
    """Once an operator creates a key, the page asks for it; page.js then works through the
    sign-in cookie, sending its CSRF token with each change. Last in this module: every other
    test here runs keyless, and this one revokes its key again."""
    base = server["base"]
    store = Store(server["database_url"])
    keys = KeyStore(store)
    new = keys.create("newsdesk")
    try:
        page.goto(f"{base}/?brief=none")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("API key").fill(new.secret[:-1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
        _screenshot(page, "web-sign-in.png")
        page_errors[:] = [e for e in page_errors if "401" not in e]  # the refused sign-in
        page.get_by_label("API key").fill(new.secret)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/?brief=none")
        expect(page.locator(".signed-in")).to_contain_text("Signed in as newsdesk")
        _screenshot(page, "web-signed-in.png")

        page.fill("#paste-text", "Heavy rain closed the coast road on Friday. It reopened later.")
        page.get_by_label("ID (optional)").fill("signed-in-text")
        page.get_by_role("button", name="Add the text").click()
        row = page.locator('#corpus-rows tr[data-document-id="signed-in-text"]')
        row.wait_for()
        row.get_by_role("button").click()
        row.wait_for(state="detached")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/sign-in")
        page.goto(f"{base}/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        keys.revoke(new.key.id)
        store.dispose()
