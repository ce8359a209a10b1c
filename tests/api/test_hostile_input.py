"""Nothing a client sends is used as a file path or spliced into SQL: hostile IDs and texts are
refused or stored verbatim, and the source builds no SQL from anything but constants."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"
INJECTION = "x'); DROP TABLE documents; --"


@pytest.mark.parametrize(
    "document_id",
    [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        "a;DROP TABLE documents",
        "C:\\x",
    ],
)
def test_path_like_and_sql_like_ids_are_refused(client, expect_error, document_id):
    response = client.put(f"/v1/documents/{document_id}", json={"text": "Some text here."})
    assert response.status_code in (400, 404)
    assert client.get(f"/v1/documents/{document_id}").status_code in (400, 404)
    response = client.post("/v1/documents", json={"id": document_id, "text": "Some text."})
    expect_error(response, 400, "invalid_field", "id")


def test_sql_in_text_and_metadata_is_stored_verbatim(client):
    body = {
        "id": "doc-1",
        "text": f"The report said {INJECTION} and nothing else happened.",
        "title": INJECTION,
        "url": f"https://example.org/?q={INJECTION}",
    }
    assert client.post("/v1/documents", json=body).status_code == 201
    stored = client.get("/v1/documents/doc-1").get_json()
    assert (stored["text"], stored["title"], stored["url"]) == (
        body["text"],
        body["title"],
        body["url"],
    )
    assert client.get(f"/v1/documents?language={INJECTION}").status_code == 400
    assert client.get("/v1/documents?cursor=' OR 1=1 --").status_code == 400
    response = client.post("/v1/briefs", json={"document_ids": ["doc-1", "x' OR '1'='1"]})
    assert response.status_code == 400
    assert [d["id"] for d in client.get("/v1/documents").get_json()["documents"]] == ["doc-1"]


def _sql_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in {"text", "exec_driver_sql", "execute", "executescript"}:
            yield node, node.args[0]


def _interpolated_names(argument: ast.AST) -> list[str]:
    """Names interpolated into an f-string, or formatted with % or .format()."""
    if isinstance(argument, ast.JoinedStr):
        values = [v.value for v in argument.values if isinstance(v, ast.FormattedValue)]
    elif isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Mod | ast.Add):
        values = [argument.right]
    elif isinstance(argument, ast.Call) and getattr(argument.func, "attr", "") == "format":
        values = list(argument.args)
    else:
        return []
    return [ast.unparse(v) for v in values]


def test_no_sql_is_built_from_anything_but_constants():
    """SQL strings may interpolate only UPPER_CASE module constants; values are bound parameters."""
    offenders = []
    for path in sorted(SERVICE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call, argument in _sql_calls(tree):
            for name in _interpolated_names(argument):
                if not name.isupper():
                    offenders.append(f"{path.relative_to(SERVICE)}:{call.lineno}: {name}")
    assert offenders == []
