"""A Teams activity, read at the edge: who sent it, from which conversation, in which thread,
and how to reach that conversation again. Raw activity dicts stop here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from botbuilder.schema import Activity

from bot.context import MessageRef, Person
from bot.platforms.teams.people import Account, account_of
from bot.platforms.teams.references import (
    CHANNEL,
    GROUP_CHAT,
    PERSONAL,
    StoredReference,
    base_conversation,
    thread_root,
)
from bot.wording import normalise

PERSONAL_PREFIX = "personal:"
# How far back an activity's own time is believed: a click is stamped with the time Teams
# says it was made (so an older click arriving late never overwrites a newer answer), but
# never later than now, nor earlier than this before now.
SENT_WINDOW = timedelta(minutes=5)


def personal_key(person_id: str) -> str:
    """The stored channel key of the bot's 1:1 chat with a person."""
    return f"{PERSONAL_PREFIX}{person_id}"


@dataclass(frozen=True)
class Origin:
    """The conversation an activity belongs to, as the core's place key plus how to reach it."""

    workspace: str  # the team id for channels, the tenant id for chats
    channel: str  # the place key: channel conversation id, chat id, or personal:<person>
    name: str
    reference: StoredReference
    thread: MessageRef | None = None  # the channel thread the activity was sent in
    general: bool = False  # the team's General channel, whose name Teams does not send

    @property
    def kind(self) -> str:
        return self.reference.kind


@dataclass(frozen=True)
class Inbound:
    account: Account
    person: Person
    origin: Origin
    sent: datetime | None = None  # the activity's timestamp, as Teams stamped it

    def sent_at(self, now: datetime) -> datetime:
        """When the activity was sent, kept within ``SENT_WINDOW`` before now."""
        if self.sent is None or self.sent.tzinfo is None:
            return now
        return min(max(self.sent, now - SENT_WINDOW), now)


# What a stored conversation can hold (conversation.channel, .workspace): an id longer, or
# with characters no Teams id has, names no conversation.
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9][\x21-\x7e]{0,254}")
_WORKSPACE_ID = re.compile(r"[\x21-\x7e]{1,128}")
_SERVICE_URL = re.compile(r"https?://[\x21-\x7e]{1,2000}")


def read(activity: Activity) -> Inbound | None:
    """The sender and conversation of an activity; None when it lacks either, or when their
    ids are not ids (too long for a column, or with spaces and control characters)."""
    account = account_of(activity.from_property)
    conversation = activity.conversation
    if account is None or conversation is None or not isinstance(conversation.id, str):
        return None
    if not _CONVERSATION_ID.fullmatch(conversation.id):
        return None
    if not isinstance(activity.service_url, str) or not _SERVICE_URL.fullmatch(
        activity.service_url
    ):
        return None
    if activity.recipient is None or not activity.recipient.id:
        return None
    person = replace(account.person(), locale=normalise(activity.locale))
    sent = activity.timestamp if isinstance(activity.timestamp, datetime) else None
    origin = _origin(activity, person)
    if origin.workspace and not _WORKSPACE_ID.fullmatch(origin.workspace):
        return None
    return Inbound(account, person, replace(origin, name=origin.name[:255]), sent)


def _origin(activity: Activity, person: Person) -> Origin:
    conversation = activity.conversation
    data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    team = _section(data, "team")
    channel = _section(data, "channel")
    tenant = conversation.tenant_id or _section(data, "tenant").get("id") or None
    kind = conversation.conversation_type or (
        CHANNEL if channel else GROUP_CHAT if conversation.is_group else PERSONAL
    )
    base = base_conversation(conversation.id)
    reference = StoredReference(
        service_url=activity.service_url,
        conversation_id=base,
        kind=kind,
        bot_id=activity.recipient.id,
        bot_name=activity.recipient.name or "",
        tenant_id=tenant,
        team_id=team.get("id") if kind == CHANNEL else None,
        channel_id=(channel.get("id") or base) if kind == CHANNEL else None,
    )
    if kind == CHANNEL:
        root = thread_root(conversation.id)
        # Teams names every channel but General, whose id is the team's. The team's name is
        # not the channel's: a team has many channels.
        name = channel.get("name") or ""
        general = not name and (channel.get("id") or base) == team.get("id")
        return Origin(
            workspace=team.get("id") or tenant or "",
            channel=base,
            name=f"#{name}" if name else "",
            reference=reference,
            thread=MessageRef(conversation.id, root) if root else None,
            general=general,
        )
    if kind == PERSONAL:
        return Origin(tenant or "", personal_key(person.id), "personal chat", reference)
    return Origin(tenant or "", base, conversation.name or "group chat", reference)


def _section(data: Mapping[str, object], key: str) -> Mapping[str, str]:
    """A part of channelData (untyped: the client's), with only its text fields."""
    value = data.get(key)
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
