"""The web page: a reader's view of the service, server-rendered, talking to the JSON API.

`/` adds documents, lists the corpus, requests a brief and shows it with numbered citations;
`/documents/<id>?start=&end=` shows a document with a cited passage highlighted. The small script
in `static/page.js` only enhances these pages; every piece of user text is escaped by Jinja on the
server or set as text (never as markup) in the browser. The page shares the request hooks, the
sign-in and the brief's formats with the API through `service.http`, and imports nothing of
`service.api`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here so that importing `service.web` stays light.
    from service.web.views import bp

    app.register_blueprint(bp)
