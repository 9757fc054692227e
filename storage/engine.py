"""Engines, sessions and migrations, the same for SQLite and PostgreSQL.

Database work runs in a small thread pool (``Database.read``/``write``), so the event loop
that serves Slack and Teams never waits on a disk or a socket to the database; its threads
take the work a person is waiting for first (storage/lanes.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

from storage.errors import DatabaseError
from storage.grouped import GroupedWrites
from storage.lanes import PeopleFirst

Result = TypeVar("Result")
MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled connection unused this long is pinged before it is handed out (a database restart
# or an idle timeout may have closed it). One in steady use is not: a ping is a round trip,
# and under load every transaction would pay for it.
IDLE_BEFORE_PING = 5.0


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, pool_size: int = 5) -> sa.Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise DatabaseError(f"DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, pool_size)
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError("DATABASE_URL must be sqlite:///FILE or postgresql+psycopg://...")
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: sa.Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for connections that sat unused for a while only."""

    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and hands out a new one.
            raise sa.exc.DisconnectionError(_first_line(error)) from error


def _sqlite_engine(url: str, pool_size: int) -> sa.Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=pool_size,
        max_overflow=pool_size,
    )
    in_memory = make_url(url).database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with "database is locked" at once instead of waiting its turn.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """One engine and a thread pool; ``read``/``write`` run a function with a session."""

    def __init__(self, url: str, workers: int = 4) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, pool_size=workers)
        self.sqlite = is_sqlite(self.url)
        self._writer = (
            self.engine.execution_options(sqlite_immediate=True) if self.sqlite else self.engine
        )
        self._executor = PeopleFirst(workers, name="db")
        self._grouped = GroupedWrites(self)

    def read_now(self, work: Callable[..., Result], *args: Any) -> Result:
        with Session(self.engine, expire_on_commit=False) as session:
            return work(session, *args)

    def write_now(self, work: Callable[..., Result], *args: Any) -> Result:
        with Session(self._writer, expire_on_commit=False) as session:
            result = work(session, *args)
            session.commit()
            return result

    async def read(self, work: Callable[..., Result], *args: Any) -> Result:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self.read_now, work, *args))

    async def write(self, work: Callable[..., Result], *args: Any) -> Result:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self.write_now, work, *args))

    async def write_grouped(self, work: Callable[..., Result], *args: Any) -> Result:
        """``write``, in one transaction with other writes waiting meanwhile (group commit,
        storage/grouped.py): for small, frequent writes that touch rows of their own. ``work``
        must not commit or roll back: the group's transaction is shared."""
        result: Result = await self._grouped.write(work, *args)
        return result

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()


# --- migrations ----------------------------------------------------------------------------


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> str:
    """Apply pending migrations; returns the revision the database is now at."""
    from alembic import command

    try:
        command.upgrade(_alembic_config(url), "head")
    except sa.exc.OperationalError as error:
        raise DatabaseError(
            f"cannot reach the database at DATABASE_URL: {_first_line(error)}"
        ) from None
    return current_revision(url) or "empty"


def new_revision(url: str, message: str) -> None:
    """Generate a migration from the difference between ``storage/tables.py`` and the
    database at ``url`` (a scratch database migrated to the current head); review it after."""
    from alembic import command

    command.revision(_alembic_config(url), message=message, autogenerate=True)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.OperationalError as error:
        raise DatabaseError(
            f"cannot reach the database at DATABASE_URL: {_first_line(error)}"
        ) from None
    finally:
        engine.dispose()


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
