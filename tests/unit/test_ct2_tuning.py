"""Seq2seq batching measured on the machine at the first load, kept beside the converted model."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from service.pipeline.documents.chunking import chunk_sentences
from service.pipeline.models import ct2_tuning, runtimes
from service.pipeline.models.ct2_tuning import MARGIN, Plan, candidates, choose
from service.pipeline.models.embeddings import Embedder
from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser


def test_candidates_cover_one_chunk_per_call_and_a_worker_per_core() -> None:
    assert candidates(1, 4) == [(1, 1, 1), (2, 1, 1), (4, 1, 1)]
    found = candidates(2, 4)
    assert (1, 2, 1) in found  # one document per call on every core: always measured
    assert (1, 1, 2) in found and (2, 1, 2) in found
    assert (4, 1, 2) not in found  # 4 probes make one batch of 4: the second worker would idle


def test_the_baseline_is_kept_unless_another_is_clearly_faster() -> None:
    baseline, batched, workers = (1, 2, 1), (4, 2, 1), (1, 1, 2)
    assert choose({baseline: 10.0, batched: 12.0, workers: 11.0}, 2) == baseline
    assert choose({baseline: 10.0, batched: 10.0 / (MARGIN * 0.99), workers: 11.0}, 2) == baseline
    assert choose({baseline: 10.0, batched: 6.0, workers: 7.0}, 2) == batched
    assert choose({baseline: 10.0, batched: 12.0, workers: 5.0}, 2) == workers


def test_a_plan_is_stored_per_machine_and_read_back(tmp_path: Path) -> None:
    calls: list[tuple[int, int, int]] = []

    def make_run(batch: int, intra: int, inter: int):  # type: ignore[no-untyped-def]
        calls.append((batch, intra, inter))
        return lambda: sum(range(1000 * batch))

    first = ct2_tuning.tuned(tmp_path, 2, make_run)
    assert first.source == ct2_tuning.MEASURED
    assert set(first.figures) == {ct2_tuning.candidate_label(*c) for c in candidates(2, 4)}
    stored = json.loads((tmp_path / ct2_tuning.TUNING_FILE).read_text(encoding="utf-8"))
    assert list(stored["machines"]) == [ct2_tuning.machine_key(2)]
    calls.clear()
    again = ct2_tuning.tuned(tmp_path, 2, make_run)
    assert calls == []  # measured once per machine
    assert (again.source, again.label, again.figures) == (
        ct2_tuning.STORED,
        first.label,
        first.figures,
    )
    other_cores = ct2_tuning.tuned(tmp_path, 1, make_run)  # another machine's key: measured
    assert other_cores.source == ct2_tuning.MEASURED and calls
    kept = json.loads((tmp_path / ct2_tuning.TUNING_FILE).read_text(encoding="utf-8"))
    assert len(kept["machines"]) == 2  # each machine's measurement kept, as measured
    assert {plan["source"] for plan in kept["machines"].values()} == {ct2_tuning.MEASURED}
    setting = ct2_tuning.tuned(tmp_path, 2, make_run, setting=3)
    assert (setting.source, setting.chunks_per_batch, setting.inter_threads) == ("setting", 3, 1)


def test_an_unreadable_or_outdated_file_is_measured_again(tmp_path: Path) -> None:
    path = tmp_path / ct2_tuning.TUNING_FILE
    path.write_text("{not json", encoding="utf-8")
    assert ct2_tuning.read_plans(path) == {}
    path.write_text(json.dumps({"version": 0, "machines": {"x": {}}}), encoding="utf-8")
    assert ct2_tuning.read_plans(path) == {}


def test_a_plan_sizes_its_calls() -> None:
    plan = Plan(2, 1, 2)
    assert (plan.chunks_per_call, plan.documents_per_call) == (4, 8)
    assert Plan(1, 2, 1).documents_per_call == 2


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Conversions and their measurements in this test's folder, not the checkout's."""
    root = tmp_path / "runtimes"
    monkeypatch.setattr(runtimes, "cache_roots", lambda: [root])
    monkeypatch.setattr(ct2_tuning, "ACTIVE", {})
    return root


@pytest.fixture(autouse=True)
def two_threads():  # type: ignore[no-untyped-def]
    """Model threads are part of the machine's key: the same for every load of a test."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_the_first_load_measures_and_later_loads_read_it(
    tiny_seq2seq_dir: Path, own_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ct2_tuning.__name__):
        first = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2")
        first.load()
    assert first.generator == "ctranslate2" and first.plan is not None
    assert first.plan.source == ct2_tuning.MEASURED
    assert any("seq2seq batching" in record.message for record in caplog.records)
    (tuning,) = own_cache.glob(f"*/{ct2_tuning.TUNING_FILE}")  # beside the converted model
    assert (tuning.parent / "model.bin").is_file()
    assert first.batch_size == first.plan.chunks_per_batch
    assert first.documents_per_call == first.plan.documents_per_call

    second = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2")
    assert second.documents_per_call == first.plan.documents_per_call, second.plan  # loads
    assert second.plan is not None and second.plan.source == ct2_tuning.STORED

    overridden = Seq2SeqSummariser(
        str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2", batch_size=3
    )
    overridden.load()
    assert overridden.plan is not None and overridden.plan.source == ct2_tuning.SETTING
    assert (overridden.batch_size, overridden.documents_per_call) == (3, 6)


def test_metrics_serve_the_plan_and_its_figures(tiny_seq2seq_dir: Path, own_cache: Path) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from service.observability.metrics import Seq2SeqBatchingCollector

    summariser = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2")
    summariser.load()
    assert summariser.plan is not None
    registry = CollectorRegistry()
    registry.register(Seq2SeqBatchingCollector())
    text = generate_latest(registry).decode()
    name = summariser.info.name
    plan = summariser.plan
    assert (
        f'summary_seq2seq_batching{{model="{name}",setting="chunks_per_batch",'
        f'source="measured"}} {float(plan.chunks_per_batch)}' in text
    )
    chosen = [line for line in text.splitlines() if 'chosen="1"' in line]
    assert len(chosen) == 1 and f'candidate="{plan.label}"' in chosen[0]
    assert text.count("summary_seq2seq_batching_probe_rate{") == len(plan.figures)


@pytest.mark.slow
@pytest.mark.parametrize("batch,intra,inter", candidates(2, 4))
def test_every_candidate_generates_what_generate_does(
    seeds, tiny_seq2seq_dir: Path, own_cache: Path, batch: int, intra: int, inter: int
) -> None:
    """Whichever way a machine measures fastest, the tokens are torch generate()'s."""
    from service.pipeline.models.ct2_seq2seq import Ct2Generator
    from service.pipeline.summarisers.seq2seq import _generation_config

    exact = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="torch")
    fast = Seq2SeqSummariser(str(tiny_seq2seq_dir), Embedder(), engine="ctranslate2")
    fast.load()
    assert fast._ct2 is not None
    chunks = []
    for _document, sentences in seeds:
        found, _ = chunk_sentences(sentences, exact.count_tokens, exact.max_input_tokens)
        chunks.extend(found)
    chunks = chunks[:9]
    assert len({chunk.tokens for chunk in chunks}) > 1  # padding is exercised
    fast._ct2 = Ct2Generator(
        next(own_cache.glob("ct2-*")),
        fast._checkpoint().tokenizer,
        _generation_config(str(tiny_seq2seq_dir), {}),
        intra,
        inter,
    )
    fast._ct2.max_batch_size = batch
    inputs = exact.preprocess(chunks)
    pad = exact._checkpoint().tokenizer.pad_token_id

    def rows(output) -> list[list[int]]:  # type: ignore[no-untyped-def]
        return [[t for t in row if t != pad] for row in output.tolist()]

    alone = [rows(exact._forward(exact.preprocess([chunk])))[0] for chunk in chunks]
    assert rows(fast._forward(inputs)) == alone
