"""Cut a document's sentences into chunks that fit a summarisation model's input.

Chunks are whole sentences, measured with the model's own tokenizer, because every summary sentence
must cite a sentence and a model must never be fed more tokens than it was trained on. A sentence
over the limit on its own is kept whole, as a chunk of its own, and reported as cut: the model reads
only its head. Splitting it at token boundaries instead would feed the model pieces that are
not sentences and that no citation could name.
"""

from __future__ import annotations

from collections.abc import Callable

from service.pipeline.types import Chunk, Sentence

CountTokens = Callable[[list[str]], list[int]]

# Sentences are joined with a space; allow one token per join in case the tokenizer spends one.
SEPARATOR_TOKENS = 1


def chunk_sentences(
    sentences: list[Sentence],
    count_tokens: CountTokens,
    max_tokens: int,
    overlap_sentences: int = 1,
    max_chunks: int | None = None,
) -> tuple[list[Chunk], bool]:
    """Pack consecutive sentences into chunks of at most `max_tokens` tokens.

    Each chunk after the first repeats the last `overlap_sentences` sentences of the one before,
    for context, when they leave room for new sentences. Returns the chunks and whether any text
    was cut: a sentence over the limit, or sentences past `max_chunks` that no chunk holds.
    """
    if max_tokens < 1 or overlap_sentences < 0:
        raise ValueError(
            f"need max_tokens > 0 and overlap_sentences >= 0, not "
            f"{max_tokens} and {overlap_sentences}"
        )
    lengths = count_tokens([sentence.text for sentence in sentences]) if sentences else []
    chunks: list[Chunk] = []
    cut = False
    following, overlap = 0, 0  # next sentence no chunk holds yet; overlap to carry into the next
    while following < len(sentences):
        if max_chunks is not None and len(chunks) >= max_chunks:
            return chunks, True
        members = _pack(lengths, following, overlap, max_tokens)
        tokens = _cost(lengths, members)
        carried = sum(1 for index in members if index < following)
        cut = cut or tokens > max_tokens
        chunks.append(_chunk(sentences, members, len(chunks), tokens, carried))
        following = members[-1] + 1
        overlap = min(overlap_sentences, len(members)) if tokens <= max_tokens else 0
    return chunks, cut


def _pack(lengths: list[int], first_new: int, overlap: int, max_tokens: int) -> list[int]:
    """Indices of one chunk: carried sentences that leave room, then as many new ones as fit."""
    for carried in range(overlap, -1, -1):
        members = list(range(first_new - carried, first_new))
        if _cost(lengths, [*members, first_new]) <= max_tokens:
            break
    else:
        return [first_new]  # over the limit alone: a chunk of its own, read from its head
    following = first_new
    while following < len(lengths) and _cost(lengths, [*members, following]) <= max_tokens:
        members.append(following)
        following += 1
    return members


def _cost(lengths: list[int], members: list[int]) -> int:
    """Tokens of the members joined into one input."""
    return sum(lengths[index] for index in members) + SEPARATOR_TOKENS * max(len(members) - 1, 0)


def _chunk(
    sentences: list[Sentence], members: list[int], index: int, tokens: int, overlap: int
) -> Chunk:
    first = sentences[members[0]]
    return Chunk(
        document_id=first.document_id,
        index=index,
        sentences=tuple(sentences[member] for member in members),
        tokens=tokens,
        overlap=overlap,
    )
