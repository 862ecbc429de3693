"""Client profiles in a batch file: language, topics, keywords, competitors, checked when read."""

from __future__ import annotations

from pathlib import Path

import pytest

from follower_kit import config
from follower_kit.errors import ConfigError, SourceError

ROOT = Path(__file__).resolve().parent.parent

GOOD = """
[defaults]
tz = "Europe/Berlin"
language = "de"
store = "../data/store"     # a report option: the profile reader leaves it to the report

[[client]]
account = "@brightwave"
name = "Brightwave Studio"
language = "en"
topics = ["data tools", "Analytics"]
keywords = ["python", "#SQL", "analytics", "python"]
competitors = ["@northwind_brew", "tidepool_labs"]

[[client]]
account = "quillfeather"
keywords = "poetry"
"""


def test_profiles_read_with_defaults_and_normalised(tmp_path):
    path = tmp_path / "clients.toml"
    path.write_text(GOOD)
    first, second = config.read_client_profiles(path)
    assert first.account == "brightwave" and first.name == "Brightwave Studio"
    assert (first.tz, first.language) == ("Europe/Berlin", "en")
    assert first.topics == ("data tools", "Analytics")
    assert first.keywords == ("python", "#SQL", "analytics")          # repeats folded
    assert first.competitors == ("northwind_brew", "tidepool_labs")
    assert first.match_words == ["data tools", "analytics", "python", "#sql"]
    assert second.name == "quillfeather" and second.language == "de"
    assert second.keywords == ("poetry",) and second.competitors == ()


def test_example_clients_file_has_valid_profiles():
    profiles = config.read_client_profiles(ROOT / "examples" / "clients.toml")
    assert [p.account for p in profiles][:2] == ["brightwave", "northwind_brew"]
    assert all(p.name for p in profiles)


@pytest.mark.parametrize("entry, match", [
    ('account = "brightwave"\nlanguage = "English"', r"client #1 \(@brightwave\): language"),
    ('account = "brightwave"\ntz = "Mars/Base"', r"client #1 \(@brightwave\): unknown time zone"),
    ('account = "brightwave"\nkeywords = [1, 2]', r"\(@brightwave\): keywords must be a list"),
    ('account = "brightwave"\ntopics = ["data", " "]', r"topics holds an empty word"),
    ('account = "brightwave"\ncompetitors = ["not a handle!"]', r"competitors must be X handles"),
    ('account = "brightwave"\ncompetitors = ["BrightWave"]', r"lists the client itself"),
    ('account = "bright wave"', r"client #1: account must be an X handle"),
    ('name = "x"', r"client #1: account must be an X handle"),
])
def test_a_bad_value_names_the_client_and_field(tmp_path, entry, match):
    path = tmp_path / "clients.toml"
    path.write_text("[[client]]\naccount = \"ok_one\"\n\n[[client]]\n" + entry + "\n")
    with pytest.raises(SourceError, match=match.replace("#1", "#2")) as info:
        config.read_client_profiles(path)
    assert str(path) in str(info.value)


def test_client_profile_alone_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="pt_BR"):
        config.client_profile({"account": "a", "language": "pt_BR"})
    assert config.client_profile({"account": "a", "language": "pt-BR"}).language == "pt-BR"
    with pytest.raises(SourceError, match="no \\[\\[client\\]\\]"):
        (tmp_path / "empty.toml").write_text("[defaults]\n")
        config.read_client_profiles(tmp_path / "empty.toml")
    with pytest.raises(SourceError, match="not valid TOML"):
        (tmp_path / "bad.toml").write_text("[[client]\n")
        config.read_client_profiles(tmp_path / "bad.toml")
    with pytest.raises(SourceError, match="cannot read"):
        config.read_client_profiles(tmp_path / "missing.toml")
