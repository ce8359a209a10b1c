"""Ingest: what comes in, validated and stored.

`documents` validates documents and stores them (the one ingest path of the API and the command
line); `readers/` turn input formats into a document's text (`readers.html`: an HTML page).
"""
