"""Settings: environment overrides, validation, and the README's table generated from them."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from service.config import SETTINGS, Settings, settings_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_environment_overrides_defaults_with_types():
    settings = Settings.from_env(
        environ={"SUMMARY_MAX_WAIT_SECONDS": "5", "SUMMARY_EMBEDDED_WORKER": "false"}
    )
    assert settings.max_wait_seconds == 5
    assert settings.embedded_worker is False
    assert settings.summariser == "auto"


def test_explicit_overrides_win_over_environment():
    settings = Settings.from_env(
        {"summariser": "extractive"}, environ={"SUMMARY_SUMMARISER": "auto"}
    )
    assert settings.summariser == "extractive"


@pytest.mark.parametrize(
    ("name", "value"),
    [("SUMMARY_MAX_WAIT_SECONDS", "soon"), ("SUMMARY_EMBEDDED_WORKER", "maybe")],
)
def test_malformed_values_name_the_variable(name: str, value: str):
    with pytest.raises(ValueError, match=name):
        Settings.from_env(environ={name: value})


def test_unknown_summariser_is_refused():
    with pytest.raises(ValueError, match="SUMMARY_SUMMARISER"):
        Settings.from_env(environ={"SUMMARY_SUMMARISER": "magic"})


def test_every_setting_has_help_and_a_default_of_its_type():
    types = typing.get_type_hints(Settings)
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert isinstance(setting.default, types[setting.name]), setting.name


def test_every_choice_is_named_in_the_settings_help():
    """The README's table (the help) names every value a setting may take."""
    with_choices = [s for s in SETTINGS if s.choices]
    assert {s.name for s in with_choices} >= {"summariser", "job_backend", "seq2seq_runtime"}
    for setting in with_choices:
        assert setting.default in setting.choices, setting.name
        for choice in setting.choices:
            assert f"`{choice}`" in setting.help, (setting.name, choice)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("summariser", "magic", "SUMMARY_SUMMARISER must be auto, extractive or seq2seq"),
        ("unsupported_sentences", "hide", "SUMMARY_UNSUPPORTED_SENTENCES must be drop or flag"),
        ("seq2seq_runtime", "fp4", "SUMMARY_SEQ2SEQ_RUNTIME must be float32 or int8"),
        ("job_backend", "kafka", "SUMMARY_JOB_BACKEND must be embedded or celery"),
        ("seq2seq_batch_size", -1, "SUMMARY_SEQ2SEQ_BATCH_SIZE must be 0 or more"),
        ("session_hours", 0, "SUMMARY_SESSION_HOURS must be 1 or more"),
    ],
)
def test_values_a_setting_may_not_take_are_refused_however_they_come(name, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(environ={f"SUMMARY_{name.upper()}": str(value)})
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value}, environ={})
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(Settings.from_env(environ={}), **{name: value})


def test_the_secret_key_never_shows_in_a_repr():
    settings = Settings.from_env({"secret_key": "hunter2-secret"}, environ={})
    assert settings.secret_key == "hunter2-secret"
    assert "hunter2" not in repr(settings)


def test_readme_settings_table_is_generated_from_the_declarations():
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings:start -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == settings_markdown(), (
        "README's settings table is stale: paste the output of "
        "`python -c 'from service.config import settings_markdown as s; print(s())'`"
    )
