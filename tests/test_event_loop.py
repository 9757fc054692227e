"""The server's event loop (``EVENT_LOOP``): uvloop when installed, asyncio on request, and a
clear error when uvloop is asked for and missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot import event_loop
from bot.config import ConfigError, load_settings
from conftest import maturitybot


def running_on(choice: str) -> str:
    seen: list[str] = []

    async def main() -> None:
        seen.append(event_loop.name())

    event_loop.run(main(), event_loop.loop_factory(choice))
    return seen[0]


def test_auto_and_uvloop_run_on_uvloop_where_it_is_installed() -> None:
    # uvloop is a dependency everywhere but Windows (pyproject.toml)
    assert running_on("auto") == "uvloop"
    assert running_on("uvloop") == "uvloop"


def test_asyncio_keeps_the_standard_loop() -> None:
    assert running_on("asyncio") == "asyncio"


def test_without_uvloop_auto_falls_back_and_uvloop_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert running_on("auto") == "asyncio"
    with pytest.raises(ConfigError, match="EVENT_LOOP=uvloop, but uvloop is not installed"):
        event_loop.loop_factory("uvloop")


def test_the_setting_takes_three_names_in_any_case() -> None:
    assert load_settings({}, dotenv_path=None).event_loop == "auto"
    assert load_settings({"EVENT_LOOP": "AsyncIO"}, dotenv_path=None).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="EVENT_LOOP must be one of auto, uvloop, asyncio"):
        load_settings({"EVENT_LOOP": "tokio"}, dotenv_path=None)


def test_run_refuses_an_unknown_loop_before_touching_the_database(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "EVENT_LOOP": "tokio"}
    result = maturitybot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "maturitybot: error: EVENT_LOOP must be one of auto, uvloop, asyncio, got 'tokio'"
    ]
    assert not (tmp_path / "maturitybot.db").exists()
