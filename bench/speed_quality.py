"""What dynamic int8 quantisation does to a transformer with trained weights, measured offline.

The speed benchmark's seq2seq model has random weights, so its int8 drift says little about
wording. all-MiniLM-L6-v2 (the service's embedder, real weights, no download) is quantised the
same way (`quantize_linear_int8`, every linear layer) and compared with itself in float32 on the
sentences of real news: how close each sentence's embedding stays (cosine), and whether the
extractive summariser, which ranks sentences by those embeddings, still picks the same ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def int8_on_trained_weights(files: list[Path], documents: int) -> dict[str, Any]:
    from service.pipeline.documents.cleaning import clean_document
    from service.pipeline.documents.sentences import split_sentences
    from service.pipeline.models.embeddings import Embedder
    from service.pipeline.summarisers.extractive import ExtractiveSummariser
    from service.pipeline.summarisers.seq2seq import quantize_linear_int8
    from service.pipeline.types import Document

    exact = Embedder(runtime="torch")
    quantised = Embedder(runtime="torch")
    # The same weights, int8: a quantised copy of the loaded model (quantize_dynamic copies it).
    quantised._model = quantize_linear_int8(exact.torch_model)
    if not any("quantized" in type(m).__module__ for m in quantised._model.modules()):
        raise SystemExit("int8 quantisation left MiniLM unchanged")

    cosines: list[float] = []
    same = 0
    for at, path in enumerate(files[:documents]):
        document = Document(str(at), path.read_text(encoding="utf-8"), "en")
        sentences = split_sentences(clean_document(document))
        texts = [s.text for s in sentences]
        cosines.extend(np.sum(exact.encode(texts) * quantised.encode(texts), axis=1).tolist())
        picks = [
            [
                s.text
                for s in ExtractiveSummariser(e).summarise(document, sentences, [], False).sentences
            ]
            for e in (exact, quantised)
        ]
        same += picks[0] == picks[1]
    return {
        "model": "all-MiniLM-L6-v2 (trained weights), every linear layer int8",
        "sentences": len(cosines),
        "mean_cosine": round(float(np.mean(cosines)), 4),
        "min_cosine": round(float(np.min(cosines)), 4),
        "documents": min(documents, len(files)),
        "same_extractive_summary": same,
    }
