"""A schemathesis check, loaded by the contract test's run (`SCHEMATHESIS_HOOKS`): schema-valid data
sent to createDocuments or putDocument is refused 400 only for an article page's `html` in which no
article is found (issue 25), never for a document sent as `text`.

No schema can say which HTML holds an article, so for those two operations the run's
`positive_data_acceptance` takes 400 as an answer to schema-valid data; this check narrows that to
what it is for: the error's `field` must name an `html` field the request sent (`html`, or
`documents[i].html` in a batch).
"""

from __future__ import annotations

from typing import Any

import schemathesis

PAGE_OPERATIONS = frozenset({"createDocuments", "putDocument"})


def sent_pages(body: Any) -> set[str]:
    """The request's fields that hold an article page: `html`, or `documents[i].html`."""
    if not isinstance(body, dict):
        return set()
    documents = body.get("documents")
    if isinstance(documents, list):
        return {
            f"documents[{i}].html"
            for i, document in enumerate(documents)
            if isinstance(document, dict) and isinstance(document.get("html"), str)
        }
    return {"html"} if isinstance(body.get("html"), str) else set()


@schemathesis.check
def only_pages_are_refused_for_their_html(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data answered 400 by a documents operation: the refused field is a page's."""
    del ctx  # the check needs nothing of the run's configuration
    operation_id = case.operation.definition.raw.get("operationId")
    meta = case.meta
    if operation_id not in PAGE_OPERATIONS or response.status_code != 400 or meta is None:
        return None
    if not meta.generation.mode.is_positive:
        return None
    error = response.json().get("error", {})
    if error.get("field") not in sent_pages(case.body):
        raise AssertionError(
            f"schema-valid data refused (400) for {error.get('field')!r}, which is no article "
            f"page the request sent ({sorted(sent_pages(case.body))}): {error.get('message')}"
        )
    return None
