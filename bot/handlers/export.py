"""``maturitybot export``: rounds and aggregate scores of one conversation, as CSV or JSON.

Only aggregates of closed rounds leave the database, and an aspect below the response
threshold exports its response count alone: never who answered what.
"""

from __future__ import annotations

import csv
import io
import json

from sqlmodel import Session

from bot import phrases
from bot.model import MaturityModel
from bot.replies import RoundTitle
from bot.wording import speaking
from storage import conversations, rounds, scores
from storage.engine import Database
from storage.tables import Conversation, Round

FIELDS = (
    "round_id", "title", "template", "opened_at", "closed_at", "respondents", "members",
    "aspect", "responses", "scored", "mean", "median", "level_1", "level_2", "level_3",
    "level_4", "note",
)  # fmt: skip
MAX_ROUNDS = 10_000


def _title(round_: Round) -> str:
    """The title as the round's conversation saw it."""
    with speaking(round_.language):
        return str(phrases.round_title(RoundTitle(round_.week)))


class ExportError(Exception):
    """The conversation asked for does not exist; the message says how to name one."""


def rows(
    db: Database, model: MaturityModel, conversation: str, threshold: int
) -> list[dict[str, object]]:
    return db.read_now(_rows, [a.key for a in model.aspects], conversation, threshold)


def _rows(
    session: Session, aspects: list[str], conversation: str, threshold: int
) -> list[dict[str, object]]:
    found = _conversation(session, conversation)
    assert found.id is not None, "a stored conversation has an id"
    history = list(reversed(rounds.closed_rounds(session, found.id, MAX_ROUNDS)))
    stored = scores.stored(session, [r.id for r in history if r.id is not None])
    result = []
    for round_ in history:
        assert round_.id is not None, "a stored round has an id"
        for aspect in aspects:
            score = stored.get(round_.id, {}).get(aspect)
            row: dict[str, object] = {
                "round_id": round_.id,
                "title": _title(round_),
                "template": round_.template,
                "opened_at": round_.opened_at.isoformat(),
                "closed_at": round_.closed_at.isoformat() if round_.closed_at else None,
                "respondents": round_.respondents,
                "members": round_.members,
                "aspect": aspect,
                "responses": score.responses if score else 0,
            }
            if score is not None and score.scored >= threshold:
                row.update(
                    scored=score.scored,
                    mean=round(score.mean, 3) if score.mean is not None else None,
                    median=score.median,
                    level_1=score.level_1,
                    level_2=score.level_2,
                    level_3=score.level_3,
                    level_4=score.level_4,
                    note="",
                )
            else:
                row["note"] = "not enough responses"
            result.append(row)
    return result


def _conversation(session: Session, reference: str) -> Conversation:
    if reference.isdigit():
        found = conversations.get(session, int(reference))
    else:
        platform, _, channel = reference.partition(":")
        found = conversations.find(session, platform, channel) if channel else None
    if found is None:
        raise ExportError(
            f"no conversation {reference!r}; give its number or platform:channel "
            "(e.g. slack:C0123 or console:terminal)"
        )
    return found


def as_text(data: list[dict[str, object]], fmt: str, conversation: str) -> str:
    """The rows as CSV or JSON text."""
    if fmt == "json":
        return json.dumps({"conversation": conversation, "rows": data}, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(data)
    return buffer.getvalue()
