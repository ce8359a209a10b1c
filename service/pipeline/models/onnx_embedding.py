"""A sentence-transformers embedding model as one ONNX graph, run by ONNX Runtime on CPU.
DEVELOPERS.md ("Design notes of the pipeline and ingest",
`service/pipeline/models/onnx_embedding.py`) says how and why.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from service.pipeline.models.runtimes import first_writable

log = logging.getLogger(__name__)

BUILD_VERSION = "1"  # bump whenever build() changes the graph it writes
OPSET = 17
MODEL_FILE = "model.onnx"
PADDING_SLACK, PADDING_TOKENS = 1.25, 2  # how much longer than a batch's first row a row may be
MIN_PROBE_COSINE = 0.9999  # a build whose probes drift more than this from torch is not kept
PROBES = [
    "Ukrainian troops captured two North Korean soldiers in the Kursk region.",
    "Prices rose.",
    "The central bank said on Tuesday that inflation, which reached 9.1% in June, would fall "
    "back towards its 2% target by the end of next year, though energy costs remain uncertain.",
]
TRANSFORMER = "sentence_transformers.models.Transformer"
POOLING = "sentence_transformers.models.Pooling"
NORMALIZE = "sentence_transformers.models.Normalize"


class UnsupportedModel(ValueError):
    """The model is not one this module exports (its modules are not Transformer + mean pool)."""


def check_supported(model_dir: Path) -> None:
    """Raise UnsupportedModel unless the folder is Transformer, mean Pooling [, Normalize]."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file():
        raise UnsupportedModel(f"no modules.json in {model_dir}")
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [module.get("type") for module in modules]
    if kinds not in ([TRANSFORMER, POOLING], [TRANSFORMER, POOLING, NORMALIZE]):
        raise UnsupportedModel(f"modules {kinds} are not a transformer with mean pooling")
    if modules[0].get("path"):
        raise UnsupportedModel("the transformer is not at the folder's top level")
    pooling = json.loads((model_dir / modules[1]["path"] / "config.json").read_text("utf-8"))
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode") and value}
    if modes != {"pooling_mode_mean_tokens"}:
        raise UnsupportedModel(f"pooling {sorted(modes)} is not mean pooling")


def sentence_config(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "sentence_bert_config.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def build_name(model_dir: Path, identity: str) -> str:
    """Folder name of a build: what the weights are, how they were built, and by which runtime."""
    import onnxruntime

    from service.pipeline.models.registry import weights_fingerprint

    parts = [identity, weights_fingerprint(model_dir), BUILD_VERSION, onnxruntime.__version__]
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"embedding-{digest}"


def ensure_built(model_dir: Path, identity: str, roots: list[Path]) -> Path:
    """The ONNX file for `model_dir`: found under any of `roots`, else built into the first one
    that can be written. Raises OSError when none can, whatever `build` raises when it fails."""
    name = build_name(model_dir, identity)
    for root in roots:
        found = root / name / MODEL_FILE
        if found.is_file():
            return found
    return build(model_dir, first_writable(roots, "the ONNX build") / name)


def build(model_dir: Path, dest: Path) -> Path:
    """Export, fuse, check against torch and keep `dest/model.onnx`. Two processes building at
    once each write their own temporary folder and rename it: the last one wins, whole."""
    check_supported(model_dir)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        model, pooled = _torch_model(model_dir)
        exported = work / "exported.onnx"
        _export(pooled, exported)
        final = work / MODEL_FILE
        _fuse(exported, final, model.config)
        exported.unlink()
        _check(final, model_dir, pooled)
        work.chmod(0o755)  # mkdtemp's 0700 would hide a build made as root from the service user
        try:
            os.replace(work, dest)
        except OSError:  # another process kept its build first (the folder is not empty)
            if not (dest / MODEL_FILE).is_file():
                raise
        log.info("built ONNX embedding model %s in %.1fs", dest, time.monotonic() - started)
        return dest / MODEL_FILE
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _torch_model(model_dir: Path) -> tuple[Any, Any]:
    """The transformer (eager attention: the pattern ONNX Runtime's optimiser fuses) wrapped with
    sentence-transformers' mean pooling and normalisation."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar per load is noise in a service log
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    ).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return model, Pooled().eval()


def _export(pooled: Any, path: Path) -> None:
    import warnings

    import torch

    # A padded example, so that the trace keeps the attention mask's path.
    ids = torch.full((2, 12), 101, dtype=torch.long)
    mask = torch.ones((2, 12), dtype=torch.long)
    mask[1, 7:] = 0
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about shapes held constant: checked below
        torch.onnx.export(
            pooled,
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript, and the graph the fuser knows
        )


def _fuse(exported: Path, final: Path, config: Any) -> None:
    """BERT-family graphs get ONNX Runtime's fused attention, skip-layer-norm and GELU kernels;
    any other (or a fuser that fails) is kept as exported, for the session's own optimiser."""
    if getattr(config, "model_type", "") == "bert":
        try:
            from onnxruntime.transformers import optimizer

            fused = optimizer.optimize_model(
                str(exported),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
                opt_level=0,
            )
            fused.save_model_to_file(str(final))
            return
        except Exception as exc:  # the fuser is best effort: the plain graph is as exact
            log.warning("ONNX Runtime could not fuse the embedding graph (%s); kept unfused", exc)
    shutil.copyfile(exported, final)


def _check(path: Path, model_dir: Path, pooled: Any) -> None:
    """The build must embed the probes, alone and padded together, as torch does."""
    import torch

    encoder = OnnxEncoder(path, model_dir, threads=1)
    tokens = encoder.tokenizer(PROBES, padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        expected = pooled(tokens["input_ids"], tokens["attention_mask"]).numpy()
    together = encoder.encode(PROBES)
    alone = np.concatenate([encoder.encode([text]) for text in PROBES])
    worst = float(min(np.sum(expected * together, 1).min(), np.sum(expected * alone, 1).min()))
    if worst < MIN_PROBE_COSINE:
        raise ValueError(f"ONNX build drifts from torch (cosine {worst:.6f})")


class OnnxEncoder:
    """Tokenise once, sort by length, run length-bucketed batches through one ONNX session."""

    def __init__(self, path: Path, model_dir: Path, threads: int, batch_size: int = 64) -> None:
        import onnxruntime
        from transformers import AutoConfig, AutoTokenizer

        self.path = path
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        config = AutoConfig.from_pretrained(str(model_dir), local_files_only=True)
        settings = sentence_config(model_dir)
        limits = [settings.get("max_seq_length"), config.max_position_embeddings]
        self.max_seq_length = min(int(limit) for limit in limits if limit)
        self.lowercase = bool(settings.get("do_lower_case"))
        self.dimension = int(config.hidden_size)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = max(threads, 1)
        options.inter_op_num_threads = 1
        # Threads sleep between calls instead of spinning: the cores are shared with the
        # service's other threads (and, on small hosts, other processes).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, in the order given."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        cleaned = [str(text).strip() for text in texts]  # as sentence-transformers tokenises
        if self.lowercase:
            cleaned = [text.lower() for text in cleaned]
        ids = self.tokenizer(cleaned, truncation=True, max_length=self.max_seq_length)["input_ids"]
        pad = self.tokenizer.pad_token_id or 0
        for rows in length_batches([len(row) for row in ids], self.batch_size):
            width = len(ids[rows[-1]])
            input_ids = np.full((len(rows), width), pad, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for at, row in enumerate(rows):
                input_ids[at, : len(ids[row])] = ids[row]
                mask[at, : len(ids[row])] = 1
            feeds = {"input_ids": input_ids, "attention_mask": mask}
            out[rows] = self.session.run(None, feeds)[0]
        return out


def length_batches(lengths: list[int], most: int) -> list[list[int]]:
    """Rows in batches of similar length, shortest first: a batch closes at `most` rows or when the
    next row is over `PADDING_SLACK` times its first row's length (plus a few tokens), so padding
    stays small. A padded token costs what a real one does, and one sentence of a document's 16 is
    often three times the length of the median: padding to it (one batch per call, as
    sentence-transformers does) spent about half the work of a per-document call on padding."""
    order = sorted(range(len(lengths)), key=lambda row: lengths[row])
    batches: list[list[int]] = []
    batch: list[int] = []
    for row in order:
        too_long = batch and lengths[row] > PADDING_SLACK * lengths[batch[0]] + PADDING_TOKENS
        if batch and (len(batch) >= most or too_long):
            batches.append(batch)
            batch = []
        batch.append(row)
    if batch:
        batches.append(batch)
    return batches
