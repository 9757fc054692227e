"""Shared fixtures: the shipped model, and helpers to run the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.model import MaturityModel, Surveys, load_model, load_surveys
from storage.engine import migrate, normalise_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
NO_POSTGRES = (
    "PostgreSQL cases need TEST_DATABASE_URL, e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)


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
    return key.startswith(prefixes) or key == "EVENT_LOOP"


def with_schema(url: str, schema: str) -> str:
    """The same database with its own schema first on the search path."""
    parsed = make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of ``kind``: a SQLite file or a new PostgreSQL schema."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'maturitybot.db'}"
        migrate(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = with_schema(POSTGRES_URL, schema)
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every storage test runs on a real SQLite file and on a real PostgreSQL."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgresql", tmp_path)
