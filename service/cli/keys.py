"""`python -m service keys create|list|revoke`: manage the API keys in the service's database.

`create` prints the new key once, alone on stdout (for scripts); only its hash is stored, so it
cannot be shown again. Keys take effect at once in every running process.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from service.config import Settings
from service.exit_codes import EXIT_FAILED, EXIT_OK
from service.keys import READ, WRITE, KeyStore


def add_parser(commands: Any) -> None:
    keys = commands.add_parser(
        "keys",
        help="create, list or revoke API keys",
        description="API keys: once one exists, every request to /v1 needs one "
        "(Authorization: Bearer <key>); with none, only clients on this machine are served.",
    )
    keys.add_argument("--database", default=None, help="store URL (default: SUMMARY_DATABASE_URL)")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a key and print it (once)")
    create.add_argument("name", help="who or what uses the key, e.g. 'ingest-bot'")
    create.add_argument(
        "--read-only", action="store_true", help="the key may read but not change anything"
    )
    create.set_defaults(run=_create)
    listing = actions.add_parser("list", help="show every key (never the key itself)")
    listing.set_defaults(run=_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", metavar="ID", help="the key's id (`keys list`)")
    revoke.set_defaults(run=_revoke)


def _keys(args: argparse.Namespace) -> KeyStore:
    from service.store import Store

    url = args.database or Settings.from_env().database_url
    store = Store(url)
    store.create_all()
    return KeyStore(store)


def _create(args: argparse.Namespace) -> int:
    new = _keys(args).create(args.name, READ if args.read_only else WRITE)
    print(new.secret)
    print(
        f"created key {new.key.id} ({new.key.name}, {new.key.scope}); it is shown only this once",
        file=sys.stderr,
    )
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    for key in _keys(args).list():
        state = "active" if key.active else f"revoked {_when(key.revoked_at)}"
        print(f"{key.id}  {key.scope:<5}  created {_when(key.created_at)}  {state:<28}  {key.name}")
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    if not _keys(args).revoke(args.key_id):
        print(f"error: no active key {args.key_id!r}", file=sys.stderr)
        return EXIT_FAILED
    print(f"revoked key {args.key_id}", file=sys.stderr)
    return EXIT_OK


def _when(moment: Any) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%SZ")
