"""Settings: environment overrides, validation, and the README's table generated from them."""

from __future__ import annotations

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


def test_every_declared_setting_is_a_field():
    assert [s.name for s in SETTINGS] == list(Settings.__dataclass_fields__)


def test_readme_settings_table_is_generated_from_the_declarations():
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings:start -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == settings_markdown(), (
        "README's settings table is stale: paste the output of "
        "`python -c 'from service.config import settings_markdown as s; print(s())'`"
    )
