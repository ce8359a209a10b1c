"""`python -m service keys create|list|revoke` against the database a running app uses."""

from __future__ import annotations

from service.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_made_on_the_command_line_open_the_api(client, database_url, capsys, expect_error):
    code, out, err = run(capsys, "keys", "--database", database_url, "create", "ingest-bot")
    assert code == 0 and "shown only this once" in err
    writer = out.strip()
    assert writer.startswith("sk_") and len(out.splitlines()) == 1
    code, out, _ = run(capsys, "keys", "--database", database_url, "create", "dash", "--read-only")
    reader = out.strip()

    expect_error(client.get("/v1/documents"), 401, "unauthorized")
    auth = {"Authorization": f"Bearer {writer}"}
    body = {"text": "The river flooded the valley on Monday. Roads were closed."}
    assert client.post("/v1/documents", json=body, headers=auth).status_code == 201
    read_only = {"Authorization": f"Bearer {reader}"}
    expect_error(client.post("/v1/documents", json=body, headers=read_only), 403, "read_only_key")

    code, out, _ = run(capsys, "keys", "--database", database_url, "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert writer not in out and reader not in out  # never the key itself
    writer_id = writer.split("_")[1]
    assert any(line.startswith(writer_id) and "ingest-bot" in line for line in lines)

    code, _, err = run(capsys, "keys", "--database", database_url, "revoke", writer_id)
    assert code == 0 and writer_id in err
    expect_error(client.get("/v1/documents", headers=auth), 401, "unauthorized")
    assert client.get("/v1/documents", headers=read_only).status_code == 200
    code, _, err = run(capsys, "keys", "--database", database_url, "revoke", writer_id)
    assert code == 1 and "no active key" in err
    code, out, _ = run(capsys, "keys", "--database", database_url, "list")
    assert "revoked" in next(line for line in out.splitlines() if line.startswith(writer_id))
