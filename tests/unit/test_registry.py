"""The model registry, local weights, fetching, and which summariser each mode picks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import huggingface_hub
import pytest
from huggingface_hub import constants as hub_constants

from service.config import REPO_ROOT, Settings
from service.pipeline.models.embeddings import Embedder
from service.pipeline.models.registry import (
    ModelEntry,
    ModelLoadError,
    entry_for_language,
    fetch_weights,
    load_registry,
    local_weights_dir,
    wanted_files,
    weights_available,
)
from service.pipeline.summarisers.choice import SummariserChoice
from service.pipeline.summarisers.extractive import ExtractiveSummariser
from service.pipeline.summarisers.seq2seq import Seq2SeqSummariser

DISTILBART = "sshleifer/distilbart-cnn-12-6"
MT5 = "csebuetnlp/mT5_multilingual_XLSum"


def settings(**overrides: Any) -> Settings:
    return Settings.from_env(overrides=overrides, environ={})


@pytest.fixture
def hub_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a machine without internet sees, at once rather than after minutes of retries."""
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)


@pytest.fixture
def empty_models_dir(tmp_path: Path) -> Path:
    """The real registry, with no weights fetched."""
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(REPO_ROOT / "models" / "registry.toml", models / "registry.toml")
    return models


# The registry ------------------------------------------------------------------------------------


def test_the_registry_pins_each_checkpoint_with_its_licence() -> None:
    entries = {entry.name: entry for entry in load_registry(REPO_ROOT / "models")}
    assert set(entries) == {DISTILBART, MT5}
    for entry in entries.values():
        assert re.fullmatch(r"[0-9a-f]{40}", entry.revision), entry.revision
        assert entry.note and entry.max_input_tokens
    assert entries[DISTILBART].licence == "apache-2.0"
    assert entries[MT5].licence == "cc-by-nc-sa-4.0"
    assert entries[MT5].prefix == ""
    assert len(entries[MT5].languages) == 44  # XL-Sum's 45, Serbian's two scripts as one code


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", DISTILBART),
        ("EN_gb", DISTILBART),
        ("fr", MT5),
        ("pt-BR", MT5),
        ("zh-tw", MT5),
        ("zh", MT5),
        ("ar", MT5),
        ("de", None),
        ("cs", None),
        ("und", None),
    ],
)
def test_each_language_has_its_model_or_none(language: str, name: str | None) -> None:
    entry = entry_for_language(language, load_registry(REPO_ROOT / "models"))
    assert (entry.name if entry else None) == name


def test_a_malformed_registry_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "registry.toml").write_text('[[model]]\nname = "x/y"\n')
    with pytest.raises(ValueError, match=re.escape(str(tmp_path / "registry.toml"))):
        load_registry(tmp_path)
    (tmp_path / "registry.toml").write_text(
        '[[model]]\nname = "x/y"\nrevision = "r"\nlicence = "mit"\nlanguages = ["en"]\n'
        "[model.generation]\ntemperature = 0.5\n"
    )
    with pytest.raises(ValueError, match="temperature"):
        load_registry(tmp_path)


def test_weights_live_under_the_models_folder() -> None:
    entry = load_registry(REPO_ROOT / "models")[0]
    expected = Path("/srv/models/weights/sshleifer--distilbart-cnn-12-6")
    assert local_weights_dir("/srv/models", entry) == expected


def test_weights_are_available_only_with_config_tokenizer_and_weights(tmp_path: Path) -> None:
    assert not weights_available(tmp_path / "missing")
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "spiece.model").write_bytes(b"x")
    assert not weights_available(tmp_path)
    (tmp_path / "training_args.bin").write_bytes(b"x")
    assert not weights_available(tmp_path)
    (tmp_path / "pytorch_model.bin").write_bytes(b"x")
    assert weights_available(tmp_path)
    (tmp_path / "spiece.model").unlink()
    assert not weights_available(tmp_path)


def test_only_config_tokenizer_and_one_weights_format_are_fetched() -> None:
    files = [
        "README.md", "config.json", "tokenizer_config.json", "vocab.json", "merges.txt",
        "pytorch_model.bin", "model.safetensors", "tf_model.h5", "flax_model.msgpack",
        "rust_model.ot", "onnx/model.onnx", "onnx/config.json", "training_args.bin",
    ]  # fmt: skip
    assert wanted_files(files) == [
        "config.json", "merges.txt", "model.safetensors", "tokenizer_config.json", "vocab.json",
    ]  # fmt: skip
    assert "pytorch_model.bin" in wanted_files(["config.json", "pytorch_model.bin"])


def test_fetching_offline_says_what_failed_and_why(tmp_path: Path, hub_offline: None) -> None:
    entry = load_registry(REPO_ROOT / "models")[0]
    with pytest.raises(ModelLoadError) as raised:
        fetch_weights(entry, tmp_path / "weights")
    message = str(raised.value)
    assert DISTILBART in message and entry.revision in message
    assert "HF_HUB_OFFLINE" in message and str(tmp_path / "weights") in message


def test_fetching_downloads_the_pinned_revision(tmp_path: Path, monkeypatch, tiny_seq2seq_dir):
    entry = ModelEntry("owner/model", "0" * 40, "mit", ("en",))
    asked: dict[str, Any] = {}

    def snapshot_download(**arguments: Any) -> str:
        asked.update(arguments)
        shutil.copytree(tiny_seq2seq_dir, arguments["local_dir"])
        return str(arguments["local_dir"])

    listing = ["config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin"]
    monkeypatch.setattr(huggingface_hub, "list_repo_files", lambda name, revision: listing)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    folder = fetch_weights(entry, tmp_path / "weights")
    assert folder == tmp_path / "weights" and weights_available(folder)
    assert (asked["repo_id"], asked["revision"]) == ("owner/model", "0" * 40)
    assert asked["allow_patterns"] == ["config.json", "model.safetensors", "tokenizer.json"]


# Choosing a summariser ---------------------------------------------------------------------------


def test_auto_is_extractive_where_no_weights_are_local(empty_models_dir: Path) -> None:
    choice = SummariserChoice(settings(models_dir=str(empty_models_dir)), Embedder())
    for language in ("en", "fr", "de", "und"):
        assert isinstance(choice.for_language(language), ExtractiveSummariser)
    assert choice.for_language("en") is choice.for_language("fr")  # one instance per model
    described = choice.describe()
    assert described["mode"] == "auto"
    assert {group["kind"] for group in described["models"]} == {"extractive"}
    english = next(group for group in described["models"] if "en" in group["languages"])
    assert english["languages"] == ["en"]
    wanted = "weights/sshleifer--distilbart-cnn-12-6 of the models directory"
    assert english["reason"] == f"{DISTILBART} is not fetched to {wanted}"  # no absolute path


def test_auto_uses_seq2seq_where_weights_are_local(tiny_models_dir: Path) -> None:
    choice = SummariserChoice(settings(models_dir=str(tiny_models_dir)), Embedder())
    english = choice.for_language("en")
    assert isinstance(english, Seq2SeqSummariser)
    assert english.info.name == DISTILBART
    assert english.info.revision == load_registry(tiny_models_dir)[0].revision
    assert english.max_input_tokens == 126  # loads the tiny tokenizer: the local folder is used
    assert isinstance(choice.for_language("fr"), ExtractiveSummariser)  # mT5 is not fetched
    described = choice.describe()
    seq2seq = [group for group in described["models"] if group["kind"] == "seq2seq"]
    assert [(group["model"], group["languages"]) for group in seq2seq] == [(DISTILBART, ["en"])]
    assert seq2seq[0]["source"] == "weights/sshleifer--distilbart-cnn-12-6"  # in the models dir
    assert english.source == str(tiny_models_dir / "weights" / "sshleifer--distilbart-cnn-12-6")
    assert described["other_languages"]["kind"] == "extractive"


def test_auto_takes_a_configured_local_checkpoint_for_every_language(tiny_seq2seq_dir) -> None:
    choice = SummariserChoice(settings(seq2seq_model=str(tiny_seq2seq_dir)), Embedder())
    assert isinstance(choice.for_language("de"), Seq2SeqSummariser)
    assert choice.for_language("de") is choice.for_language("en")
    described = choice.describe()["other_languages"]
    assert described["source"] == described["model"] == tiny_seq2seq_dir.name  # not its full path
    assert described["revision"] == choice.for_language("en").info.revision


def test_auto_does_not_reach_for_a_configured_hub_model() -> None:
    choice = SummariserChoice(settings(seq2seq_model=DISTILBART), Embedder())
    assert isinstance(choice.for_language("en"), ExtractiveSummariser)
    assert "no local weights" in choice.describe()["other_languages"]["reason"]


def test_extractive_mode_needs_no_registry(tmp_path: Path) -> None:
    choice = SummariserChoice(
        settings(summariser="extractive", models_dir=str(tmp_path)), Embedder()
    )
    assert isinstance(choice.for_language("en"), ExtractiveSummariser)


def test_the_summary_length_setting_reaches_the_cache_key(tiny_models_dir: Path) -> None:
    keys = set()
    for sentences in (3, 5):
        for mode in ("auto", "extractive"):
            chosen = settings(models_dir=str(tiny_models_dir), summariser=mode,
                              summary_sentences=sentences)  # fmt: skip
            keys.add(SummariserChoice(chosen, Embedder()).for_language("en").cache_key)
    assert len(keys) == 4


def test_seq2seq_mode_with_a_missing_model_fails_at_startup(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    choice = SummariserChoice(
        settings(summariser="seq2seq", seq2seq_model=str(missing)), Embedder()
    )
    with pytest.raises(ModelLoadError, match=re.escape(str(missing))):
        choice.check()


@pytest.mark.usefixtures("hub_offline")
def test_seq2seq_mode_without_local_weights_loads_from_the_hub_or_fails(
    empty_models_dir: Path,
) -> None:
    choice = SummariserChoice(
        settings(summariser="seq2seq", models_dir=str(empty_models_dir)), Embedder()
    )
    english = choice.for_language("en")
    assert isinstance(english, Seq2SeqSummariser)
    assert english.source == DISTILBART  # no silent fallback to extractive
    with pytest.raises(ModelLoadError, match=DISTILBART):
        english.load(weights=False)
    assert isinstance(choice.for_language("de"), ExtractiveSummariser)  # no model for German


@pytest.mark.slow
def test_check_loads_the_configured_model_and_the_embedder(tiny_seq2seq_dir: Path) -> None:
    choice = SummariserChoice(
        settings(summariser="seq2seq", seq2seq_model=str(tiny_seq2seq_dir)), Embedder()
    )
    choice.check()
    summariser = choice.for_language("en")
    assert isinstance(summariser, Seq2SeqSummariser) and summariser.loaded


def test_the_fetch_command_reports_failures_plainly(
    empty_models_dir: Path, hub_offline, capsys, monkeypatch
):
    from service.cli import main
    from service.exit_codes import EXIT_MODEL

    monkeypatch.setenv("SUMMARY_MODELS_DIR", str(empty_models_dir))
    assert main(["models", "fetch", "--language", "en"]) == EXIT_MODEL
    captured = capsys.readouterr()
    assert "error: model 'sshleifer/distilbart-cnn-12-6': cannot download" in captured.err
    assert MT5 not in captured.err  # it stopped at the first failure
    assert not (empty_models_dir / "weights" / "csebuetnlp--mT5_multilingual_XLSum").exists()
