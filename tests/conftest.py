"""Shared fixtures: the shipped model, and helpers to run the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.model import MaturityModel, Surveys, load_model, load_surveys


@pytest.fixture(scope="session")
def model() -> MaturityModel:
    return load_model()


@pytest.fixture(scope="session")
def surveys(model: MaturityModel) -> Surveys:
    return load_surveys(model)


def maturitybot(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``maturitybot`` command as a person would, with a clean environment."""
    environment = {key: value for key, value in os.environ.items() if not _is_setting(key)}
    environment.update(env or {})
    script = Path(sys.executable).with_name("maturitybot")
    command = [str(script), *args] if script.exists() else [sys.executable, "-m", "bot.cli", *args]
    return subprocess.run(
        command, input=input, capture_output=True, text=True, env=environment, cwd=cwd, timeout=60
    )


def _is_setting(key: str) -> bool:
    prefixes = ("SLACK_", "MICROSOFT_", "MATURITYBOT_", "PULSE_", "DATABASE_URL", "TEAMS_")
    return key.startswith(prefixes)
