"""Settings from arguments, WHICHMODEL_* variables, whichmodel.toml and defaults, in
that order; each default written once and asked for by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from whichmodel.config import (
    CONFIG_FILE_ENV,
    DEFAULT_DB,
    Settings,
    Weights,
    default,
    load_settings,
)
from whichmodel.errors import ConfigError


def toml(folder: Path, text: str, name: str = "whichmodel.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_argument_wins_over_the_environment_which_wins_over_the_file(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings().tolerance == 0.05  # the default
    toml(no_config, "tolerance = 0.1\nconcurrency = 3\n")
    assert load_settings().tolerance == 0.1
    monkeypatch.setenv("WHICHMODEL_TOLERANCE", "0.2")
    assert load_settings().tolerance == 0.2
    assert load_settings(tolerance=0.3).tolerance == 0.3
    assert load_settings(tolerance=0.3).concurrency == 3  # the file still counts elsewhere


def test_arguments_given_as_none_or_empty_are_not_given(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI passes every option, None or empty when not typed: those must not hide
    the file's or the environment's value."""
    toml(no_config, 'candidates = ["portkey/openai/a"]\njudge = "portkey/openai/j"\n')
    monkeypatch.setenv("WHICHMODEL_TOLERANCE", "0.2")
    settings = load_settings(candidates=[], judge=None, tolerance=None, baseline=())
    assert settings.candidates == ["portkey/openai/a"]
    assert settings.judge == "portkey/openai/j"
    assert settings.tolerance == 0.2
    assert settings.baseline is None


def test_a_config_file_given_by_path_or_by_variable(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml(no_config, "tolerance = 0.1\n")  # ./whichmodel.toml, not read when another is named
    other = toml(no_config, "tolerance = 0.15\n", "team.toml")
    assert load_settings(config=other).tolerance == 0.15
    assert CONFIG_FILE_ENV not in os.environ  # the variable is restored afterwards
    monkeypatch.setenv(CONFIG_FILE_ENV, str(other))
    assert load_settings().tolerance == 0.15
    third = toml(no_config, "tolerance = 0.25\n", "third.toml")
    assert load_settings(config=third).tolerance == 0.25
    assert os.environ[CONFIG_FILE_ENV] == str(other)


def test_nested_settings_from_the_environment_and_the_file(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml(
        no_config,
        "[weights]\nrelevance = 0.5\n\n"
        '[prices."portkey/openai/m"]\ninput_mtok = 1.5\noutput_mtok = 6\n',
    )
    monkeypatch.setenv("WHICHMODEL_WEIGHTS__ACCURACY", "0.7")
    settings = load_settings()
    assert settings.weights.accuracy == 0.7
    assert settings.prices["portkey/openai/m"].output_mtok == 6
    assert settings.prices["portkey/openai/m"].note == "set in config"


def test_a_missing_config_file_names_the_path_and_the_option(no_config: Path) -> None:
    missing = no_config / "nope.toml"
    with pytest.raises(ConfigError) as exc:
        load_settings(config=missing)
    assert str(exc.value) == f"Config file {missing} not found: check the --config path."


def test_an_invalid_setting_names_it_and_where_settings_come_from(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(concurrency=0)
    message = str(exc.value)
    assert message.startswith("Invalid setting concurrency: ")
    assert message.endswith("(check whichmodel.toml, WHICHMODEL_* variables and command options).")
    assert "\n" not in message
    monkeypatch.setenv("WHICHMODEL_WEIGHTS__ACCURACY", "lots")
    with pytest.raises(ConfigError, match=r"^Invalid setting weights\.accuracy: "):
        load_settings()


def test_an_unknown_setting_in_the_file_is_refused(no_config: Path) -> None:
    toml(no_config, "tolerence = 0.1\n")
    with pytest.raises(ConfigError, match=r"^Invalid setting tolerence: "):
        load_settings()


def test_a_broken_config_file_says_it_cannot_be_read(no_config: Path) -> None:
    toml(no_config, "tolerance = = 0.1\n")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert str(exc.value).startswith("Cannot read the config file: ")


def test_each_default_is_asked_for_by_name(no_config: Path) -> None:
    assert default("tolerance") == 0.05
    assert default("judge_mode") == "pointwise"
    assert default("db") == DEFAULT_DB == Path("whichmodel.db")
    assert default("weights") == Weights()
    assert default("batch_providers") == ["openai"]
    assert default("max_cost") is None
    settings = load_settings()
    for name in ("tolerance", "concurrency", "judge_controls", "retries", "timeout", "weights"):
        assert getattr(settings, name) == default(name), name


def test_a_default_made_by_a_factory_is_a_fresh_object_each_time() -> None:
    first = default("batch_providers")
    first.append("anthropic")
    assert default("batch_providers") == ["openai"]
    assert default("candidates") == [] and default("candidates") is not default("candidates")


def test_a_name_that_is_no_setting_has_no_default() -> None:
    with pytest.raises(KeyError):
        default("tolerence")


def test_settings_refuse_extra_fields(no_config: Path) -> None:
    with pytest.raises(ValueError, match="tolerence"):
        Settings(tolerence=0.1)
