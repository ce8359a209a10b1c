"""The pages through Flask's test client: the corpus, a brief, a highlighted passage, errors, and
that hostile document text is shown as text, never as markup."""

from __future__ import annotations

import pytest

from service.brief_request import MAX_MAX_WORDS, MIN_MAX_WORDS
from tests.web.conftest import elements, finished_brief

HOSTILE = {
    "id": "evil",
    "title": '<img src=x onerror="alert(1)">Breaking',
    "text": "Troops <script>alert('x')</script> crossed the river at dawn. Officials confirmed it.",
}
PLAIN = {"id": "plain", "text": "Heavy rain 🌧 flooded the valley. Roads were closed for days."}


@pytest.fixture
def stored(client):
    response = client.post("/v1/documents", json={"documents": [HOSTILE, PLAIN]})
    assert response.status_code == 201
    return client


def test_the_page_lists_the_corpus_with_hostile_text_escaped(stored):
    response = stored.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in page.split("<body>")[1].split('<script src="/web/static/page.js"')[0]
    assert "<img src=x" not in page
    rows = elements(page, "tr", ("data-document-id", "evil"))
    assert len(rows) == 1
    assert HOSTILE["title"] in rows[0]["text"]  # shown literally, as text
    plain = elements(page, "tr", ("data-document-id", "plain"))[0]["text"].split()
    assert plain == ["plain", "en", str(len(PLAIN["text"])), "Delete"]
    assert elements(page, "template", ("id", "corpus-row-template"))
    assert 'value="250"' in page  # the default length, from the settings


def test_the_length_field_takes_its_limits_from_the_brief_request(client):
    page = client.get("/").get_data(as_text=True)
    (field,) = elements(page, "input", ("id", "max-words"))
    bounds = (field["attrs"]["min"], field["attrs"]["max"])
    assert bounds == (str(MIN_MAX_WORDS), str(MAX_MAX_WORDS))


def test_a_language_too_uncertain_to_name_reads_unknown(client):
    client.put("/v1/documents/short", json={"text": "Ok."})
    row = elements(client.get("/").get_data(as_text=True), "tr", ("data-document-id", "short"))
    assert row[0]["text"].split() == ["short", "unknown", "3", "Delete"]


def test_a_document_page_highlights_exactly_the_cited_span(stored):
    text = PLAIN["text"]
    start, end = text.index("flooded"), text.index(" Roads")
    response = stored.get(f"/documents/plain?start={start}&end={end}")
    assert response.status_code == 200
    marks = elements(response.get_data(as_text=True), "mark", ("id", "passage"))
    assert [m["text"] for m in marks] == [text[start:end]]
    whole = elements(response.get_data(as_text=True), "div", ("class", "document-text"))
    assert whole[0]["text"] == text


def test_a_hostile_document_is_shown_as_text(stored):
    response = stored.get("/documents/evil?start=0&end=20")
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert elements(page, "mark")[0]["text"] == HOSTILE["text"][:20]
    assert elements(page, "h1")[0]["text"] == HOSTILE["title"]


def test_a_document_url_is_linked_only_when_it_is_http(client):
    for url, linked in [("javascript:alert(1)", False), ("https://example.org/a", True)]:
        client.put("/v1/documents/linked", json={"text": "Some text here. More text.", "url": url})
        page = client.get("/documents/linked").get_data(as_text=True)
        assert (f'href="{url}"' in page) is linked, url


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/documents/nope", 404),
        ("/documents/plain?start=abc", 400),
        ("/documents/plain?end=-1", 400),
    ],
)
def test_page_errors_are_pages(stored, path, status):
    response = stored.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert elements(response.get_data(as_text=True), "h1")[0]["text"].startswith(str(status))


def _span(document: dict, phrase: str) -> dict:
    start = document["text"].index(phrase)
    return {"document_id": document["id"], "start": start, "end": start + len(phrase)}


def _brief() -> dict:
    """A brief as the pipeline writes it, with hostile text and a disagreement."""
    troops = "Troops <script>alert('x')</script> crossed the river at dawn."
    rain = "Heavy rain 🌧 flooded the valley."
    return {
        "sentences": [
            {
                "text": troops,
                "citations": [_span(HOSTILE, troops), _span(PLAIN, "flooded the valley")],
                "sources": 2,
                "score": 1.0,
            },
            {
                "text": rain,
                "citations": [_span(PLAIN, rain)],
                "sources": 1,
                "score": 0.5,
                "support": 0.4,
                "supported": False,
                "problems": ["name 'Zeus' is not in the evidence"],
            },
        ],
        "disagreements": [
            {
                "about": "days the roads were closed",
                "figures": [
                    {"value": "for days", "citations": [_span(PLAIN, "closed for days")]},
                    {"value": "<i>never</i>", "citations": [_span(HOSTILE, "Officials")]},
                ],
            }
        ],
        "text": "",
        "markdown": "",
        "documents": ["evil", "plain"],
        "models": [{"name": "fake", "kind": "extractive", "revision": None}],
        "document_facts": [],
        "max_words": 60,
        "words": 13,
        "notes": ["<b>a note</b>"],
        "dropped_sentences": 1,
    }


def test_the_page_shows_a_finished_brief_with_numbered_citations(app, stored):
    brief = _brief()
    job_id = finished_brief(app, brief)
    page = stored.get(f"/?brief={job_id}").get_data(as_text=True)
    article = elements(page, "article", ("id", "brief"))[0]
    assert article["attrs"]["data-status"] == "done"
    sentences = elements(page, "span", ("class", "sentence-text"))
    assert [s["text"] for s in sentences] == [s["text"] for s in brief["sentences"]]
    links = elements(page, "a", ("class", "cite"))
    cited = [c for s in brief["sentences"] for c in s["citations"]]
    cited += [c for f in brief["disagreements"][0]["figures"] for c in f["citations"]]
    assert [
        (a["attrs"]["data-document-id"], int(a["attrs"]["data-start"]), int(a["attrs"]["data-end"]))
        for a in links
    ] == [(c["document_id"], c["start"], c["end"]) for c in cited]
    assert [a["text"] for a in links] == ["[1]", "[2]", "[2]", "[2]", "[1]"]
    first = cited[0]
    assert links[0]["attrs"]["href"] == (
        f"/documents/{first['document_id']}?start={first['start']}&end={first['end']}#passage"
    )
    disagreement = elements(page, "li", ("class", "disagreement"))[0]["text"]
    assert "days the roads were closed:" in disagreement and "<i>never</i>" in disagreement
    flagged = elements(page, "li", ("class", "sentence flagged"))
    assert len(flagged) == 1 and "name 'Zeus' is not in the evidence" in flagged[0]["text"]
    assert "1 sentence left out: not supported by its evidence." in page
    sources = elements(page, "ol", ("class", "source-list"))[0]["text"]
    assert HOSTILE["title"] in sources  # the title, as text
    assert "<script>alert" not in page.split("<body>")[1].split('<script src="/web/')[0]
    assert "<b>a note</b>" not in page and "<i>never</i>" not in page


def test_a_correction_shows_the_latest_figure_then_the_earlier_one(app, stored):
    brief = _brief()
    brief["disagreements"].append(
        {
            "about": "people killed",
            "kind": "correction",
            "figures": [
                {
                    "value": "65",
                    "reported": "2005-01-08",
                    "citations": [_span(PLAIN, "flooded the valley")],
                },
                {"value": "60", "reported": "2005-01-07", "citations": [_span(HOSTILE, "Troops")]},
            ],
        }
    )
    page = stored.get(f"/?brief={finished_brief(app, brief)}").get_data(as_text=True)
    (correction,) = elements(page, "li", ("class", "correction"))
    text = " ".join(correction["text"].split())
    assert "people killed: 65 (reported 8 Jan 2005) [2], earlier 60 (7 Jan 2005) [1]" in text
    assert len(elements(page, "li", ("class", "disagreement"))) == 1  # not listed as one


def test_a_brief_without_disagreements_has_no_such_section(app, stored):
    brief = _brief()
    del brief["disagreements"]
    page = stored.get(f"/?brief={finished_brief(app, brief)}").get_data(as_text=True)
    assert elements(page, "li", ("class", "sentence"))
    assert not elements(page, "section", ("class", "disagreements"))


def test_the_page_says_when_a_brief_is_unknown(client):
    page = client.get("/?brief=0123abc").get_data(as_text=True)
    assert "There is no brief 0123abc." in page


def test_a_running_brief_shows_its_progress(app, stored):
    job = stored.post("/v1/briefs", json={}).get_json()  # no worker: it stays queued
    page = stored.get(f"/?brief={job['id']}").get_data(as_text=True)
    article = elements(page, "article", ("id", "brief"))[0]
    assert article["attrs"]["data-status"] == "queued"
    assert "Waiting for a worker to start the brief of 2 documents." in article["text"]
    assert elements(page, "progress")


def test_a_brief_whose_work_is_redone_shows_why_as_text(app, stored):
    from sqlalchemy import update

    from service.store.schema import jobs

    job = stored.post("/v1/briefs", json={}).get_json()
    note = '2026-11-29T10:00:00Z: <img src=x onerror="alert(1)"> vanished'
    store = app.extensions["store"]
    with store.engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job["id"]).values(retries=2, note=note))
    page = stored.get(f"/?brief={job['id']}").get_data(as_text=True)
    (line,) = elements(page, "p", ("class", "job-status"))
    assert line["text"] == (
        "Waiting for a worker to start the brief of 2 documents. "
        f"Redoing work a lost worker left (retry 2): {note}."
    )
    assert "<img src=x" not in page  # shown as text, never as markup


def test_the_static_files_are_served(client):
    script = client.get("/web/static/page.js")
    style = client.get("/web/static/page.css")
    assert script.status_code == 200 and "openCitation" in script.get_data(as_text=True)
    assert style.status_code == 200 and style.mimetype == "text/css"
    script.close()
    style.close()


def test_the_corpus_shows_each_seed_s_headline_as_its_title(client):
    from tests.seeds import CORPUS

    seeds = sorted(CORPUS.glob("*.txt"))
    batch = [{"id": path.stem, "text": path.read_text(encoding="utf-8")} for path in seeds]
    assert client.post("/v1/documents", json={"documents": batch}).status_code == 201
    page = client.get("/").get_data(as_text=True)
    titles = {
        path.stem: elements(page, "td", ("data-field", "title"))[index]
        for index, path in enumerate(seeds)
    }
    headline = titles["43c4807301805436"]
    assert headline["text"] == "Zelenskyy confirms first North Korean soldier deaths in Russia"
    assert headline["attrs"]["class"] == "derived"
    assert titles["169085be78354f09"]["text"] == ""  # no headline: no title
    assert sum(1 for title in titles.values() if title["text"]) == 4
