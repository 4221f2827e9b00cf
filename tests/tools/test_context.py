"""The advisor's tools find their database through the ToolContext an agent holds, or
through the configuration (whichmodel.toml, WHICHMODEL_DB) when it holds none."""

from pathlib import Path

import pytest

from whichmodel.store import Store
from whichmodel.tools.context import ToolContext, context_of


class Agent:
    """Any object a Langroid tool handler may be given."""


def test_an_agent_without_a_context_reads_the_database_of_whichmodel_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-toml.db"
    config = tmp_path / "whichmodel.toml"
    config.write_text(f'db = "{db}"\n')
    monkeypatch.delenv("WHICHMODEL_DB", raising=False)
    monkeypatch.setenv("WHICHMODEL_CONFIG", str(config))
    agent = Agent()
    context = context_of(agent)
    assert context.store.path == db
    assert context_of(agent) is context  # given once, kept on the agent


def test_the_environment_wins_over_the_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "whichmodel.toml"
    config.write_text(f'db = "{tmp_path / "from-toml.db"}"\n')
    monkeypatch.setenv("WHICHMODEL_CONFIG", str(config))
    monkeypatch.setenv("WHICHMODEL_DB", str(tmp_path / "from-env.db"))
    assert context_of(Agent()).store.path == tmp_path / "from-env.db"


def test_a_held_context_is_used_and_a_fresh_one_keeps_only_the_store(tmp_path: Path) -> None:
    agent = Agent()
    agent.tool_context = ToolContext(Store(tmp_path / "held.db"))  # type: ignore[attr-defined]
    context = context_of(agent)
    assert context.store.path == tmp_path / "held.db"
    context.cite("run-1")
    context.cite("run-1")
    context.remember("runs", ["run-1"])
    assert context.runs_cited == ["run-1"] and context.facts == {"runs": ["run-1"]}
    fresh = context.fresh()
    assert fresh.store is context.store and not fresh.runs_cited and not fresh.facts
