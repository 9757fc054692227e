"""How the bot finds a Teams conversation again: the part of a Bot Framework conversation
reference worth storing, as JSON in the conversation's ``reference`` column.

Only what is needed to speak first is kept (service URL, conversation, tenant, bot, team and
channel): no user and no activity id, so the stored text changes only when Teams moves the
conversation, and the database is written only then.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

CHANNEL_ID = "msteams"
THREAD_MARK = ";messageid="

# conversationType values Teams sends
CHANNEL = "channel"
GROUP_CHAT = "groupChat"
PERSONAL = "personal"


def base_conversation(conversation_id: str) -> str:
    """A channel's conversation id without the thread part."""
    return conversation_id.split(THREAD_MARK, 1)[0]


def thread_root(conversation_id: str) -> str | None:
    """The root message id of a channel thread's conversation id, if it has one."""
    _, mark, root = conversation_id.partition(THREAD_MARK)
    return root if mark and root else None


def thread_conversation(conversation_id: str, root_id: str) -> str:
    return f"{base_conversation(conversation_id)}{THREAD_MARK}{root_id}"


@dataclass(frozen=True)
class StoredReference:
    """Where and as whom the bot speaks in one conversation."""

    service_url: str
    conversation_id: str  # without ``;messageid=``: the channel itself, a chat, a 1:1
    kind: str  # CHANNEL, GROUP_CHAT or PERSONAL
    bot_id: str
    bot_name: str = ""
    tenant_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None  # the Teams channel that new threads are created in

    @property
    def is_channel(self) -> bool:
        return self.kind == CHANNEL and bool(self.channel_id)

    def dumps(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> StoredReference | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            return None

    def conversation_reference(self, conversation_id: str | None = None) -> ConversationReference:
        """A Bot Framework reference to this conversation, or to one of its threads."""
        return ConversationReference(
            channel_id=CHANNEL_ID,
            service_url=self.service_url,
            conversation=ConversationAccount(
                id=conversation_id or self.conversation_id,
                conversation_type=self.kind,
                tenant_id=self.tenant_id,
                is_group=self.kind != PERSONAL,
            ),
            bot=ChannelAccount(id=self.bot_id, name=self.bot_name),
        )

    def channel_data(self) -> dict[str, object]:
        """The Teams channel data an activity in this conversation carries."""
        data: dict[str, object] = {}
        if self.tenant_id:
            data["tenant"] = {"id": self.tenant_id}
        if self.team_id:
            data["team"] = {"id": self.team_id}
        if self.channel_id:
            data["channel"] = {"id": self.channel_id}
        return data
