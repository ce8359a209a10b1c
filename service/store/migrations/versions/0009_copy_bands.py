"""Every document's MinHash signature (`documents.minhash`) and each original's LSH band keys
(`document_bands`) recomputed from its stored text as ingest computes them
(`service/ingest/copies.py`), so that a new document is compared with every stored original that
shares a band with it. Documents stored before 0008, which had no signature, get one. (It was
written for 3-word shingles at 0.2; ingest kept 0008's 5 words at 0.5, which formulaic reports
need, and this revision makes 0008's shape, so the two agree.)

Only derived data changes: the text, `copy_of` and every other column are read, never written (a
document's copies stay as they were found). Downgrade recomputes both with 0008's constants.

The constants are frozen here, not imported, so that this revision always makes what it made:
words per shingle, and datasketch's (bands, rows per band) for the LSH threshold.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import numpy as np
import sqlalchemy as sa
from alembic import op
from datasketch import MinHash

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PERMUTATIONS = 128
SCHEME = "affine32"
BATCH = 500
_WORD = re.compile(r"\w+")


class Shape:
    def __init__(self, shingle_words: int, bands: int, rows: int) -> None:
        self.shingle_words, self.bands, self.rows = shingle_words, bands, rows


BEFORE = Shape(shingle_words=5, bands=25, rows=5)  # 0008: 5-word shingles, LSH at 0.5
AFTER = Shape(shingle_words=5, bands=25, rows=5)  # 0009: as 0008, candidates verified at ingest

documents = sa.table(
    "documents",
    sa.column("id", sa.String),
    sa.column("text", sa.Text),
    sa.column("copy_of", sa.String),
    sa.column("minhash", sa.JSON),
)
document_bands = sa.table("document_bands", sa.column("band", sa.String), sa.column("document_id"))


def _signature(text: str, shape: Shape) -> MinHash:
    words = _WORD.findall(text.lower())
    size = shape.shingle_words
    shingles = {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return minhash


def _bands(minhash: MinHash, shape: Shape) -> list[str]:
    if minhash.is_empty():
        return []
    values = np.asarray(minhash.hashvalues, dtype=np.uint64)
    rows = shape.rows
    keys = (
        f"{band}:" + hashlib.sha1(values[band * rows : (band + 1) * rows].tobytes()).hexdigest()
        for band in range(shape.bands)
    )
    return list(dict.fromkeys(keys))


def _batches(conn: sa.Connection) -> Iterator[list[sa.Row]]:  # type: ignore[type-arg]
    """Every document, BATCH at a time in ID order (keyset: no offset scans)."""
    last: str | None = None
    while True:
        query = sa.select(documents.c.id, documents.c.text, documents.c.copy_of)
        if last is not None:
            query = query.where(documents.c.id > last)
        rows = list(conn.execute(query.order_by(documents.c.id).limit(BATCH)))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _rebuild(shape: Shape) -> None:
    conn = op.get_bind()
    for rows in _batches(conn):
        ids = [row.id for row in rows]
        conn.execute(sa.delete(document_bands).where(document_bands.c.document_id.in_(ids)))
        keys = []
        for row in rows:
            minhash = _signature(row.text or "", shape)
            conn.execute(
                sa.update(documents)
                .where(documents.c.id == row.id)
                .values(minhash=[int(value) for value in minhash.hashvalues])
            )
            if row.copy_of is None:  # a copy is never an original: its bands are not kept
                keys += [{"band": b, "document_id": row.id} for b in _bands(minhash, shape)]
        if keys:
            conn.execute(sa.insert(document_bands), keys)


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
