"""The tables. Alembic migrations in ``storage/migrations`` create them; nothing calls
``create_all`` in a production path.

Times are stored as naive UTC and come back as aware UTC (``UTCDateTime``), the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def _now() -> datetime:
    return datetime.now(UTC)


def _time(nullable: bool = False, index: bool = False) -> Any:
    """A time column; required ones default to now, optional ones to None."""
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)
    return Field(default_factory=_now, sa_type=UTCDateTime, nullable=False, index=index)


class Conversation(SQLModel, table=True):
    """A channel, group chat or DM the bot serves."""

    __tablename__ = "conversation"
    __table_args__ = (
        sa.UniqueConstraint("platform", "workspace", "channel"),
        sa.Index("ix_conversation_platform_channel", "platform", "channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(default="", max_length=128)
    channel: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    # What everyone here reads (`language zh|en`); None: MATURITYBOT_LANGUAGE.
    language: str | None = Field(default=None, max_length=8)
    # How the platform adapter speaks first here (Teams: the conversation reference, JSON).
    reference: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _time()


class Schedule(SQLModel, table=True):
    """A recurring pulse or digest: cron fields in an IANA timezone."""

    __tablename__ = "schedule"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=8)  # "pulse" or "digest"
    days: str = Field(max_length=32)  # APScheduler day_of_week, e.g. "mon" or "mon-fri"
    hour: int
    minute: int
    second: int = 0
    timezone: str = Field(max_length=64)
    template: str | None = Field(default=None, max_length=32)
    close_after_minutes: int | None = None
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = _time()


class Round(SQLModel, table=True):
    """One pulse: opened in a conversation, answered in its thread, closed, summarised."""

    __tablename__ = "pulse_round"
    __table_args__ = (
        sa.Index("ix_pulse_round_conversation_opened", "conversation_id", "opened_at"),
        # At most one open round per conversation, enforced by the database.
        sa.Index(
            "uq_pulse_round_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    template: str = Field(max_length=32)
    # The title is data, composed when shown in the reader's language: "… pulse — week 48".
    week: int
    # A round keeps the language it opened in: its questions were stored in that language.
    language: str = Field(default="en", max_length=8)
    opened_by: str = Field(default="", max_length=128)
    schedule_id: int | None = Field(default=None, foreign_key="schedule.id", ondelete="SET NULL")
    opened_at: datetime = _time()
    closes_at: datetime = _time()
    closed_at: datetime | None = _time(nullable=True)
    reminded_at: datetime | None = _time(nullable=True)
    parent_ref: str | None = Field(default=None, sa_type=sa.Text)
    respondents: int | None = None
    members: int | None = None


class RoundQuestion(SQLModel, table=True):
    """A question as posted in a round, with the platform's reference to its message."""

    __tablename__ = "round_question"
    __table_args__ = (sa.UniqueConstraint("round_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    question_version: int
    aspect: str = Field(max_length=32)
    position: int
    # The wording as asked: a round keeps it even when content/ changes while it is open.
    text: str = Field(default="", sa_type=sa.Text)
    options: str = Field(default="[]", sa_type=sa.Text)  # JSON list of the four options
    message_ref: str | None = Field(default=None, sa_type=sa.Text)


class Answer(SQLModel, table=True):
    """One person's answer to one question of a round. ``level`` None means "not sure"."""

    __tablename__ = "answer"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "question_id", "user_id", name="uq_answer_one_per_person"),
        sa.Index("ix_answer_round_aspect_level", "round_id", "aspect", "level"),
        sa.Index("ix_answer_user", "user_id"),
        sa.Index("ix_answer_answered_at", "answered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    question_version: int
    aspect: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    level: int | None = None
    comment: str | None = Field(default=None, sa_type=sa.Text)
    answered_at: datetime = _time()


class RoundScore(SQLModel, table=True):
    """Aggregates of one aspect in a closed round; they outlive the answers (retention)."""

    __tablename__ = "round_score"

    round_id: int = Field(foreign_key="pulse_round.id", ondelete="CASCADE", primary_key=True)
    aspect: str = Field(max_length=32, primary_key=True)
    responses: int
    scored: int
    mean: float | None = None
    median: float | None = None
    level_1: int = 0
    level_2: int = 0
    level_3: int = 0
    level_4: int = 0
    # "id@version" of the questions asked, so changes are only compared like with like.
    questions: str = Field(default="", max_length=1024)


class DigestPost(SQLModel, table=True):
    """A digest that was posted."""

    __tablename__ = "digest_post"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE", index=True)
    round_id: int | None = Field(default=None, foreign_key="pulse_round.id", ondelete="SET NULL")
    posted_at: datetime = _time()


class Occurrence(SQLModel, table=True):
    """A claimed occurrence of scheduled work: whoever inserts the key first does the work."""

    __tablename__ = "occurrence"

    key: str = Field(primary_key=True, max_length=128)
    claimed_at: datetime = _time()
    instance: str = Field(default="", max_length=128)


class OwedPost(SQLModel, table=True):
    """A post the bot owes a conversation (a transactional outbox row): written in the same
    transaction as the decision to post it, delivered later by any instance, exactly once."""

    __tablename__ = "owed_post"
    __table_args__ = (
        sa.Index("ix_owed_post_due", "state", "next_attempt_at"),
        sa.Index("ix_owed_post_round", "round_id"),
        # What waits for a row: pruning asks, and deleting a row deletes what depends on it.
        sa.Index("ix_owed_post_depends_on", "depends_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", ondelete="CASCADE")
    # parent, question, summary, digest or notice
    kind: str = Field(max_length=16)
    round_id: int | None = Field(default=None, foreign_key="pulse_round.id", ondelete="CASCADE")
    question_id: str | None = Field(default=None, max_length=64)
    # What rendering needs beyond the round (JSON): never people's answers.
    payload: str = Field(default="{}", sa_type=sa.Text)
    # Delivered only after this one (a question after its round's parent post).
    depends_on: int | None = Field(default=None, foreign_key="owed_post.id", ondelete="CASCADE")
    # One row per thing owed, whoever decides it (unique across instances).
    key: str = Field(max_length=160, unique=True)
    created_at: datetime = _time()
    next_attempt_at: datetime = _time()
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = _time(nullable=True)
    # Set just before a platform call and cleared when its outcome is known: still set at
    # the next attempt, the platform may have received it (a timeout, a crash): look first.
    in_flight_since: datetime | None = _time(nullable=True)
    state: str = Field(default="pending", max_length=12)  # pending, delivered, given_up
    message_ref: str | None = Field(default=None, sa_type=sa.Text)
    last_error: str | None = Field(default=None, max_length=80)
    finished_at: datetime | None = _time(nullable=True)


class ProcessedEvent(SQLModel, table=True):
    """An inbound platform event already handled (Slack retries the same event_id)."""

    __tablename__ = "processed_event"

    key: str = Field(primary_key=True, max_length=160)
    received_at: datetime = _time(index=True)


class TeamsInbox(SQLModel, table=True):
    """A Teams activity acknowledged but perhaps not yet handled: written before Teams gets
    its 201, so a crash before the handling ends loses nothing (Teams will not send it again).
    The activity as the bot parsed it, never the request's Authorization header."""

    __tablename__ = "teams_inbox"
    __table_args__ = (sa.Index("ix_teams_inbox_pending", "handled_at", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Conversation and activity id, hashed: the same activity again is a retry or a replay.
    key: str = Field(max_length=64, unique=True)
    activity: str = Field(sa_type=sa.Text)
    received_at: datetime = _time()
    # Whoever handles it holds it until then (renewed while handling); after that, any
    # instance may take it over.
    claimed_until: datetime | None = _time(nullable=True)
    handled_at: datetime | None = _time(nullable=True)


class PendingConfirmation(SQLModel, table=True):
    """A destructive action a person asked for and must confirm (``forget me`` → ``yes``)."""

    __tablename__ = "pending_confirmation"

    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=128)
    action: str = Field(max_length=32)
    expires_at: datetime = _time()


metadata = SQLModel.metadata
