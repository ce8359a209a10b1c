"""The command line: help, one-line errors with reliable exit codes, reading files and folders,
the progress bar, and the output formats. Runs that load a model are marked slow."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from service.brief_request import MAX_MAX_WORDS, MIN_MAX_WORDS
from service.cli import UsageError, main
from service.cli import brief as cli
from service.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from service.ingest.readers.html import html_to_text
from tests.seeds import CORPUS, load_seeds
from tests.web.samples import HOSTILE_HTML, HOSTILE_HTML_TEXT, HOSTILE_HTML_TITLE


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _one_line_error(captured: pytest.CaptureResult[str]) -> str:
    assert captured.out == ""
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    return captured.err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], ["brief", "serve", "models", "exit codes", "130"]),
        (["brief"], ["--format", "--max-words", "--model", "--language", "--database", ".html"]),
        (["serve"], ["--bind", "--workers", "--threads"]),
        (["models"], ["fetch", "list"]),
        (["models", "fetch"], ["--dest", "--language"]),
    ],
)
def test_help_explains_each_command(argv, words, capsys):
    assert main([*argv, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    for word in words:
        assert word in out, (argv, word)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required: COMMAND"),
        (["summarise"], "invalid choice: 'summarise'"),
        (["brief"], "required: PATH"),
        (["brief", "x", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["brief", "x", "--max-words", "5"], "5 is not from 20 to 2000"),
        (["brief", "x", "--max-words", "many"], "'many' is not a whole number"),
        (["brief", "x", "--colour"], "unrecognized arguments: --colour"),
        (["models"], "required: ACTION"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == EXIT_USAGE
    error = _one_line_error(capsys.readouterr())
    assert message in error and "--help" in error


@pytest.mark.parametrize("words", [MIN_MAX_WORDS - 1, MAX_MAX_WORDS + 1])
def test_the_length_limits_are_those_of_the_brief_request(words, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    assert main(["brief", "--max-words", str(words), str(tmp_path / "a.txt")]) == EXIT_USAGE
    error = _one_line_error(capsys.readouterr())
    assert f"is not from {MIN_MAX_WORDS} to {MAX_MAX_WORDS}" in error


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def test_a_folder_stands_for_its_text_markdown_and_html_files(tmp_path):
    root = _tree(
        tmp_path / "in",
        {
            "b.txt": "B text.",
            "a.md": "# A\n\nA text.",
            "sub/c.html": "<p>C text.</p>",
            "sub/d.htm": "<p>D text.</p>",
            "notes.pdf": b"%PDF",
            ".hidden/e.txt": "hidden",
            ".f.txt": "hidden too",
        },
    )
    found = cli.collect_files([root])
    assert [p.relative_to(root).as_posix() for p in found] == [
        "a.md",
        "b.txt",
        "sub/c.html",
        "sub/d.htm",
    ]
    # A file named twice, or also inside a named folder, is read once; explicit files in order.
    again = cli.collect_files([root / "sub" / "d.htm", root, root / "b.txt"])
    assert [p.name for p in again] == ["d.htm", "a.md", "b.txt", "c.html"]


def test_missing_paths_and_empty_folders_are_usage_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no such file or folder"):
        cli.collect_files([tmp_path / "nope.txt"])
    with pytest.raises(
        UsageError, match=r"no \.txt, \.md, \.html, \.jsonl or feed files in this folder"
    ):
        cli.collect_files([tmp_path / "empty"])


def test_files_become_documents_named_after_them(tmp_path):
    root = _tree(
        tmp_path,
        {
            "2024 report (final).txt": "\ufeffA report.",
            "page.html": HOSTILE_HTML,
        },
    )
    documents = cli.read_documents(sorted(root.iterdir()), "fr")
    assert documents == [
        {"id": "2024-report-final", "text": "A report.", "language": "fr"},
        {"id": "page", "html": HOSTILE_HTML, "language": "fr"},
    ]


def test_a_json_lines_file_is_one_document_a_line_in_the_api_shape(tmp_path):
    export = tmp_path / "desk.jsonl"
    rows = [
        {"id": "a", "text": "Troops landed.", "title": "Landing", "published": "2024-12-16"},
        {"text": "No ID here.", "url": "https://example.org/2024/12/17/x"},
    ]
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    where: list[str] = []
    documents = cli.read_documents([export], None, where)
    assert documents == [rows[0], {**rows[1], "id": "desk-2"}]
    assert where == [f"{export}:1", f"{export}:2"]
    assert cli.collect_files([tmp_path]) == [export]


def test_a_bad_json_lines_file_is_a_usage_error_naming_its_line(tmp_path):
    export = tmp_path / "desk.jsonl"
    export.write_text('{"id": "a", "text": "x"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"desk\.jsonl:2: a line must be a JSON object"):
        cli.read_documents([export], None)
    export.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"desk\.jsonl:1 and .*desk\.jsonl:2 would both be"):
        cli.read_documents([export], None)
    export.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"desk\.jsonl:1: not JSON"):
        cli.read_documents([export], None)


def test_the_old_reader_strips_html_tags():
    """The tag-stripping reader, now only the `old` baseline of `python -m bench pages`."""
    page = html_to_text(HOSTILE_HTML)
    assert (page.text, page.title) == (HOSTILE_HTML_TEXT, HOSTILE_HTML_TITLE)
    assert html_to_text("<p>Unclosed <button>x <b>y</b><p>z").text == "Unclosed"
    assert html_to_text("<h1>Head</h1><p>x</p>").title == "Head"


def test_an_html_file_is_briefed_as_its_article(tmp_path, capsys):
    """The page's navigation is not in the brief; its <h1> is the document's title."""
    root = _tree(tmp_path, {"page.html": HOSTILE_HTML})
    assert main(["brief", "--format", "json", "--stories", "one", str(root)]) == 0
    brief = json.loads(capsys.readouterr().out)["brief"]
    text = " ".join(s["text"] for s in brief["sentences"])
    assert "flooded the northern valley" in text and "Home | World" not in text


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.txt": b"caf\xe9"}, "a.txt: not UTF-8 text"),
        ({"a.txt": " \n\t"}, "a.txt: there is no text in it"),
        ({"a.html": "<script>x</script>"}, "a.html: no article text was found in the page"),
        ({"x/a.txt": "One.", "y/a.md": "Two."}, "would both be document 'a'; rename one"),
    ],
)
def test_bad_files_are_named_in_the_error(tmp_path, files, message, capsys):
    root = _tree(tmp_path, files)
    assert main(["brief", str(root)]) == EXIT_USAGE
    assert message in _one_line_error(capsys.readouterr())


def test_a_document_the_service_refuses_names_its_file(tmp_path, monkeypatch, capsys):
    """Checked before any model loads: a bad corpus fails at once."""
    monkeypatch.setenv("SUMMARY_MAX_DOCUMENT_BYTES", "20")
    root = _tree(tmp_path, {"a.txt": "Short.", "b.txt": "A text over twenty bytes long."})
    assert main(["brief", str(root)]) == EXIT_USAGE
    error = _one_line_error(capsys.readouterr())
    assert error == f"error: {root / 'b.txt'}: 30 bytes of UTF-8, over the limit of 20\n"


def test_an_interruption_exits_130(monkeypatch, capsys):
    def interrupted(paths):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "collect_files", interrupted)
    assert main(["brief", "x"]) == EXIT_INTERRUPTED
    assert _one_line_error(capsys.readouterr()) == "error: interrupted\n"


@pytest.mark.parametrize(("total", "tty", "shown"), [(5, True, True), (3, True, False)])
def test_a_progress_bar_only_on_a_terminal_and_long_corpora(total, tty, shown, monkeypatch):
    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    with cli.progress_bar(total, delay=0) as on_progress:
        assert (on_progress is not None) is shown
        if on_progress is not None:
            for done in range(total + 1):
                on_progress(done, total, "summarising")
            on_progress(total, total, "merging")
    if shown:
        assert f"merging: 100%|##########| {total}/{total}" in stderr.getvalue()
    else:
        assert stderr.getvalue() == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with cli.progress_bar(50, delay=0) as on_progress:
        assert on_progress is None


JOB = {
    "id": "j1",
    "status": "done",
    "brief": {
        "sentences": [
            {
                "text": "Troops crossed.",
                "citations": [
                    {"document_id": "a", "start": 0, "end": 15},
                    {"document_id": "b", "start": 4, "end": 19},
                ],
            }
        ],
        "text": "Troops crossed. [a][b]",
        "markdown": "## Brief\n\n- Troops crossed.[^1][^2]\n\n[^1]: Document `a`.\n",
        "documents": ["a", "b"],
        "models": [{"name": "m", "kind": "extractive"}],
        "words": 2,
        "notes": ["document 'c' could not be summarised"],
        "disagreements": [
            {
                "about": "troops",
                "figures": [
                    {"value": "11,000", "citations": [{"document_id": "a", "start": 0, "end": 5}]},
                    {"value": "12,000", "citations": [{"document_id": "b", "start": 1, "end": 9}]},
                ],
            }
        ],
    },
}


def test_the_formats():
    assert cli.render(JOB, "text") == (
        "Troops crossed. [a][b]\n\n"
        "Where sources differ:\n"
        "- troops: 11,000 [a]; 12,000 [b]\n\n"
        "(2 words from 2 documents; extractive m)\n"
        "document 'c' could not be summarised"
    )
    assert cli.render(JOB, "md") == JOB["brief"]["markdown"].rstrip("\n")
    assert json.loads(cli.render(JOB, "json")) == JOB
    without = {**JOB, "brief": {k: v for k, v in JOB["brief"].items() if k != "disagreements"}}
    assert "differ" not in cli.render(without, "text")


@pytest.mark.slow
def test_a_brief_of_the_seeds_with_a_progress_bar(monkeypatch, capsys):
    monkeypatch.setenv("SUMMARY_SUMMARISER", "extractive")
    monkeypatch.setattr(cli, "progress_bar", _eager_bar(cli.progress_bar))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["brief", str(CORPUS), "--format", "md", "--max-words", "120"]) == EXIT_OK
    markdown = capsys.readouterr().out
    assert markdown.startswith("## Brief") and "[^1]:" in markdown
    cited = {line.split("`")[1] for line in markdown.splitlines() if line.startswith("[^")}
    assert cited and cited <= set(load_seeds())
    bar = terminal.getvalue()
    assert f"{len(load_seeds())}/{len(load_seeds())}" in bar and "merging" in bar


@pytest.mark.slow
def test_a_brief_where_every_document_fails_exits_1(monkeypatch, capsys):
    from service.pipeline.summarisers.extractive import ExtractiveSummariser

    def broken(self, items):
        raise RuntimeError("the model fell over")

    monkeypatch.setenv("SUMMARY_SUMMARISER", "extractive")
    monkeypatch.setattr(ExtractiveSummariser, "summarise_many", broken)
    assert main(["brief", str(CORPUS)]) == EXIT_FAILED
    error = _one_line_error(capsys.readouterr())
    assert error.startswith("error: the brief failed: ") and "the model fell over" in error


def _eager_bar(progress_bar):
    """The real bar, drawn at once (the default waits half a second before drawing)."""

    def eager(total: int, delay: float = 0.5):
        return progress_bar(total, delay=0)

    return eager


def test_a_feed_file_is_a_document_per_entry(tmp_path, capsys):
    from tests.api.test_pages import RSS

    root = _tree(tmp_path, {"valley.rss": RSS, "bad.xml": "<html><body>x</body></html>"})
    documents = cli.read_documents([root / "valley.rss"], None)
    assert [d["title"] for d in documents] == ["Council approves budget", "Bridge closed"]
    assert all(d["id"].startswith("feed-") for d in documents)
    assert main(["brief", str(root / "bad.xml")]) == EXIT_USAGE
    assert "bad.xml: not an RSS or Atom feed" in _one_line_error(capsys.readouterr())


def test_one_story_on_three_sites_is_one_source(tmp_path, capsys):
    """The same wire copy on three sites (furniture, a new headline, a paragraph cut) and a
    different story: the brief cites the first site only, counts one source per sentence, and
    lists where the story was republished."""
    from tests.api.test_pages import WIRE

    lines = WIRE.split("\n")
    files = {
        "a-site.txt": WIRE,
        "b-site.txt": "Home | News | Weather\n" + WIRE + "\nRelated stories",
        "c-site.txt": "\n".join(["Valley cut off by floods", *lines[:3], *lines[4:]]),
    }
    root = _tree(tmp_path, files)
    assert main(["brief", "--format", "json", "--stories", "one", str(root)]) == 0
    brief = json.loads(capsys.readouterr().out)["brief"]
    assert brief["republished"] == [{"document_id": "a-site", "copies": ["b-site", "c-site"]}]
    cited = {c["document_id"] for s in brief["sentences"] for c in s["citations"]}
    assert cited == {"a-site"} and all(s["sources"] == 1 for s in brief["sentences"])
    assert "a-site: also published as b-site, c-site" in " ".join(brief["notes"])
